{#-
    dbt run-operation rotate_pseudonym_key: a new pseudonym key for this
    installation. Every pseudonym changes with it: rebuild what uses them with
    `dbt build --full-refresh --select dim_customer+` (`warehouse pii rotate-key`
    does both, under the writer lock).
-#}
{% macro rotate_pseudonym_key() -%}
    {%- set sql = ensure_pseudonym_key(rotate=true) -%}
    {%- if sql | trim -%}
        {%- do run_query(sql) -%}
    {%- endif -%}
    {{ log('pseudonym key rotated: rebuild dim_customer and what reads it', info=True) }}
{%- endmacro %}
