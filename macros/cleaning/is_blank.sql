{#- True when the source value is NULL, empty or only spaces. -#}
{% macro is_blank(source_column) -%}
    ({{ clean_text(source_column) }} is null)
{%- endmacro %}
