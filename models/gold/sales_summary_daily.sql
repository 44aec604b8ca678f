{#-
    How much did we sell each day? Orders, units, gross, discounts, net revenue,
    average order value, new and returning customers, on the day each order was
    placed: a late order changes the day it belongs to, not the day it arrived.

    Incremental (delete+insert by order_date). A run rebuilds only these days:
      - the days of orders and lines the facts (re)loaded since the last run
        (source_load_id above the watermark this table recorded);
      - the day that was a customer's first order day when a late order of that
        customer lands before it (the customer is no longer new there);
      - days whose order count no longer matches the facts (an order moved to
        another day) and days of the order-date range missing from the table.
    Every other day keeps its row and its dbt_invocation_id. A row's
    source_load_id is the newest load behind its orders and lines (0 on a day
    without orders), so a day's row is the same however it was built, and the
    table's maximum is the facts' watermark when it was last built.
-#}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

{% if is_incremental() %}
summarised_days as (
    select * from {{ this }}
),
{% endif %}

order_date_range as (
    select
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from orders
),

range_days as (
    -- every day from the first to the last order day, orders or not
    select calendar.date_day as order_date
    from calendar
    inner join order_date_range
        on calendar.date_day >= order_date_range.first_order_date
            and calendar.date_day <= order_date_range.last_order_date
),

{% if is_incremental() %}
changed_orders as (
    -- orders the facts (re)loaded since the last run, directly or through a line
    select
        orders.order_id,
        orders.customer_id,
        orders.order_date
    from orders
    where orders.source_load_id > {{ own_watermark() }}
        or orders.order_id in (
            select order_lines.order_id
            from order_lines
            where order_lines.source_load_id > {{ own_watermark() }}
        )
),

first_changed_dates as (
    select
        customer_id,
        min(order_date)                                         as first_changed_date
    from changed_orders
    where customer_id is not null
    group by customer_id
),

first_unchanged_dates as (
    select
        orders.customer_id,
        min(orders.order_date)                                  as first_unchanged_date
    from orders
    inner join first_changed_dates
        on orders.customer_id = first_changed_dates.customer_id
    left join changed_orders
        on orders.order_id = changed_orders.order_id
    where changed_orders.order_id is null
    group by orders.customer_id
),

displaced_first_days as (
    -- a late order placed before a customer's first known order takes "new
    -- customer" away from the day that had it
    select first_unchanged_dates.first_unchanged_date           as order_date
    from first_unchanged_dates
    inner join first_changed_dates
        on first_unchanged_dates.customer_id = first_changed_dates.customer_id
    where first_unchanged_dates.first_unchanged_date
        > first_changed_dates.first_changed_date
),

drifted_days as (
    -- days whose order count disagrees with the facts: an order moved day
    {{ drifted_days('orders', 'summarised_days', 'order_count') }}
),

missing_days as (
    select range_days.order_date
    from range_days
    left join summarised_days
        on range_days.order_date = summarised_days.order_date
    where summarised_days.order_date is null
),

days_to_build as (
    select order_date from changed_orders
    union
    select order_date from displaced_first_days
    union
    select order_date from drifted_days
    union
    select order_date from missing_days
),
{% else %}
    days_to_build as (
        select order_date from range_days
    ),
{% endif %}

orders_to_summarise as (
    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.order_status,
        orders.shipping_amount,
        orders.tax_amount,
        orders.order_total_amount,
        orders.source_load_id
    from orders
    inner join days_to_build
        on orders.order_date = days_to_build.order_date
),

order_totals as (
    select
        order_date,
        {{ gold_order_counts() | indent(4) }},
        sum(coalesce(shipping_amount, 0))     as shipping_amount,
        sum(coalesce(tax_amount, 0))          as tax_amount,
        sum(order_total_amount)               as order_total_amount,
        max(source_load_id)                   as source_load_id
    from orders_to_summarise
    group by order_date
),

line_totals as (
    select
        order_lines.order_date,
        count(*)                              as line_count,
        {{ gold_line_revenue() | indent(4) }},
        max(order_lines.source_load_id)       as source_load_id
    from order_lines
    inner join days_to_build
        on order_lines.order_date = days_to_build.order_date
    group by order_lines.order_date
),

customers_to_classify as (
    select distinct customer_id
    from orders_to_summarise
    where customer_id is not null
),

customer_first_orders as (
    -- over all of a customer's orders, not only the days being rebuilt
    select
        orders.customer_id,
        min(orders.order_date) as first_order_date
    from orders
    inner join customers_to_classify
        on orders.customer_id = customers_to_classify.customer_id
    group by orders.customer_id
),

customer_days as (
    select distinct
        orders_to_summarise.order_date,
        orders_to_summarise.customer_id,
        customer_first_orders.first_order_date
    from orders_to_summarise
    inner join customer_first_orders
        on orders_to_summarise.customer_id = customer_first_orders.customer_id
),

customer_totals as (
    select
        order_date,
        count(*) as customer_count,
        {{ bigint_sum('case when first_order_date = order_date then 1 else 0 end') }}
            as new_customer_count,
        {{ bigint_sum('case when first_order_date < order_date then 1 else 0 end') }}
            as returning_customer_count
    from customer_days
    group by order_date
),

final as (
    select
        -- grain
        days_to_build.order_date,
        -- calendar
        calendar.day_name,
        calendar.is_weekend,
        calendar.is_holiday,
        calendar.holiday_name,
        -- orders
        coalesce(order_totals.order_count, 0)                 as order_count,
        coalesce(order_totals.cancelled_order_count, 0)       as cancelled_order_count,
        coalesce(order_totals.returned_order_count, 0)        as returned_order_count,
        -- lines and units
        coalesce(line_totals.line_count, 0)                   as line_count,
        coalesce(line_totals.units_sold, 0)                   as units_sold,
        -- revenue
        cast(coalesce(line_totals.gross_revenue, 0) as {{ type_amount() }})
            as gross_revenue,
        cast(coalesce(line_totals.discount_amount, 0) as {{ type_amount() }})
            as discount_amount,
        cast(coalesce(line_totals.net_revenue, 0) as {{ type_amount() }})
            as net_revenue,
        cast(
            {{ gold_safe_divide('coalesce(line_totals.net_revenue, 0)',
            'order_totals.order_count', 2) }}
            as {{ type_amount() }}
        )                                                     as average_order_value,
        cast(coalesce(order_totals.shipping_amount, 0) as {{ type_amount() }})
            as shipping_amount,
        cast(coalesce(order_totals.tax_amount, 0) as {{ type_amount() }})
            as tax_amount,
        cast(coalesce(order_totals.order_total_amount, 0) as {{ type_amount() }})
            as order_total_amount,
        -- customers
        coalesce(customer_totals.customer_count, 0)           as customer_count,
        coalesce(customer_totals.new_customer_count, 0)       as new_customer_count,
        coalesce(customer_totals.returning_customer_count, 0) as returning_customer_count,
        -- load
        greatest(
            coalesce(order_totals.source_load_id, 0),
            coalesce(line_totals.source_load_id, 0)
        )                                                     as source_load_id,
        '{{ invocation_id }}'                                 as dbt_invocation_id
    from days_to_build
    left join calendar
        on days_to_build.order_date = calendar.date_day
    left join order_totals
        on days_to_build.order_date = order_totals.order_date
    left join line_totals
        on days_to_build.order_date = line_totals.order_date
    left join customer_totals
        on days_to_build.order_date = customer_totals.order_date
)

select * from final
