{#-
    Revenue by state over time: net revenue, orders and customers per US state
    (where the customer lived when ordering: the SCD2 version at order time) and
    month, with the state's share of the month. Customers not yet known, or
    without a recognised state, show as 'unknown'.
-#}

with

sales as (
    select * from {{ ref('reporting_sales_wide') }}
),

state_months as (
    select
        coalesce(customer_state_code, 'unknown') as state_code,
        order_month,
        count(distinct order_id)                 as order_count,
        count(distinct customer_id)              as customer_count,
        sum(net_amount)                          as net_revenue
    from sales
    group by coalesce(customer_state_code, 'unknown'), order_month
),

final as (
    select
        state_code,
        order_month,
        order_count,
        customer_count,
        net_revenue,
        {{ gold_safe_divide('net_revenue',
            'sum(net_revenue) over (partition by order_month)') }}
            as share_of_month_revenue
    from state_months
)

select * from final
order by
    order_month asc nulls last,
    net_revenue desc nulls last,
    state_code asc nulls last
