{#-
    What did each customer buy each month, and how far into their life as a
    customer was it? One row per customer and month with at least one order:
    orders, units, revenue, the customer's cohort (first order month) and running
    totals. Orders without a customer count under customer_id '-1'.
-#}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

order_months as (
    select
        coalesce(customer_id, {{ unknown_member_key() }}) as customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date)
            as order_month,
        order_date
    from orders
),

order_totals as (
    select
        customer_id,
        order_month,
        count(*)        as order_count,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from order_months
    group by customer_id, order_month
),

line_totals as (
    select
        coalesce(customer_id, {{ unknown_member_key() }}) as customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date)
            as order_month,
        {{ gold_line_revenue() | indent(4) }}
    from order_lines
    group by
        coalesce(customer_id, {{ unknown_member_key() }}),
        cast({{ dbt.date_trunc('month', 'order_date') }} as date)
),

customer_months as (
    select
        order_totals.customer_id,
        order_totals.order_month,
        order_totals.order_count,
        order_totals.first_order_date,
        order_totals.last_order_date,
        {{- gold_line_revenue_or_zero('line_totals') | indent(4) }},
        min(order_totals.order_month) over (
            partition by order_totals.customer_id
        )                                                           as cohort_month
    from order_totals
    left join line_totals
        on order_totals.customer_id = line_totals.customer_id
            and order_totals.order_month = line_totals.order_month
),

final as (
    select
        -- grain
        customer_id,
        order_month,
        -- cohort
        cohort_month,
        cast(
            {{ dbt.datediff('cohort_month', 'order_month', 'month') }}
            as {{ dbt.type_int() }}
        )
            as months_since_first_order,
        order_month = cohort_month                   as is_first_order_month,
        -- orders
        order_count,
        first_order_date,
        last_order_date,
        units_sold,
        -- revenue
        cast(gross_revenue as {{ type_amount() }})   as gross_revenue,
        cast(discount_amount as {{ type_amount() }}) as discount_amount,
        cast(net_revenue as {{ type_amount() }})     as net_revenue,
        cast(
            {{ gold_safe_divide('net_revenue', 'order_count', 2) }}
            as {{ type_amount() }})
            as average_order_value,
        -- running totals
        cast(sum(order_count) over (
            partition by customer_id
            order by order_month asc nulls last
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }})                as cumulative_order_count,
        cast(sum(net_revenue) over (
            partition by customer_id
            order by order_month asc nulls last
            rows between unbounded preceding and current row
        ) as {{ type_amount() }})                    as cumulative_net_revenue
    from customer_months
)

select * from final
