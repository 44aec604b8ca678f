{#-
    True when the cleaned address has one local part, one @ and a dotted domain
    ending in a top-level domain of two letters or more; false when it is NULL.
-#}
{% macro is_valid_email(column) -%}
    coalesce(
        {{ regex_matches(clean_email(column), '^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$') }},
        false
    )
{%- endmacro %}
