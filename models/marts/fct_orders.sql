with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

current_orders as (
    select *
    from orders
    where is_latest_version
        and order_id is not null
),

final as (
    select
        {{ dbt.hash('current_orders.order_id') }}       as order_key,
        current_orders.order_id,
        current_orders.order_number,
        current_orders.customer_id,
        coalesce(customers.customer_key, '-1')          as customer_key,
        cast(current_orders.ordered_at as date)         as order_date,
        current_orders.ordered_at,
        current_orders.order_status,
        current_orders.sales_channel,
        current_orders.currency_code,
        current_orders.shipping_amount,
        current_orders.tax_amount,
        current_orders.updated_at,
        current_orders._batch_date                      as source_batch_date
    from current_orders
    left join customers
        on current_orders.customer_id = customers.customer_id
)

select * from final
