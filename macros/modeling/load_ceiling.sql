{#-
    The load ceiling of this build, as a SQL expression (bigint; NULL when there
    is none): var load_ceiling when given (`dbt build --vars '{load_ceiling: 41}'`),
    else the session setting warehouse.load_ceiling, which the wrapper passes to
    every dbt connection (PGOPTIONS). A setting rather than a var, because dbt
    re-parses the whole project whenever its vars change, and the ceiling
    changes with every build.
-#}
{% macro load_ceiling() -%}
    {%- set ceiling = var('load_ceiling', none) -%}
    {%- if ceiling is not none -%}
    cast({{ ceiling | int }} as {{ dbt.type_bigint() }})
    {%- else -%}
    {{ return(adapter.dispatch('load_ceiling_setting')()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__load_ceiling_setting() -%}
    cast(null as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro postgres__load_ceiling_setting() -%}
    cast(nullif(current_setting('warehouse.load_ceiling', true), '') as bigint)
{%- endmacro %}
