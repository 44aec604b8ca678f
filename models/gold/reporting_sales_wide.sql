{#-
    Everything about a sale on one row, for BI tools that want one big table:
    one row per order line with the customer as they were when the order was
    placed (the SCD2 version), the product version and price of the day, the
    calendar of the order day, the order and its payment state. Personal data is
    not shown: the e-mail is the keyed pseudonym of dim_customer (to count and
    join on), the phone keeps only its last four digits, names, street and birth
    date are left out.

    Incremental (delete+insert on order_line_id), on fct_order_lines'
    source_load_id: that watermark already moves when the line, its order, the
    order's payments, its customer's versions or its product's versions change,
    so every line whose wide row could change is rebuilt.
-#}

with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    {{ loaded_after_watermark('source_load_id') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    {{ where_rebuilding('order_id', 'order_lines') }}
),

payments as (
    -- every payment of the orders rebuilt (whole orders: the latest attempt)
    select * from {{ ref('fct_payments') }}
    {{ where_rebuilding('order_id', 'order_lines') }}
),

customers as (
    -- the customer versions of the lines rebuilt
    select * from {{ ref('dim_customer') }}
    {{ where_rebuilding('customer_key', 'order_lines') }}
),

products as (
    select * from {{ ref('dim_product') }}
    {{ where_rebuilding('product_key', 'order_lines') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

latest_payment_attempts as (
    -- the method of the order's latest payment attempt
    select
        order_id,
        payment_method,
        row_number() over (
            partition by order_id
            order by initiated_at desc nulls last, payment_id desc nulls last
        ) as attempt_recency
    from payments
),

payment_summaries as (
    select
        order_id,
        max(paid_at) as last_paid_at
    from payments
    group by order_id
),

final as (
    select
        -- keys
        order_lines.order_line_id,
        order_lines.order_line_key,
        order_lines.order_id,
        order_lines.order_key,
        orders.order_number,
        order_lines.customer_id,
        order_lines.customer_key,
        order_lines.product_id,
        order_lines.product_key,
        -- order
        order_lines.order_date,
        order_lines.ordered_at,
        orders.order_status,
        order_lines.sales_channel,
        order_lines.currency_code,
        orders.line_count                                      as order_line_count,
        orders.order_total_amount,
        -- order day
        calendar.year_number                                   as order_year,
        calendar.quarter_number                                as order_quarter,
        calendar.month_number                                  as order_month_number,
        calendar.month_name                                    as order_month_name,
        calendar.month_start_date                              as order_month,
        calendar.week_start_date                               as order_week,
        calendar.day_name                                      as order_day_name,
        calendar.is_weekend                                    as is_weekend_order,
        calendar.is_holiday                                    as is_holiday_order,
        calendar.holiday_name                                  as order_holiday_name,
        -- customer, as at order time (personal data masked)
        order_lines.customer_key <> {{ unknown_member_key() }} as is_customer_known,
        customers.email_pseudonym
            as customer_email_pseudonym,
        customers.phone_masked                                 as customer_phone_masked,
        customers.gender                                       as customer_gender,
        customers.city                                         as customer_city,
        customers.state_code                                   as customer_state_code,
        customers.country_code                                 as customer_country_code,
        customers.customer_segment,
        customers.account_status                               as customer_account_status,
        customers.registration_date
            as customer_registration_date,
        cast(
            {{ dbt.datediff(
                'customers.registration_date', 'order_lines.order_date', 'day'
            ) }}
            as {{ dbt.type_int() }}
        )
            as customer_tenure_days_at_order,
        -- product, as at order time
        products.product_name,
        products.category                                      as product_category,
        products.subcategory                                   as product_subcategory,
        products.brand                                         as product_brand,
        products.product_status,
        products.retail_price                                  as product_list_price,
        -- line amounts
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.unit_cost,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.cost_amount,
        order_lines.margin_amount,
        order_lines.discount_amount > 0                        as has_discount,
        -- payment of the order
        orders.payment_state,
        orders.payment_count,
        latest_payment_attempts.payment_method                 as latest_payment_method,
        payment_summaries.last_paid_at,
        orders.paid_amount                                     as order_paid_amount,
        orders.refunded_amount                                 as order_refunded_amount,
        -- load
        order_lines.source_load_id
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join customers
        on order_lines.customer_key = customers.customer_key
    left join products
        on order_lines.product_key = products.product_key
    left join calendar
        on order_lines.order_date = calendar.date_day
    left join latest_payment_attempts
        on order_lines.order_id = latest_payment_attempts.order_id
            and latest_payment_attempts.attempt_recency = 1
    left join payment_summaries
        on order_lines.order_id = payment_summaries.order_id
)

select * from final
