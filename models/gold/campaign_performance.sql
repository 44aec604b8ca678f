{#-
    Which campaigns pay off? One row per campaign: the funnel opened -> clicked
    -> converted (customers and events), the conversion rates between its steps,
    the revenue the marketing platform attributes to it (conversion values) and
    the return on its budget (the current budget, top-ups included). Responses
    whose campaign is unknown count under campaign_id '-1'.
-#}
{#- the funnel's steps (response types), each with the name of its event count -#}
{%- set steps = {'opened': 'open_count', 'clicked': 'click_count',
    'converted': 'conversion_count'} %}

with

current_campaigns as (
    select * from {{ ref('dim_campaign') }}
    where is_current
),

responses as (
    select * from {{ ref('fct_campaign_responses') }}
),

campaign_responses as (
    -- a response whose campaign the platform never described (its campaign
    -- version is the unknown member) counts under the unknown member's id
    select
        case
            when campaign_key = {{ unknown_member_key() }}
                then {{ unknown_member_key() }}
            else campaign_id
        end as campaign_id,
        customer_id,
        response_type,
        conversion_value,
        response_date
    from responses
),

funnel as (
    select
        campaign_id,
        {%- for step in steps %}
            count(distinct case when response_type = '{{ step }}' then customer_id end)
                as {{ step }}_customer_count,
        {%- endfor %}
        {%- for step, events in steps.items() %}
            {{ bigint_sum("case when response_type = '" ~ step ~ "' then 1 else 0 end") }}
                as {{ events }},
        {%- endfor %}
        sum(case when response_type = 'converted' then conversion_value end)
            as attributed_revenue,
        min(response_date) as first_response_date,
        max(response_date) as last_response_date
    from campaign_responses
    group by campaign_id
),

final as (
    select
        -- keys
        current_campaigns.campaign_id,
        current_campaigns.campaign_key,
        -- descriptions
        current_campaigns.campaign_name,
        current_campaigns.channel,
        current_campaigns.target_audience,
        current_campaigns.start_date,
        current_campaigns.end_date,
        current_campaigns.duration_days,
        funnel.first_response_date,
        funnel.last_response_date,
        -- funnel: customers
        {%- for step in steps %}
            coalesce(funnel.{{ step }}_customer_count, 0) as {{ step }}_customer_count,
        {%- endfor %}
        -- funnel: events
        {%- for events in steps.values() %}
            coalesce(funnel.{{ events }}, 0)              as {{ events }},
        {%- endfor %}
        -- rates (of customers)
        {{ gold_safe_divide('funnel.clicked_customer_count',
            'funnel.opened_customer_count') }}
            as click_through_rate,
        {{ gold_safe_divide('funnel.converted_customer_count',
            'funnel.clicked_customer_count') }}
            as click_to_conversion_rate,
        {{ gold_safe_divide('funnel.converted_customer_count',
            'funnel.opened_customer_count') }}
            as conversion_rate,
        -- money
        current_campaigns.budget_amount,
        cast(coalesce(funnel.attributed_revenue, 0) as {{ type_amount() }})
            as attributed_revenue,
        cast(
            {{ gold_safe_divide('current_campaigns.budget_amount',
            'funnel.conversion_count', 2) }}
            as {{ type_amount() }}
        )                                                 as cost_per_conversion,
        {{ gold_safe_divide('coalesce(funnel.attributed_revenue, 0)'
            ~ ' - current_campaigns.budget_amount', 'current_campaigns.budget_amount') }}
            as return_on_investment
    from current_campaigns
    left join funnel
        on current_campaigns.campaign_id = funnel.campaign_id
)

select * from final
