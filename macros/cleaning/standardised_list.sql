{#-
    A comma-separated list of the columns whose value cleaning changed: trimmed,
    re-cased, or mapped from another spelling to the canonical one
    ('first_name, state'), NULL when none was. A value that could not be cleaned
    (NULL after cleaning) is not listed: it is flagged in data_issues instead.
    columns: a list of [source_value, cleaned_value, column_name] triples.
-#}
{% macro standardised_list(columns) -%}
    {%- set checks = [] -%}
    {%- for source_value, cleaned_value, column_name in columns -%}
        {%- do checks.append(['(' ~ source_value ~ ' <> ' ~ cleaned_value ~ ')', column_name]) -%}
    {%- endfor -%}
    {{ issue_list(checks) }}
{%- endmacro %}
