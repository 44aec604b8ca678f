{#-
    Every month's active customers in monthly_active_users equal the distinct
    customers of fct_orders that month, and its orders the facts' orders.
    Returns the months that disagree.
-#}

with

active_users as (
    select * from {{ ref('monthly_active_users') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

facts_by_month as (
    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as activity_month,
        count(distinct customer_id)
            as active_customer_count,
        count(*)                                                  as order_count
    from orders
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date)
),

compared as (
    select
        coalesce(active_users.activity_month, facts_by_month.activity_month)
            as activity_month,
        coalesce(active_users.active_customer_count, 0)   as gold_active_customer_count,
        coalesce(facts_by_month.active_customer_count, 0) as fact_active_customer_count,
        coalesce(active_users.order_count, 0)             as gold_order_count,
        coalesce(facts_by_month.order_count, 0)           as fact_order_count
    from active_users
    full outer join facts_by_month
        on active_users.activity_month = facts_by_month.activity_month
)

select *
from compared
where gold_active_customer_count <> fact_active_customer_count
    or gold_order_count <> fact_order_count
