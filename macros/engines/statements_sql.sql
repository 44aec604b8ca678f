{#-
    Several statements for a hook or run_query, as one SQL text joined by ';'
    where the engine takes that (PostgreSQL, DuckDB). Spark runs one statement
    per call: there each is run here, in order, and the text returned is empty
    (a hook with no SQL runs nothing).
-#}
{% macro statements_sql(statements) -%}
    {{ return(adapter.dispatch('statements_sql')(statements)) }}
{%- endmacro %}

{% macro default__statements_sql(statements) -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}

{% macro spark__statements_sql(statements) -%}
    {%- if execute -%}
        {%- for statement in statements if statement | trim -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
