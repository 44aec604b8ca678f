{#-
    How did each product sell each day? Orders, units, revenue, cost and margin
    per product and order day (the day the order was placed, so late orders land
    on their own day). Lines whose product is missing count under product_id '-1'.

    Incremental (delete+insert by order_date): a run rebuilds the days of lines
    the facts (re)loaded since the last run, days whose line count no longer
    matches the facts, and nothing else. A rebuilt day is replaced whole, so a
    product that no longer sold that day leaves no stale row. A row's
    source_load_id is the newest load behind its lines, so a row is the same
    however it was built, and the table's maximum is the facts' watermark when
    it was last built.
-#}

with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

{% if is_incremental() %}
summarised_product_days as (
    select * from {{ this }}
),

changed_days as (
    select distinct order_date
    from order_lines
    where source_load_id > {{ own_watermark() }}
),

drifted_days as (
    -- days whose line count disagrees with the facts: a line moved day
    {{ drifted_days('order_lines', 'summarised_product_days', 'line_count') }}
),

days_to_build as (
    select order_date from changed_days
    union
    select order_date from drifted_days
),
{% else %}
    days_to_build as (
        select distinct order_date from order_lines
    ),
{% endif %}

lines_to_summarise as (
    select
        order_lines.order_date,
        order_lines.product_id,
        order_lines.order_id,
        order_lines.quantity,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.cost_amount,
        order_lines.margin_amount,
        order_lines.source_load_id
    from order_lines
    inner join days_to_build
        on order_lines.order_date = days_to_build.order_date
),

product_days as (
    select
        order_date,
        coalesce(product_id, {{ unknown_member_key() }}) as product_id,
        count(distinct order_id)                         as order_count,
        count(*)                                         as line_count,
        {{ gold_line_revenue() | indent(4) }},
        sum(cost_amount)                                 as cost_amount,
        sum(margin_amount)                               as margin_amount,
        sum(case when cost_amount is not null then net_amount end)
            as costed_net_revenue,
        {{ bigint_sum('case when cost_amount is null then 1 else 0 end') }}
            as uncosted_line_count,
        max(source_load_id)                              as source_load_id
    from lines_to_summarise
    group by order_date, coalesce(product_id, {{ unknown_member_key() }})
),

final as (
    select
        -- grain
        order_date,
        product_id,
        -- volumes
        order_count,
        line_count,
        units_sold,
        -- revenue
        cast(gross_revenue as {{ type_amount() }}) as gross_revenue,
        cast(discount_amount as {{ type_amount() }})
            as discount_amount,
        cast(net_revenue as {{ type_amount() }})   as net_revenue,
        cast(
            {{ gold_safe_divide('product_days.net_revenue',
            'product_days.units_sold', 2) }}
            as {{ type_amount() }}
        )                                          as average_selling_price,
        -- cost and margin (lines whose cost is known)
        cast(cost_amount as {{ type_amount() }})   as cost_amount,
        cast(margin_amount as {{ type_amount() }}) as margin_amount,
        {{ gold_safe_divide('product_days.margin_amount',
            'product_days.costed_net_revenue') }}
            as margin_rate,
        uncosted_line_count,
        -- load
        source_load_id,
        '{{ invocation_id }}'                      as dbt_invocation_id
    from product_days
)

select * from final
