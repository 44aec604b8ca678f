{#- The digits of a text value, everything else removed (regular expressions differ by engine). -#}
{% macro strip_non_digits(column) -%}
    {{ return(adapter.dispatch('strip_non_digits')(column)) }}
{%- endmacro %}

{% macro default__strip_non_digits(column) -%}
    regexp_replace({{ column }}, '[^0-9]', '')
{%- endmacro %}

{% macro postgres__strip_non_digits(column) -%}
    regexp_replace({{ column }}, '[^0-9]', '', 'g')
{%- endmacro %}
