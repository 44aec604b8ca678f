{#-
    A person's or place's name, trimmed. A value typed all upper or all lower case
    is re-cased word by word ('bob' -> 'Bob', 'SMITH' -> 'Smith'); mixed case is
    kept as typed, so 'McDonald' stays 'McDonald'.
-#}
{% macro clean_name(column) -%}
    case
        when {{ clean_text(column) }} = upper({{ clean_text(column) }})
            or {{ clean_text(column) }} = lower({{ clean_text(column) }})
            then {{ capitalise_words(clean_text(column)) }}
        else {{ clean_text(column) }}
    end
{%- endmacro %}
