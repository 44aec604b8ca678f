{#-
    The day-grain time spine MetricFlow joins metrics to (configured under
    time_spine: in _gold__semantic.yml): the days of dim_date, one calendar for
    the marts and the semantic layer.
-#}

with

calendar as (
    select * from {{ ref('dim_date') }}
),

final as (
    select date_day
    from calendar
)

select * from final
