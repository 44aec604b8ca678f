{#-
    Called from on-run-start: drops database objects that earlier versions of
    the project created and nothing uses any more, so that no one keeps reading
    them. staging.try_cast_date and staging.try_cast_timestamp were PL/pgSQL
    functions with an exception block per row, declared parallel safe: in a
    parallel plan the leader's rows came back NULL (safe_casts.sql replaced them).
    The int_*_current views gave way to snapshots reading staging, and the
    exception models moved to marts (fct_row_exceptions, fct_unresolved_references).
-#}
{% macro drop_retired_objects() -%}
    {{ return(adapter.dispatch('drop_retired_objects')()) }}
{%- endmacro %}

{% macro default__drop_retired_objects() -%}
{%- endmacro %}

{% macro postgres__drop_retired_objects() -%}
    {%- set schema = adapter.quote(generate_schema_name('staging', none) | trim) -%}
    drop function if exists {{ schema }}.try_cast_date(text);
    drop function if exists {{ schema }}.try_cast_timestamp(text);
    {%- set intermediate = adapter.quote(generate_schema_name('intermediate', none) | trim) %}
    drop view if exists {{ intermediate }}.int_customers_current;
    drop view if exists {{ intermediate }}.int_products_current;
    drop table if exists {{ intermediate }}.int_row_exceptions;
    drop table if exists {{ intermediate }}.int_unresolved_references
{%- endmacro %}
