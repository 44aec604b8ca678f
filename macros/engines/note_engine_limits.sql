{#-
    Called from on-run-start: says what this engine leaves out, so a build that
    lists fewer nodes explains itself. Spark without a table format: the
    snapshots are disabled (dbt_project.yml) and incremental models rebuilt.
-#}
{% macro note_engine_limits() -%}
    {{ return(adapter.dispatch('note_engine_limits')()) }}
{%- endmacro %}

{% macro default__note_engine_limits() -%}
{%- endmacro %}

{% macro spark__note_engine_limits() -%}
    {%- if execute -%}
        {{ log(
            'spark: snapshots skipped (disabled: they need Delta, Iceberg or Hudi);'
            ~ ' incremental models are rebuilt whole (docs/engines.md)',
            info=True
        ) }}
    {%- endif -%}
{%- endmacro %}
