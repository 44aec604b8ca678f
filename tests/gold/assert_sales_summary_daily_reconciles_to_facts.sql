{#-
    Every day's orders, units, gross, discount and net revenue in
    sales_summary_daily equal the facts' totals for that day, to the cent (exact
    numerics, no rounding); a day the facts have and gold lacks fails too.
    Returns the days that disagree, with both sides.
-#}

with

summary as (
    select * from {{ ref('sales_summary_daily') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

fact_orders_by_day as (
    select
        order_date,
        count(*) as order_count
    from orders
    group by order_date
),

fact_lines_by_day as (
    select
        order_date,
        sum(quantity)        as units_sold,
        sum(gross_amount)    as gross_revenue,
        sum(discount_amount) as discount_amount,
        sum(net_amount)      as net_revenue
    from order_lines
    group by order_date
),

fact_days as (
    select order_date from fact_orders_by_day
    union
    select order_date from fact_lines_by_day
),

facts_by_day as (
    select
        fact_days.order_date,
        coalesce(fact_orders_by_day.order_count, 0)    as order_count,
        coalesce(fact_lines_by_day.units_sold, 0)      as units_sold,
        coalesce(fact_lines_by_day.gross_revenue, 0)   as gross_revenue,
        coalesce(fact_lines_by_day.discount_amount, 0) as discount_amount,
        coalesce(fact_lines_by_day.net_revenue, 0)     as net_revenue
    from fact_days
    left join fact_orders_by_day
        on fact_days.order_date = fact_orders_by_day.order_date
    left join fact_lines_by_day
        on fact_days.order_date = fact_lines_by_day.order_date
),

compared as (
    select
        coalesce(summary.order_date, facts_by_day.order_date) as order_date,
        summary.order_date is null                            as is_missing_in_gold,
        summary.order_count                                   as gold_order_count,
        facts_by_day.order_count                              as fact_order_count,
        summary.units_sold                                    as gold_units_sold,
        facts_by_day.units_sold                               as fact_units_sold,
        summary.gross_revenue                                 as gold_gross_revenue,
        facts_by_day.gross_revenue                            as fact_gross_revenue,
        summary.discount_amount                               as gold_discount_amount,
        facts_by_day.discount_amount                          as fact_discount_amount,
        summary.net_revenue                                   as gold_net_revenue,
        facts_by_day.net_revenue                              as fact_net_revenue
    from summary
    full outer join facts_by_day
        on summary.order_date = facts_by_day.order_date
)

select *
from compared
where is_missing_in_gold
    or coalesce(gold_order_count, 0) <> coalesce(fact_order_count, 0)
    or coalesce(gold_units_sold, 0) <> coalesce(fact_units_sold, 0)
    or coalesce(gold_gross_revenue, 0) <> coalesce(fact_gross_revenue, 0)
    or coalesce(gold_discount_amount, 0) <> coalesce(fact_discount_amount, 0)
    or coalesce(gold_net_revenue, 0) <> coalesce(fact_net_revenue, 0)
