{#- True when the source sent a value (not blank) that did not parse (the parsed column is NULL). -#}
{% macro is_unparseable(source_column, parsed_column) -%}
    ({{ clean_text(source_column) }} is not null and {{ parsed_column }} is null)
{%- endmacro %}
