{#-
    A select of one row per day, date_day, from start_date to end_date (both SQL
    date expressions, inclusive), built from cross-joined digits so it runs on
    any engine (no generate_series): up to 100,000 days (273 years).
-#}
{% macro date_spine_days(start_date, end_date) -%}
    with

    digits as (
        {% for digit in range(10) -%}
        select {{ digit }} as digit{% if not loop.last %} union all{% endif %}
        {% endfor %}
    ),

    day_numbers as (
        select
            ones.digit
            + 10 * tens.digit
            + 100 * hundreds.digit
            + 1000 * thousands.digit
            + 10000 * ten_thousands.digit                       as day_number
        from digits as ones
        cross join digits as tens
        cross join digits as hundreds
        cross join digits as thousands
        cross join digits as ten_thousands
    ),

    bounds as (
        select
            {{ start_date }}                                    as start_date,
            {{ end_date }}                                      as end_date
    )

    select
        cast({{ dbt.dateadd('day', 'day_numbers.day_number', 'bounds.start_date') }} as date)
                                                                as date_day
    from day_numbers
    cross join bounds
    where day_numbers.day_number
        <= {{ dbt.datediff('bounds.start_date', 'bounds.end_date', 'day') }}
{%- endmacro %}
