{{ config(
    unique_key='order_id',
    indexes=fact_indexes('order_id', 'order_key', ['customer_key', 'order_date']),
    post_hook="{{ delete_vanished('order_id',
        'select order_id from ' ~ ref('stg_shop__orders') ~ ' where is_latest_version') }}"
) }}

{#-
    One row per order, in its latest state. Incremental: a run rebuilds the orders
    whose source_load_id (the newest raw load behind any of the rows the order is
    built from: its versions, lines, payments and its customer's versions, and
    the loads that replaced any of them) is above the highest one already in the
    table, so a late order, a status change, a refund, a customer arriving late
    or a reloaded batch all replace the order's row; an order whose rows a
    reload took away leaves the table.
-#}

with

{% if is_incremental() %}
orders_to_rebuild as (
    {{ keys_to_rebuild(ref('stg_shop__orders'), 'order_id', 'orders',
        replaced=[['orders', 'record_id'], ['order_lines', 'order_id'], ['payments', 'order_id']],
        named_by=[
            [ref('stg_shop__order_lines'), 'order_line_id'],
            [ref('stg_payments__payments'), 'payment_id'],
        ],
        references=[['customer_id', ref('stg_crm__customers'), 'customers']]) }}
),

{% endif %}
orders as (
    select * from {{ ref('stg_shop__orders') }}
    {{ where_rebuilding('order_id', 'orders_to_rebuild') }}
),

order_lines as (
-- every version of every line that ever named one of the orders
    {{ versions_naming(ref('stg_shop__order_lines'), 'order_line_id',
        'order_id', 'orders_to_rebuild') }}
),

payments as (
    {{ versions_naming(ref('stg_payments__payments'), 'payment_id',
        'order_id', 'orders_to_rebuild') }}
),

customer_versions as (
    select * from {{ ref('dim_customer') }}
    {{ where_rebuilding('customer_id', 'orders') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
    {{ where_rebuilding('customer_id', 'orders') }}
),

order_history as (
    select
        order_id,
        min(_batch_date) as first_received_date
    from orders
    group by order_id
),

order_loads as (
-- an order's versions, and reloads that replaced its rows, lines or payments
    {{ newest_loads('orders', 'order_id', [
        ['orders', 'record_id'], ['order_lines', 'order_id'], ['payments', 'order_id'],
    ]) }}
),

line_totals as (
    select
        order_id,
        count(order_line_id)       as line_count,
        sum(quantity)              as item_quantity,
        sum(quantity * unit_price) as gross_amount,
        sum(discount_amount)       as discount_amount
    from order_lines
    where is_latest_version
    group by order_id
),

line_loads as (
    {{ newest_child_loads('order_lines', 'order_line_id', 'order_id') }}
),

payment_totals as (
    select
        order_id,
        count(case when is_latest_version then payment_id end) as payment_count,
        {%- for status, measure in [
            ('completed', 'paid_amount'), ('refunded', 'refunded_amount')
        ] %}
            sum(
                case
                    when is_latest_version and payment_status = '{{ status }}' then amount
                    else 0
                end
            )                                                  as {{ measure }},
        {%- endfor %}
        {%- for status in ['completed', 'refunded', 'pending', 'failed'] %}
            max(
                case
                    when is_latest_version and payment_status = '{{ status }}' then 1
                    else 0
                end
            )                                                  as has_{{ status }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from payments
    group by order_id
),

payment_loads as (
    {{ newest_child_loads('payments', 'payment_id', 'order_id') }}
),

customer_loads as (
    {{ newest_loads('customers', 'customer_id', [['customers', 'record_id']]) }}
),

current_orders as (
    select * from orders
    where is_latest_version
),

customer_at_order_time as (
-- the customer version valid when the order was placed
    {{ version_at('customer_versions', ['customer_key'], events='current_orders',
        event_key='order_id', natural_key='customer_id', event_time='ordered_at') }}
),

source_loads as (
-- the newest load behind each order: its versions, every version of a line or
-- payment that named it, its customer's versions, and the reloads of any
    {{ source_load_ids('current_orders', 'order_id', [
        ['order_loads', 'order_id'],
        ['line_loads', 'order_id'],
        ['payment_loads', 'order_id'],
        ['customer_loads', 'customer_id'],
    ]) }}
),

final as (
    select
        -- keys
        {{ dbt.hash('current_orders.order_id') }} as order_key,
        current_orders.order_id,
        current_orders.order_number,
        current_orders.customer_id,
        coalesce(customer_at_order_time.customer_key, {{ unknown_member_key() }})
            as customer_key,
        -- dates and timestamps
        cast(current_orders.ordered_at as date)   as order_date,
        current_orders.ordered_at,
        -- categories
        current_orders.order_status,
        current_orders.sales_channel,
        current_orders.currency_code,
        -- quantities
        cast(coalesce(line_totals.line_count, 0) as {{ dbt.type_int() }})
            as line_count,
        cast(coalesce(line_totals.item_quantity, 0) as {{ dbt.type_int() }})
            as item_quantity,
        -- amounts
        cast(coalesce(line_totals.gross_amount, 0) as {{ type_amount() }})
            as gross_amount,
        cast(coalesce(line_totals.discount_amount, 0) as {{ type_amount() }})
            as discount_amount,
        cast(
            coalesce(line_totals.gross_amount, 0)
            - coalesce(line_totals.discount_amount, 0)
            as {{ type_amount() }}
        )                                         as net_amount,
        current_orders.shipping_amount,
        current_orders.tax_amount,
        cast(
            coalesce(line_totals.gross_amount, 0)
            - coalesce(line_totals.discount_amount, 0)
            + coalesce(current_orders.shipping_amount, 0)
            + coalesce(current_orders.tax_amount, 0)
            as {{ type_amount() }}
        )                                         as order_total_amount,
        -- payment state
        case
            when payment_totals.has_completed = 1 then 'paid'
            when payment_totals.has_refunded = 1 then 'refunded'
            when payment_totals.has_pending = 1 then 'pending'
            when payment_totals.has_failed = 1 then 'failed'
            else 'unpaid'
        end                                       as payment_state,
        cast(coalesce(payment_totals.payment_count, 0) as {{ dbt.type_int() }})
            as payment_count,
        cast(coalesce(payment_totals.paid_amount, 0) as {{ type_amount() }})
            as paid_amount,
        cast(coalesce(payment_totals.refunded_amount, 0) as {{ type_amount() }})
            as refunded_amount,
        -- arrival
        order_history.first_received_date,
        cast({{ dbt.datediff('cast(current_orders.ordered_at as date)',
            'order_history.first_received_date', 'day') }} as {{ dbt.type_int() }})
            as arrival_delay_days,
        -- quality
        current_orders.data_issues,
        -- versions and load
        current_orders.updated_at,
        source_loads.source_load_id
    from current_orders
    inner join order_history
        on current_orders.order_id = order_history.order_id
    inner join source_loads
        on current_orders.order_id = source_loads.order_id
    left join line_totals
        on current_orders.order_id = line_totals.order_id
    left join payment_totals
        on current_orders.order_id = payment_totals.order_id
    left join customer_at_order_time
        on current_orders.order_id = customer_at_order_time.order_id
)

select * from final
{{ loaded_after_watermark('source_load_id') }}
