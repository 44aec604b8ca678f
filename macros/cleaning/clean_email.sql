{#- An e-mail address, trimmed and lower case (NULL when empty). -#}
{% macro clean_email(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}
