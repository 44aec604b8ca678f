{#-
    A comma-separated list of the data issues of a row ('invalid_email, invalid_phone'),
    NULL when it has none. checks: a list of [condition, issue_code] pairs; a
    condition that is NULL counts as false.
-#}
{% macro issue_list(checks) -%}
    {%- set parts = [] -%}
    {%- for condition, code in checks -%}
        {%- do parts.append("case when " ~ condition ~ " then ', " ~ code ~ "' else '' end") -%}
    {%- endfor -%}
    nullif(substr({{ dbt.concat(parts) }}, 3), '')
{%- endmacro %}
