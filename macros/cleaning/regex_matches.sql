{#-
    Primitive: true when value matches the regular expression pattern (a Python
    string, no quotes) anywhere, as PostgreSQL's `~` (anchor with ^ and $ to
    match the whole value). The project's patterns use only what POSIX, RE2
    (DuckDB) and Java (Spark) read alike: bracket classes, [.] for a dot, no
    backslash.
-#}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    regexp_like({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_matches(value, pattern) -%}
    ({{ value }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_matches(value, pattern) -%}
    regexp_matches({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_matches(value, pattern) -%}
    ({{ value }} rlike '{{ pattern }}')
{%- endmacro %}
