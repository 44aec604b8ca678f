{#- Primitive: the digits of a text value, every other character removed (every
    match replaced: PostgreSQL and DuckDB replace only the first without 'g'). -#}
{% macro strip_non_digits(column) -%}
    {{ return(adapter.dispatch('strip_non_digits')(column)) }}
{%- endmacro %}

{#- regexp_replace replaces every match on Spark, Snowflake, BigQuery, Databricks. -#}
{% macro default__strip_non_digits(column) -%}
    regexp_replace({{ column }}, '[^0-9]', '')
{%- endmacro %}

{% macro postgres__strip_non_digits(column) -%}
    regexp_replace({{ column }}, '[^0-9]', '', 'g')
{%- endmacro %}

{% macro duckdb__strip_non_digits(column) -%}
    regexp_replace({{ column }}, '[^0-9]', '', 'g')
{%- endmacro %}
