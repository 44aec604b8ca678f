{#-
    dbt run-operation rotate_pseudonym_key: a new pseudonym key for this
    installation. Every pseudonym changes with it: rebuild what uses them with
    `dbt build --full-refresh --select dim_customer+` (`warehouse pii rotate-key`
    does both, under the writer lock).
-#}
{% macro rotate_pseudonym_key() -%}
    {%- do run_query(ensure_pseudonym_key(rotate=true)) -%}
    {{ log('pseudonym key rotated: rebuild dim_customer and what reads it', info=True) }}
{%- endmacro %}
