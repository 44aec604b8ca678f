{#-
    A post-hook of every model (dbt_project.yml): after a table is built whole,
    ANALYZE it, so the models and tests that read it next in the same build are
    planned with statistics instead of guesses (a new table has none until
    autovacuum comes by: a count planned as one row was rescanned a thousand
    times). An incremental run changes a small share of a table: autovacuum's
    analyze is enough there.
-#}
{% macro analyze_after_build() -%}
    {%- if config.get('materialized') in ('table', 'incremental') and not is_incremental() -%}
    {{ return(adapter.dispatch('analyze_after_build')()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__analyze_after_build() -%}
{%- endmacro %}

{% macro postgres__analyze_after_build() -%}
    analyze {{ this }}
{%- endmacro %}
