{#-
    The lookup key of a category spelling: lower case, trimmed, with underscores and
    hyphens read as spaces and dots dropped (' Credit-Card ' -> 'credit card',
    'Calif.' -> 'calif'). Seeds store their spellings in this form.
-#}
{% macro enum_key(column) -%}
    trim(replace(replace(replace(replace(replace(lower({{ column }}),
        '_', ' '), '-', ' '), '.', ''), '  ', ' '), '  ', ' '))
{%- endmacro %}
