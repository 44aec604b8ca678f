{{ config(
    materialized='incremental',
    unique_key='payment_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=[
        {'columns': ['payment_id'], 'unique': true},
        {'columns': ['payment_key'], 'unique': true},
        {'columns': ['order_id']},
        {'columns': ['customer_key']},
        {'columns': ['payment_date']},
        {'columns': ['source_load_id']},
    ],
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
    {{ keys_to_rebuild(ref('stg_payments__payments'), 'payment_id', 'payments', references=[
        ['order_id', changed_fact_keys(ref('fct_orders'), 'order_id')],
    ]) }}
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
    select
        payment_id,
        min(updated_at)                                         as initiated_at,
        max(_load_id)                                           as last_load_id
    from payments
    group by payment_id
),

replaced_payment_rows as (
    {{ replaced_touches([['payments', 'record_id']], 'payment_id') }}
),

current_payments as (
    select * from payments
    where is_latest_version
),

final as (
    select
        -- keys
        {{ dbt.hash('current_payments.payment_id') }}           as payment_key,
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
        orders.order_id is not null                             as is_order_received,
        -- quality
        current_payments.data_issues,
        -- versions and load
        current_payments.updated_at,
        greatest(
            payment_history.last_load_id,
            coalesce(orders.source_load_id, 0),
            coalesce(replaced_payment_rows.last_load_id, 0)
        )                                                       as source_load_id
    from current_payments
    inner join payment_history
        on current_payments.payment_id = payment_history.payment_id
    left join replaced_payment_rows
        on current_payments.payment_id = replaced_payment_rows.payment_id
    left join orders
        on current_payments.order_id = orders.order_id
)

select * from final
{{ loaded_after_watermark('source_load_id') }}
