{#-
    Campaign attribution, from the shop's side: each order is credited to the
    campaign the customer last responded to (opened, clicked or converted) in
    the var('attribution_window_days', 7) days before ordering (last touch).
    Per campaign: attributed orders, customers and net revenue, next to what the
    marketing platform itself reports (conversion values) and the budget.
-#}

with

responses as (
    select * from {{ ref('fct_campaign_responses') }}
),

campaign_versions as (
    select * from {{ ref('dim_campaign') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

campaign_results as (
    select * from {{ ref('campaign_performance') }}
),

touches as (
    select
        campaign_versions.campaign_id,
        responses.customer_id,
        responses.responded_at
    from responses
    inner join campaign_versions
        on responses.campaign_key = campaign_versions.campaign_key
    where responses.customer_id is not null
        and campaign_versions.campaign_id <> {{ unknown_member_key() }}
),

order_touches as (
    select
        orders.order_id,
        orders.customer_id,
        orders.net_amount,
        touches.campaign_id,
        row_number() over (
            partition by orders.order_id
            order by
                touches.responded_at desc nulls last,
                touches.campaign_id asc nulls last
        ) as touch_recency
    from orders
    inner join touches
        on orders.customer_id = touches.customer_id
            and orders.ordered_at >= touches.responded_at
            and touches.responded_at > {{ dbt.dateadd(
            'day', -1 * var('attribution_window_days', 7), 'orders.ordered_at') }}
),

attributed as (
    select
        campaign_id,
        count(*)                    as attributed_order_count,
        count(distinct customer_id) as attributed_customer_count,
        sum(net_amount)             as attributed_net_revenue
    from order_touches
    where touch_recency = 1
    group by campaign_id
),

final as (
    select
        campaign_results.campaign_id,
        campaign_results.campaign_name,
        campaign_results.channel,
        campaign_results.budget_amount,
        campaign_results.conversion_count              as platform_conversion_count,
        campaign_results.attributed_revenue            as platform_attributed_revenue,
        coalesce(attributed.attributed_order_count, 0) as shop_attributed_order_count,
        coalesce(attributed.attributed_customer_count, 0)
            as shop_attributed_customer_count,
        coalesce(attributed.attributed_net_revenue, 0) as shop_attributed_net_revenue,
        {{ gold_safe_divide('coalesce(attributed.attributed_net_revenue, 0)'
            ~ ' - campaign_results.budget_amount', 'campaign_results.budget_amount') }}
            as shop_return_on_investment
    from campaign_results
    left join attributed
        on campaign_results.campaign_id = attributed.campaign_id
    where campaign_results.campaign_id <> {{ unknown_member_key() }}
)

select * from final
order by shop_attributed_net_revenue desc nulls last, campaign_id asc nulls last
