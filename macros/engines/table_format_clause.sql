{#- The clause a `create table` of a hook needs to say how the table is stored:
    `using parquet` on Spark (the project's file format there), none elsewhere. -#}
{% macro table_format_clause() -%}
    {{ return(adapter.dispatch('table_format_clause')()) }}
{%- endmacro %}

{% macro default__table_format_clause() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__table_format_clause() -%}
    {{ return(' using parquet') }}
{%- endmacro %}
