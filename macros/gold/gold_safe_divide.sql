{#-
    numerator / denominator as an exact numeric, rounded to `scale` decimals; NULL
    when the denominator is 0 or NULL (dbt-core 1.11 has no safe_divide). The
    division is the engine's exact one (macro exact_divide), so integer counts
    never divide as integers nor decimals as doubles; the result is a
    numeric(18, scale), a type a contract can name.
-#}
{% macro gold_safe_divide(numerator, denominator, scale=4) -%}
    cast(
        {{ exact_divide(numerator, denominator, scale) }}
        as numeric(18, {{ scale }})
    )
{%- endmacro %}
