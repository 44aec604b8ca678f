{#- Numbers the rows sent for one version of a record (key, updated_at): 1 is the
    row staging keeps. A later batch's row wins (the source sent the version
    again); within a file the first row wins (a repeat further down is a
    duplicate). Every stg_ model ranks versions through this one rule. -#}
{% macro version_row_number(key_column) -%}
    row_number() over (
        partition by {{ key_column }}, updated_at
        order by _batch_date desc nulls last, _load_id desc nulls last,
            _source_line asc nulls last
    )
{%- endmacro %}
