{#- The name of a 1-based number (a month, a weekday): names[number - 1], in a
    CASE, so it does not depend on the server's locale; NULL out of range. -#}
{% macro name_of_number(number, names) -%}
    case {{ number }}
        {%- for name in names %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}
