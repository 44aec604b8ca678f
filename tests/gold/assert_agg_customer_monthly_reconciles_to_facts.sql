{#-
    Per month, agg_customer_monthly's orders, units and net revenue over all
    customers equal the facts', to the cent. Returns the months that disagree.
-#}

with

customer_months as (
    select * from {{ ref('agg_customer_monthly') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

gold_by_month as (
    select
        order_month,
        sum(order_count) as order_count,
        sum(units_sold)  as units_sold,
        sum(net_revenue) as net_revenue
    from customer_months
    group by order_month
),

fact_orders_by_month as (
    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month,
        count(*)                                                  as order_count
    from orders
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date)
),

fact_lines_by_month as (
    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month,
        sum(quantity)                                             as units_sold,
        sum(net_amount)                                           as net_revenue
    from order_lines
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date)
),

compared as (
    select
        coalesce(
            gold_by_month.order_month, fact_orders_by_month.order_month,
            fact_lines_by_month.order_month
        )                                             as order_month,
        coalesce(gold_by_month.order_count, 0)        as gold_order_count,
        coalesce(fact_orders_by_month.order_count, 0) as fact_order_count,
        coalesce(gold_by_month.units_sold, 0)         as gold_units_sold,
        coalesce(fact_lines_by_month.units_sold, 0)   as fact_units_sold,
        coalesce(gold_by_month.net_revenue, 0)        as gold_net_revenue,
        coalesce(fact_lines_by_month.net_revenue, 0)  as fact_net_revenue
    from gold_by_month
    full outer join fact_orders_by_month
        on gold_by_month.order_month = fact_orders_by_month.order_month
    full outer join fact_lines_by_month
        on coalesce(gold_by_month.order_month, fact_orders_by_month.order_month)
            = fact_lines_by_month.order_month
)

select *
from compared
where gold_order_count <> fact_order_count
    or gold_units_sold <> fact_units_sold
    or gold_net_revenue <> fact_net_revenue
