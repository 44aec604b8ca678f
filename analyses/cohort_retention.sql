{#-
    Cohort retention: of the customers whose first order fell in a month (the
    cohort), how many ordered again 1, 2, 3 ... months later? One row per cohort
    and month offset; retention_rate = active / cohort size.
-#}

with

customer_months as (
    select * from {{ ref('agg_customer_monthly') }}
    where customer_id <> {{ unknown_member_key() }}
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_customer_count
    from customer_months
    where is_first_order_month
    group by cohort_month
),

cohort_activity as (
    select
        cohort_month,
        months_since_first_order,
        count(*)         as active_customer_count,
        sum(net_revenue) as net_revenue
    from customer_months
    group by cohort_month, months_since_first_order
),

final as (
    select
        cohort_activity.cohort_month,
        cohort_activity.months_since_first_order,
        cohort_sizes.cohort_customer_count,
        cohort_activity.active_customer_count,
        {{ gold_safe_divide('cohort_activity.active_customer_count',
            'cohort_sizes.cohort_customer_count') }} as retention_rate,
        cohort_activity.net_revenue
    from cohort_activity
    inner join cohort_sizes
        on cohort_activity.cohort_month = cohort_sizes.cohort_month
)

select * from final
order by cohort_month asc nulls last, months_since_first_order asc nulls last
