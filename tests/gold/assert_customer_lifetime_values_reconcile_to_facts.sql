{#-
    The customers' lifetime values add up to the facts' net revenue (up to
    as_of_date), to the cent, and their order counts to the facts' orders: no
    order is lost or counted twice between fct_order_lines and customer_stats.
    Also per customer, so a cent moved from one customer to another fails too.
    Returns the customers (and the '<total>' row) that disagree.
-#}

with

customer_stats as (
    select * from {{ ref('customer_stats') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

as_of as (
    select {{ gold_as_of_date('orders') }} as as_of_date
),

fact_orders_by_customer as (
    select
        coalesce(orders.customer_id, {{ unknown_member_key() }}) as customer_id,
        count(*)                                                 as order_count
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
    group by coalesce(orders.customer_id, {{ unknown_member_key() }})
),

fact_revenue_by_customer as (
    select
        coalesce(order_lines.customer_id, {{ unknown_member_key() }}) as customer_id,
        sum(order_lines.net_amount)                                   as net_revenue
    from order_lines
    cross join as_of
    where order_lines.order_date <= as_of.as_of_date
    group by coalesce(order_lines.customer_id, {{ unknown_member_key() }})
),

per_customer as (
    select
        coalesce(
            customer_stats.customer_id, fact_orders_by_customer.customer_id,
            fact_revenue_by_customer.customer_id
        )                                                 as customer_id,
        coalesce(customer_stats.lifetime_value, 0)        as gold_lifetime_value,
        coalesce(fact_revenue_by_customer.net_revenue, 0) as fact_net_revenue,
        coalesce(customer_stats.order_count, 0)           as gold_order_count,
        coalesce(fact_orders_by_customer.order_count, 0)  as fact_order_count
    from customer_stats
    full outer join fact_orders_by_customer
        on customer_stats.customer_id = fact_orders_by_customer.customer_id
    full outer join fact_revenue_by_customer
        on coalesce(customer_stats.customer_id, fact_orders_by_customer.customer_id)
            = fact_revenue_by_customer.customer_id
),

totals as (
    select
        '<total>' as customer_id,
        (select coalesce(sum(lifetime_value), 0) from customer_stats)
            as gold_lifetime_value,
        (select coalesce(sum(net_revenue), 0) from fact_revenue_by_customer)
            as fact_net_revenue,
        (select coalesce(sum(order_count), 0) from customer_stats)
            as gold_order_count,
        (select coalesce(sum(order_count), 0) from fact_orders_by_customer)
            as fact_order_count
),

compared as (
    select * from per_customer
    union all
    select * from totals
)

select *
from compared
where gold_lifetime_value <> fact_net_revenue
    or gold_order_count <> fact_order_count
