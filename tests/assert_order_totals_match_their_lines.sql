{#-
    Every order's line count and amounts equal the sums of its fct_order_lines
    rows. A daily build compares the orders it changed (where_key_changed).
-#}

with

{%- set changed_orders = where_key_changed('order_id', [
    [ref('fct_orders'), 'order_id'], [ref('fct_order_lines'), 'order_id'],
]) %}

orders as (
    select * from {{ ref('fct_orders') }}
    {{ changed_orders }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    {{ changed_orders }}
),

line_totals as (
    select
        order_id,
        count(*)             as line_count,
        sum(quantity)        as item_quantity,
        sum(gross_amount)    as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount)      as net_amount
    from order_lines
    group by order_id
)

select
    orders.order_id,
    orders.line_count,
    line_totals.line_count as lines_in_fact,
    orders.net_amount,
    line_totals.net_amount as net_amount_in_lines
from orders
left join line_totals
    on orders.order_id = line_totals.order_id
where orders.line_count <> coalesce(line_totals.line_count, 0)
    or orders.item_quantity <> coalesce(line_totals.item_quantity, 0)
    or orders.gross_amount <> coalesce(line_totals.gross_amount, 0)
    or orders.discount_amount <> coalesce(line_totals.discount_amount, 0)
    or orders.net_amount <> coalesce(line_totals.net_amount, 0)
