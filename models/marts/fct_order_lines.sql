{{ config(
    unique_key='order_line_id',
    indexes=fact_indexes('order_line_id', 'order_line_key',
        ['order_id', 'customer_key', 'product_key', 'order_date']),
    post_hook="{{ delete_vanished('order_line_id',
        'select lines.order_line_id from ' ~ ref('stg_shop__order_lines') ~ ' as lines'
        ~ ' inner join ' ~ ref('fct_orders') ~ ' as orders on lines.order_id = orders.order_id'
        ~ ' where lines.is_latest_version') }}"
) }}

{#-
    One row per order line of a received order (a line whose order has not
    arrived waits in fct_row_exceptions as an orphan). The product and the
    customer are the versions valid when the order was placed. Incremental on
    source_load_id, like fct_orders: the line's versions, its order's row, its
    product's versions and the loads that replaced any of them; a line whose
    rows a reload took away (or whose order is gone) leaves the table.
-#}

with

{% if is_incremental() %}
lines_to_rebuild as (
    {{ keys_to_rebuild(ref('stg_shop__order_lines'), 'order_line_id', 'order_lines',
        references=[['product_id', ref('stg_catalog__products'), 'products']],
        facts=[['order_id', ref('fct_orders')]]) }}
),

{% endif %}
order_lines as (
    select * from {{ ref('stg_shop__order_lines') }}
    {{ where_rebuilding('order_line_id', 'lines_to_rebuild') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    {{ where_rebuilding('order_id', 'order_lines') }}
),

product_versions as (
    select * from {{ ref('dim_product') }}
    {{ where_rebuilding('product_id', 'order_lines') }}
),

products as (
    select * from {{ ref('stg_catalog__products') }}
    {{ where_rebuilding('product_id', 'order_lines') }}
),

line_loads as (
    {{ newest_loads('order_lines', 'order_line_id', [['order_lines', 'record_id']]) }}
),

product_loads as (
    {{ newest_loads('products', 'product_id', [['products', 'record_id']]) }}
),

current_lines as (
    select
        order_lines.*,
        orders.order_key,
        orders.customer_id,
        orders.customer_key,
        orders.order_date,
        orders.ordered_at,
        orders.sales_channel,
        orders.currency_code
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    where order_lines.is_latest_version
),

source_loads as (
-- the newest load behind each line: its versions, its order's row, its
-- product's versions, and the reloads of any
    {{ source_load_ids('current_lines', 'order_line_id', [
        ['line_loads', 'order_line_id'],
        ['orders', 'order_id', 'source_load_id'],
        ['product_loads', 'product_id'],
    ]) }}
),

product_at_order_time as (
-- the product version valid when the order was placed
    {{ version_at(
        'product_versions', ['product_key', 'unit_cost'], events='current_lines',
        event_key='order_line_id', natural_key='product_id', event_time='ordered_at'
    ) }}
),

amounts as (
    select
        current_lines.*,
        coalesce(product_at_order_time.product_key, {{ unknown_member_key() }})
            as product_key,
        product_at_order_time.unit_cost,
        cast(current_lines.quantity * current_lines.unit_price as {{ type_amount() }})
            as gross_amount,
        cast(
            current_lines.quantity * product_at_order_time.unit_cost
            as {{ type_amount() }}
        ) as cost_amount
    from current_lines
    left join product_at_order_time
        on current_lines.order_line_id = product_at_order_time.order_line_id
),

final as (
    select
        -- keys
        {{ dbt.hash('amounts.order_line_id') }} as order_line_key,
        amounts.order_line_id,
        amounts.order_key,
        amounts.order_id,
        amounts.customer_id,
        amounts.customer_key,
        amounts.product_id,
        amounts.product_key,
        -- dates and timestamps
        amounts.order_date,
        amounts.ordered_at,
        -- categories
        amounts.sales_channel,
        amounts.currency_code,
        -- quantities and prices
        amounts.quantity,
        amounts.unit_price,
        amounts.unit_cost,
        -- amounts
        amounts.gross_amount,
        amounts.discount_amount,
        cast(amounts.gross_amount - amounts.discount_amount as {{ type_amount() }})
            as net_amount,
        amounts.cost_amount,
        cast(
            amounts.gross_amount - amounts.discount_amount - amounts.cost_amount
            as {{ type_amount() }}
        )                                       as margin_amount,
        -- quality
        amounts.data_issues,
        -- versions and load
        amounts.updated_at,
        source_loads.source_load_id
    from amounts
    inner join source_loads
        on amounts.order_line_id = source_loads.order_line_id
)

select * from final
{{ loaded_after_watermark('source_load_id') }}
