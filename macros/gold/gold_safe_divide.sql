{#-
    numerator / denominator as an exact numeric, rounded to `scale` decimals; NULL
    when the denominator is 0 or NULL (dbt-core 1.11 has no safe_divide). Both
    sides are cast to numeric first, so integer counts never divide as integers;
    the result is a numeric(18, scale), a type a contract can name.
-#}
{% macro gold_safe_divide(numerator, denominator, scale=4) -%}
    cast(
        round(
            cast({{ numerator }} as {{ dbt.type_numeric() }})
            / nullif(cast({{ denominator }} as {{ dbt.type_numeric() }}), 0),
            {{ scale }}
        )
        as numeric(18, {{ scale }})
    )
{%- endmacro %}
