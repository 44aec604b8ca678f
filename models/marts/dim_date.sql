{{ config(indexes=[
    {'columns': ['date_day'], 'unique': true},
]) }}

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

payments as (
    select * from {{ ref('stg_payments__payments') }}
),

campaign_responses as (
    select * from {{ ref('stg_marketing__campaign_responses') }}
),

holidays as (
    select * from {{ ref('us_holidays') }}
),

event_dates as (
    select cast(ordered_at as date) as event_date from orders
    union all
    select cast(coalesce(paid_at, updated_at) as date) as event_date from payments
    union all
    select cast(updated_at as date) as event_date from payments
    union all
    select cast(responded_at as date) as event_date from campaign_responses
),

date_bounds as (
    -- whole years: at least the configured range, widened to every event date
    select
        cast({{ dbt.date_trunc('year', 'min(event_date)') }} as date) as first_year_start,
        cast({{ dbt.last_day('max(event_date)', 'year') }} as date)   as last_year_end
    from event_dates
),

{%- set configured_start = "cast('" ~ var('dim_date_start') ~ "' as date)" %}
{%- set configured_end = "cast('" ~ var('dim_date_end') ~ "' as date)" %}

spine as (
    {{ date_spine_days(
        "(select coalesce(least(first_year_start, " ~ configured_start ~ "), "
            ~ configured_start ~ ") from date_bounds)",
        "(select coalesce(greatest(last_year_end, " ~ configured_end ~ "), "
            ~ configured_end ~ ") from date_bounds)"
    ) | indent(4) }}
),

calendar as (
    select
        date_day,
        cast(extract(year from date_day) as {{ dbt.type_int() }})    as year_number,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter_number,
        cast(extract(month from date_day) as {{ dbt.type_int() }})   as month_number,
        cast(extract(day from date_day) as {{ dbt.type_int() }})     as day_of_month,
        cast(
            {{ dbt.datediff(
                "cast(" ~ dbt.date_trunc('year', 'date_day') ~ " as date)",
                'date_day',
                'day'
            ) }} + 1
            as {{ dbt.type_int() }}
        )                                                            as day_of_year,
        -- ISO weekday, 1 = Monday: 1900-01-01 was a Monday
        cast(
            mod(
                {{ dbt.datediff("cast('1900-01-01' as date)", 'date_day', 'day') }}, 7
            ) + 1
            as {{ dbt.type_int() }}
        )                                                            as day_of_week
    from spine
),

final as (
    select
        -- keys
        calendar.date_day,
        calendar.year_number * 10000 + calendar.month_number * 100
        + calendar.day_of_month                            as date_key,
        -- calendar
        calendar.year_number,
        calendar.quarter_number,
        calendar.month_number,
        {{ name_of_number('calendar.month_number', [
            'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
            'September', 'October', 'November', 'December',
        ]) }}                                              as month_name,
        calendar.day_of_month,
        calendar.day_of_year,
        calendar.day_of_week,
        {{ name_of_number('calendar.day_of_week', [
            'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday',
        ]) }}                                              as day_name,
        -- period starts
        cast(
            {{ dbt.dateadd('day', '1 - calendar.day_of_week', 'calendar.date_day') }}
            as date
        )                                                  as week_start_date,
        cast({{ dbt.date_trunc('month', 'calendar.date_day') }} as date)
            as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'calendar.date_day') }} as date)
            as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'calendar.date_day') }} as date)
            as year_start_date,
        -- flags
        calendar.day_of_week in (6, 7)                     as is_weekend,
        holidays.holiday_date is not null                  as is_holiday,
        coalesce(holidays.holiday_type = 'federal', false) as is_federal_holiday,
        holidays.holiday_name
    from calendar
    left join holidays
        on calendar.date_day = holidays.holiday_date
)

select * from final
