{#
    Safe parsing of dirty source text: a value that does not parse becomes NULL,
    never an error (dbt.safe_cast is a plain cast on Postgres and raises).
    Each macro trims the value and treats an empty string as NULL. Engines with
    try_cast (DuckDB, Spark, Snowflake) use it; Postgres uses a regular
    expression guard and, for dates and timestamps, the try_cast_* functions
    that create_safe_cast_functions() installs at the start of every run.
#}

{% macro safe_numeric(column) -%}
    {{ return(adapter.dispatch('safe_numeric')(column)) }}
{%- endmacro %}

{% macro default__safe_numeric(column) -%}
    try_cast(nullif(trim({{ column }}), '') as {{ dbt.type_numeric() }})
{%- endmacro %}

{% macro postgres__safe_numeric(column) -%}
    case
        when trim({{ column }}) ~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$'
            then cast(trim({{ column }}) as numeric(18, 2))
    end
{%- endmacro %}


{% macro safe_integer(column) -%}
    {{ return(adapter.dispatch('safe_integer')(column)) }}
{%- endmacro %}

{% macro default__safe_integer(column) -%}
    try_cast(nullif(trim({{ column }}), '') as {{ dbt.type_int() }})
{%- endmacro %}

{% macro postgres__safe_integer(column) -%}
    case
        when trim({{ column }}) ~ '^[+-]?[0-9]{1,9}$'
            then cast(trim({{ column }}) as integer)
    end
{%- endmacro %}


{% macro safe_date(column) -%}
    {{ return(adapter.dispatch('safe_date')(column)) }}
{%- endmacro %}

{% macro default__safe_date(column) -%}
    try_cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}

{% macro postgres__safe_date(column) -%}
    {{ udf_schema() }}.try_cast_date(trim({{ column }}))
{%- endmacro %}


{% macro safe_timestamp(column) -%}
    {{ return(adapter.dispatch('safe_timestamp')(column)) }}
{%- endmacro %}

{% macro default__safe_timestamp(column) -%}
    try_cast(nullif(trim({{ column }}), '') as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro postgres__safe_timestamp(column) -%}
    {{ udf_schema() }}.try_cast_timestamp(trim({{ column }}))
{%- endmacro %}
