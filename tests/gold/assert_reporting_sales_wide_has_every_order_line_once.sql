{#-
    Every order line of fct_order_lines appears exactly once in
    reporting_sales_wide, with the same net amount to the cent, and the wide
    table holds nothing else. Returns the lines that are missing, doubled,
    extra or different. A daily build compares the lines it changed
    (where_key_changed).
-#}

with

{%- set changed_lines = where_key_changed('order_line_id', [
    [ref('reporting_sales_wide'), 'order_line_id'], [ref('fct_order_lines'), 'order_line_id'],
]) %}

wide as (
    select * from {{ ref('reporting_sales_wide') }}
    {{ changed_lines }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    {{ changed_lines }}
),

wide_lines as (
    select
        order_line_id,
        count(*)        as row_count,
        sum(net_amount) as net_amount,
        sum(quantity)   as quantity
    from wide
    group by order_line_id
),

compared as (
    select
        coalesce(order_lines.order_line_id, wide_lines.order_line_id)
            as order_line_id,
        coalesce(wide_lines.row_count, 0)     as wide_row_count,
        order_lines.order_line_id is not null as is_in_facts,
        wide_lines.net_amount                 as wide_net_amount,
        order_lines.net_amount                as fact_net_amount,
        wide_lines.quantity                   as wide_quantity,
        order_lines.quantity                  as fact_quantity
    from order_lines
    full outer join wide_lines
        on order_lines.order_line_id = wide_lines.order_line_id
)

select *
from compared
where wide_row_count <> 1
    or not is_in_facts
    or wide_net_amount <> fact_net_amount
    or wide_quantity <> fact_quantity
