{#- The sum of an integer expression (a count of rows, units) as a bigint on
    every engine: PostgreSQL sums integers to bigint, DuckDB to hugeint. -#}
{% macro bigint_sum(expression) -%}
    cast(sum({{ expression }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
