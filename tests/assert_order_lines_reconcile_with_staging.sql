{#-
    fct_order_lines holds exactly the current staged lines that are not orphans,
    with the same quantities and amounts to the cent.
-#}

with

staged_lines as (
    select * from {{ ref('stg_shop__order_lines') }}
    where is_latest_version
),

orphans as (
    select * from {{ ref('fct_row_exceptions') }}
    where exception_kind = 'orphan'
        and entity = 'order_lines'
),

fact_lines as (
    select * from {{ ref('fct_order_lines') }}
),

expected as (
    select
        count(*)                   as line_count,
        sum(staged_lines.quantity) as quantity,
        sum(
            staged_lines.quantity * staged_lines.unit_price - staged_lines.discount_amount
        )
            as net_amount
    from staged_lines
    left join orphans
        on staged_lines.order_line_id = orphans.record_id
    where orphans.record_id is null
),

actual as (
    select
        count(*)        as line_count,
        sum(quantity)   as quantity,
        sum(net_amount) as net_amount
    from fact_lines
)

select
    expected.line_count as expected_line_count,
    actual.line_count   as actual_line_count,
    expected.quantity   as expected_quantity,
    actual.quantity     as actual_quantity,
    expected.net_amount as expected_net_amount,
    actual.net_amount   as actual_net_amount
from expected
cross join actual
where expected.line_count <> actual.line_count
    or coalesce(expected.quantity, 0) <> coalesce(actual.quantity, 0)
    or coalesce(expected.net_amount, 0) <> coalesce(actual.net_amount, 0)
