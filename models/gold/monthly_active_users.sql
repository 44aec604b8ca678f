{#-
    How many customers are active each month, and do they come back? One row per
    month from the first to the last order month: active customers (placed at
    least one order that month, whatever became of it), new ones (their first
    order ever), returning ones, those retained from the previous month and those
    lost since. Orders without a customer count as orders, not as customers.
-#}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

customer_orders as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date)
            as activity_month
    from orders
    where customer_id is not null
),

customer_months as (
    select distinct
        customer_id,
        activity_month
    from customer_orders
),

customer_cohorts as (
    select
        customer_id,
        min(activity_month) as first_activity_month
    from customer_months
    group by customer_id
),

order_date_range as (
    select
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from orders
),

months as (
    select distinct calendar.month_start_date as activity_month
    from calendar
    inner join order_date_range
        on calendar.date_day >= order_date_range.first_order_date
            and calendar.date_day <= order_date_range.last_order_date
),

months_with_previous as (
    select
        activity_month,
        cast({{ dbt.dateadd('month', -1, 'activity_month') }} as date)
            as previous_month
    from months
),

active_customers as (
    select
        customer_months.activity_month,
        count(*) as active_customer_count,
        {{ bigint_sum('''case
                when customer_cohorts.first_activity_month
                    = customer_months.activity_month then 1
                else 0
            end''') }}
            as new_customer_count
    from customer_months
    inner join customer_cohorts
        on customer_months.customer_id = customer_cohorts.customer_id
    group by customer_months.activity_month
),

retained_customers as (
    -- active this month and the month before
    select
        this_month.activity_month,
        count(*) as retained_customer_count
    from customer_months as this_month
    inner join customer_months as previous_month
        on this_month.customer_id = previous_month.customer_id
            and previous_month.activity_month
            = cast({{ dbt.dateadd('month', -1, 'this_month.activity_month') }} as date)
    group by this_month.activity_month
),

order_counts as (
    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date)
            as activity_month,
        count(*) as order_count
    from orders
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date)
),

final as (
    select
        -- grain
        months_with_previous.activity_month,
        -- customers
        coalesce(active_customers.active_customer_count, 0) as active_customer_count,
        coalesce(active_customers.new_customer_count, 0)    as new_customer_count,
        coalesce(active_customers.active_customer_count, 0)
        - coalesce(active_customers.new_customer_count, 0)
            as returning_customer_count,
        coalesce(retained_customers.retained_customer_count, 0)
            as retained_customer_count,
        coalesce(previous_active.active_customer_count, 0)
            as previous_month_active_count,
        coalesce(previous_active.active_customer_count, 0)
        - coalesce(retained_customers.retained_customer_count, 0)
            as churned_customer_count,
        {{ gold_safe_divide('coalesce(retained_customers.retained_customer_count, 0)',
            'previous_active.active_customer_count') }}     as retention_rate,
        -- orders
        coalesce(order_counts.order_count, 0)               as order_count
    from months_with_previous
    left join active_customers
        on months_with_previous.activity_month = active_customers.activity_month
    left join active_customers as previous_active
        on months_with_previous.previous_month = previous_active.activity_month
    left join retained_customers
        on months_with_previous.activity_month = retained_customers.activity_month
    left join order_counts
        on months_with_previous.activity_month = order_counts.activity_month
)

select * from final
