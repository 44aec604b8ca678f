{#-
    campaign_performance accounts for every response of fct_campaign_responses:
    its open, click and conversion events and attributed revenue add up to the
    facts', to the cent. Returns one row when they do not.
-#}

with

campaigns as (
    select * from {{ ref('campaign_performance') }}
),

responses as (
    select * from {{ ref('fct_campaign_responses') }}
),

gold_totals as (
    select
        sum(open_count)         as open_count,
        sum(click_count)        as click_count,
        sum(conversion_count)   as conversion_count,
        sum(attributed_revenue) as attributed_revenue
    from campaigns
),

fact_totals as (
    select
        sum(case when response_type = 'opened' then 1 else 0 end)    as open_count,
        sum(case when response_type = 'clicked' then 1 else 0 end)   as click_count,
        sum(case when response_type = 'converted' then 1 else 0 end) as conversion_count,
        coalesce(sum(case when response_type = 'converted' then conversion_value end), 0)
            as attributed_revenue
    from responses
),

compared as (
    select
        gold_totals.open_count         as gold_open_count,
        fact_totals.open_count         as fact_open_count,
        gold_totals.click_count        as gold_click_count,
        fact_totals.click_count        as fact_click_count,
        gold_totals.conversion_count   as gold_conversion_count,
        fact_totals.conversion_count   as fact_conversion_count,
        gold_totals.attributed_revenue as gold_attributed_revenue,
        fact_totals.attributed_revenue as fact_attributed_revenue
    from gold_totals
    cross join fact_totals
)

select *
from compared
where coalesce(gold_open_count, 0) <> coalesce(fact_open_count, 0)
    or coalesce(gold_click_count, 0) <> coalesce(fact_click_count, 0)
    or coalesce(gold_conversion_count, 0) <> coalesce(fact_conversion_count, 0)
    or coalesce(gold_attributed_revenue, 0) <> coalesce(fact_attributed_revenue, 0)
