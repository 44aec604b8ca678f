{#-
    Which orders' payments do not add up, and why? One row per order (or per
    order_id the payment provider sent that the shop has not) whose money held
    (completed payments) differs from what it should be, or whose payments are
    otherwise off: expected is the order total, or nothing for a cancelled or
    returned order. Balanced orders are not listed. mismatch_reason gives the
    first explanation that fits, in this order:

      order_not_received          payments for an order the shop has not sent
      no_payment                  an order to be paid without any payment attempt
      cancelled_but_charged       a cancelled order with a completed payment
      return_not_refunded         a returned order whose payment is still completed
      payment_pending             money still on its way (bank transfers take days)
      all_payments_failed         only failed attempts
      refunded_but_not_returned   a refund on an order neither returned nor cancelled
      refund_amount_mismatch      a returned order refunded for another amount
      order_total_incomplete      no usable shipping or tax: the total is short
      order_has_no_lines          money held for an order none of whose lines the
                                  warehouse could use (see fct_row_exceptions)
      underpaid                   less money held than the order total
      overpaid                    more money held than the order total (often a line
                                  the warehouse rejected: the total it knows is short)
-#}
{%- set amounts = ['completed', 'refunded', 'pending', 'failed'] -%}
{%- set counts = ['pending', 'failed', 'refunded'] %}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

payments as (
    select * from {{ ref('fct_payments') }}
),

payment_totals as (
    select
        order_id,
        count(*) as payment_count,
        {%- for status in amounts %}
            sum(case when payment_status = '{{ status }}' then amount else 0 end)
                as {{ status }}_amount,
        {%- endfor %}
    {%- for status in counts %}
        sum(case when payment_status = '{{ status }}' then 1 else 0 end)
            as {{ status }}_count
        {{- ',' if not loop.last }}
    {%- endfor %}
    from payments
    group by order_id
),

order_payments as (
    select
        coalesce(orders.order_id, payment_totals.order_id)  as order_id,
        orders.order_id is not null                         as is_order_received,
        orders.order_key,
        orders.customer_id,
        orders.order_date,
        orders.order_status,
        orders.payment_state,
        orders.order_total_amount,
        orders.line_count,
        orders.data_issues                                  as order_data_issues,
        case
            when orders.order_id is null then null
            when orders.order_status in ('cancelled', 'returned') then 0
            else orders.order_total_amount
        end                                                 as expected_amount,
        coalesce(payment_totals.payment_count, 0)           as payment_count,
        {%- for status in amounts %}
            coalesce(payment_totals.{{ status }}_amount, 0) as {{ status }}_amount,
        {%- endfor %}
    {%- for status in counts %}
        coalesce(payment_totals.{{ status }}_count, 0)      as {{ status }}_count
        {{- ',' if not loop.last }}
    {%- endfor %}
    from orders
    full outer join payment_totals
        on orders.order_id = payment_totals.order_id
),

explained as (
    select
        *,
        case
            when not is_order_received then 'order_not_received'
            when payment_count = 0 and expected_amount > 0 then 'no_payment'
            when order_status = 'cancelled' and completed_amount > 0
                then 'cancelled_but_charged'
            when order_status = 'returned' and completed_amount > 0
                then 'return_not_refunded'
            when pending_count > 0 and completed_amount < expected_amount
                then 'payment_pending'
            when failed_count = payment_count and expected_amount > 0
                then 'all_payments_failed'
            when refunded_count > 0 and order_status not in ('returned', 'cancelled')
                then 'refunded_but_not_returned'
            when order_status = 'returned' and refunded_amount <> order_total_amount
                then 'refund_amount_mismatch'
            when completed_amount <> expected_amount
                and (
                    order_data_issues like '%shipping_amount%'
                    or order_data_issues like '%tax_amount%'
                )
                then 'order_total_incomplete'
            when line_count = 0 and completed_amount > expected_amount
                then 'order_has_no_lines'
            when completed_amount < expected_amount then 'underpaid'
            when completed_amount > expected_amount then 'overpaid'
        end as mismatch_reason
    from order_payments
),

final as (
    select
        -- keys
        order_id,
        order_key,
        customer_id,
        -- order
        order_date,
        order_status,
        payment_state,
        is_order_received,
        -- amounts
        cast(order_total_amount as {{ type_amount() }})      as order_total_amount,
        cast(expected_amount as {{ type_amount() }})         as expected_amount,
        {%- for status in amounts %}
            cast({{ status }}_amount as {{ type_amount() }}) as {{ status }}_amount,
        {%- endfor %}
        cast(completed_amount - coalesce(expected_amount, 0) as {{ type_amount() }})
            as difference_amount,
        payment_count,
        -- why
        mismatch_reason,
        order_data_issues
    from explained
    where mismatch_reason is not null
)

select * from final
