{{ config(
    unique_key='payment_id',
    indexes=fact_indexes('payment_id', 'payment_key',
        ['order_id', 'customer_key', 'payment_date']),
    post_hook="{{ delete_vanished('payment_id',
        'select payment_id from ' ~ ref('stg_payments__payments') ~ ' where is_latest_version') }}"
) }}

{#-
    One row per payment attempt, in its latest state (a refund replaces the
    completed row). The provider sends payments before the shop sends a late
    order: such a payment has the unknown customer until its order arrives, then
    it takes the order's customer version. Incremental on source_load_id: the
    payment's versions, its order's row and the loads that replaced any of its
    rows; a payment whose rows a reload took away leaves the table.
-#}

with

{% if is_incremental() %}
payments_to_rebuild as (
    {{ keys_to_rebuild(ref('stg_payments__payments'), 'payment_id', 'payments',
        facts=[['order_id', ref('fct_orders')]]) }}
),

{% endif %}
payments as (
    select * from {{ ref('stg_payments__payments') }}
    {{ where_rebuilding('payment_id', 'payments_to_rebuild') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    {{ where_rebuilding('order_id', 'payments') }}
),

payment_history as (
    -- when the attempt started: its first version (a refund is a later one)
    select
        payment_id,
        min(updated_at) as initiated_at
    from payments
    group by payment_id
),

payment_loads as (
    {{ newest_loads('payments', 'payment_id', [['payments', 'record_id']]) }}
),

current_payments as (
    select * from payments
    where is_latest_version
),

source_loads as (
-- the newest load behind each payment: its versions, its order's row, and
-- the reloads of its rows
    {{ source_load_ids('current_payments', 'payment_id', [
        ['payment_loads', 'payment_id'],
        ['orders', 'order_id', 'source_load_id'],
    ]) }}
),

final as (
    select
        -- keys
        {{ dbt.hash('current_payments.payment_id') }} as payment_key,
        current_payments.payment_id,
        current_payments.order_id,
        orders.customer_id,
        coalesce(orders.customer_key, {{ unknown_member_key() }})
            as customer_key,
        -- dates and timestamps
        cast(coalesce(current_payments.paid_at, payment_history.initiated_at) as date)
            as payment_date,
        payment_history.initiated_at,
        current_payments.paid_at,
        -- categories
        current_payments.payment_method,
        current_payments.payment_status,
        -- amounts
        current_payments.amount,
        -- flags
        orders.order_id is not null                   as is_order_received,
        -- quality
        current_payments.data_issues,
        -- versions and load
        current_payments.updated_at,
        source_loads.source_load_id
    from current_payments
    inner join payment_history
        on current_payments.payment_id = payment_history.payment_id
    inner join source_loads
        on current_payments.payment_id = source_loads.payment_id
    left join orders
        on current_payments.order_id = orders.order_id
)

select * from final
{{ loaded_after_watermark('source_load_id') }}
