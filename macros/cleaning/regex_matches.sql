{#- True when value matches the POSIX regular expression pattern (a Python string, no quotes). -#}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    regexp_like({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_matches(value, pattern) -%}
    ({{ value }} ~ '{{ pattern }}')
{%- endmacro %}
