{#-
    Primitive: numerator / denominator, exactly, rounded half away from zero to
    `scale` decimals (as PostgreSQL's numeric round); NULL when the denominator
    is 0 or NULL. Both sides are decimals of at most 6 decimals (amounts,
    counts). PostgreSQL divides numerics exactly; Spark does with decimals wide
    enough to keep 18 decimals; DuckDB divides decimals as doubles (25 gold
    averages came out a cent low), so there the quotient is taken in integers.
-#}
{% macro exact_divide(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('exact_divide')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__exact_divide(numerator, denominator, scale) -%}
    round(
        cast({{ numerator }} as {{ dbt.type_numeric() }})
        / nullif(cast({{ denominator }} as {{ dbt.type_numeric() }}), 0),
        {{ scale }}
    )
{%- endmacro %}

{% macro spark__exact_divide(numerator, denominator, scale) -%}
    round(
        cast({{ numerator }} as decimal(20, 6))
        / nullif(cast({{ denominator }} as decimal(20, 6)), 0),
        {{ scale }}
    )
{%- endmacro %}

{#- In millionths as hugeint: q = (2 |n| 10^scale + |d|) // 2 |d|, signed. -#}
{% macro duckdb__exact_divide(numerator, denominator, scale) -%}
    {%- set n = 'cast(cast(' ~ numerator ~ ' as decimal(38, 6)) * 1000000 as hugeint)' -%}
    {%- set d = 'cast(cast(' ~ denominator ~ ' as decimal(38, 6)) * 1000000 as hugeint)' -%}
    case
        when {{ d }} <> 0
            then cast(
                sign({{ n }}) * sign({{ d }})
                * ((2 * abs({{ n }}) * {{ 10 ** scale }} + abs({{ d }})) // (2 * abs({{ d }})))
                as decimal(38, 0)
            ) * cast('{{ '%.*f' | format(scale, 10 ** -scale) }}' as decimal({{ scale + 1 }}, {{ scale }}))
    end
{%- endmacro %}
