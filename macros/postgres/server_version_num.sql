{#-
    The PostgreSQL server's version as a number (150014, 180001, ...), read from
    the server when a node that needs it compiles (one catalog query, never a
    per-row check). 0 while dbt parses the project: nothing is compiled then.
-#}
{% macro server_version_num() -%}
    {%- if not execute -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set result = run_query("select current_setting('server_version_num')::int as version") -%}
    {{ return(result.rows[0]['version']) }}
{%- endmacro %}
