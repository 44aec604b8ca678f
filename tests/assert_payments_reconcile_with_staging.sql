{#-
    fct_payments holds every current staged payment once, with the same amounts to
    the cent, and fct_orders' paid and refunded totals add up to the payments of
    received orders.
-#}

with

staged as (
    select * from {{ ref('stg_payments__payments') }}
    where is_latest_version
),

payments as (
    select * from {{ ref('fct_payments') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

checks as (
    select
        'payment rows'                  as measure,
        (select count(*) from staged)   as expected,
        (select count(*) from payments) as actual
    union all
    select
        'payment amount'                   as measure,
        (select sum(amount) from staged)   as expected,
        (select sum(amount) from payments) as actual
    union all
    select
        'paid amount of received orders'      as measure,
        (
            select sum(amount) from payments
            where is_order_received and payment_status = 'completed'
        )                                     as expected,
        (select sum(paid_amount) from orders) as actual
    union all
    select
        'refunded amount of received orders'      as measure,
        (
            select sum(amount) from payments
            where is_order_received and payment_status = 'refunded'
        )                                         as expected,
        (select sum(refunded_amount) from orders) as actual
)

select *
from checks
where coalesce(expected, 0) <> coalesce(actual, 0)
