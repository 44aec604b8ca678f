{#-
    Top products by margin: the 20 products that earned the most margin over the
    last var('analysis_days', 90) days of orders (up to the latest order day),
    with their revenue, units, margin rate and share of all margin.
-#}

with

product_days as (
    select * from {{ ref('daily_product_metrics') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

period as (
    select
        cast({{ dbt.dateadd('day', -1 * (var('analysis_days', 90) - 1),
            'max(order_date)') }} as date) as first_day,
        max(order_date)                    as last_day
    from product_days
),

product_totals as (
    select
        product_days.product_id,
        sum(product_days.units_sold)    as units_sold,
        sum(product_days.net_revenue)   as net_revenue,
        sum(product_days.margin_amount) as margin_amount,
        sum(product_days.cost_amount)   as cost_amount
    from product_days
    cross join period
    where product_days.order_date >= period.first_day
        and product_days.order_date <= period.last_day
    group by product_days.product_id
),

ranked as (
    select
        *,
        row_number() over (
            order by
                margin_amount desc nulls last,
                product_id asc nulls last
        )                          as margin_rank,
        sum(margin_amount) over () as total_margin_amount
    from product_totals
),

final as (
    select
        ranked.margin_rank,
        ranked.product_id,
        products.product_name,
        products.category,
        products.brand,
        ranked.units_sold,
        ranked.net_revenue,
        ranked.margin_amount,
        {{ gold_safe_divide('ranked.margin_amount', 'ranked.net_revenue') }}
            as margin_rate,
        {{ gold_safe_divide('ranked.margin_amount', 'ranked.total_margin_amount') }}
            as share_of_margin
    from ranked
    left join products
        on ranked.product_id = products.product_id
            and products.is_current
    where ranked.margin_rank <= 20
)

select * from final
order by margin_rank asc nulls last
