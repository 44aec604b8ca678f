{{ config(
    unique_key='response_id',
    indexes=fact_indexes('response_id', 'response_key',
        ['campaign_key', 'customer_key', 'response_date']),
    post_hook="{{ delete_vanished('response_id',
        'select response_id from ' ~ ref('stg_marketing__campaign_responses')
        ~ ' where is_latest_version') }}"
) }}

{#-
    One row per campaign response event (opened, clicked, converted). The
    campaign and the customer are the versions valid when the customer
    responded. Incremental on source_load_id, like the other facts: a run
    rebuilds the responses whose versions, campaign's or customer's versions
    (or the loads that replaced any of them) passed the table's watermark; a
    response whose rows a reload took away leaves the table.
-#}

with

{% if is_incremental() %}
responses_to_rebuild as (
    {{ keys_to_rebuild(ref('stg_marketing__campaign_responses'), 'response_id',
        'campaign_responses', references=[
            ['campaign_id', ref('stg_marketing__campaigns'), 'campaigns'],
            ['customer_id', ref('stg_crm__customers'), 'customers'],
        ]) }}
),

{% endif %}
responses as (
    select * from {{ ref('stg_marketing__campaign_responses') }}
    {{ where_rebuilding('response_id', 'responses_to_rebuild') }}
),

campaign_versions as (
    select * from {{ ref('dim_campaign') }}
    {{ where_rebuilding('campaign_id', 'responses') }}
),

customer_versions as (
    select * from {{ ref('dim_customer') }}
    {{ where_rebuilding('customer_id', 'responses') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
    {{ where_rebuilding('campaign_id', 'responses') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
    {{ where_rebuilding('customer_id', 'responses') }}
),

response_loads as (
    {{ newest_loads('responses', 'response_id', [['campaign_responses', 'record_id']]) }}
),

campaign_loads as (
    {{ newest_loads('campaigns', 'campaign_id', [['campaigns', 'record_id']]) }}
),

customer_loads as (
    {{ newest_loads('customers', 'customer_id', [['customers', 'record_id']]) }}
),

current_responses as (
    select * from responses
    where is_latest_version
),

campaign_at_response_time as (
    {{ version_at('campaign_versions', ['campaign_key'], events='current_responses',
        event_key='response_id', natural_key='campaign_id', event_time='responded_at') }}
),

customer_at_response_time as (
    {{ version_at('customer_versions', ['customer_key'], events='current_responses',
        event_key='response_id', natural_key='customer_id', event_time='responded_at') }}
),

source_loads as (
-- the newest load behind each response: its versions, its campaign's and its
-- customer's versions, and the reloads of any
    {{ source_load_ids('current_responses', 'response_id', [
        ['response_loads', 'response_id'],
        ['campaign_loads', 'campaign_id'],
        ['customer_loads', 'customer_id'],
    ]) }}
),

final as (
    select
        -- keys
        {{ dbt.hash('current_responses.response_id') }} as response_key,
        current_responses.response_id,
        current_responses.campaign_id,
        coalesce(campaign_at_response_time.campaign_key, {{ unknown_member_key() }})
            as campaign_key,
        current_responses.customer_id,
        coalesce(customer_at_response_time.customer_key, {{ unknown_member_key() }})
            as customer_key,
        -- dates and timestamps
        cast(current_responses.responded_at as date)    as response_date,
        current_responses.responded_at,
        -- categories
        current_responses.response_type,
        current_responses.response_type = 'converted'   as is_conversion,
        -- amounts
        current_responses.conversion_value,
        -- quality
        current_responses.data_issues,
        -- versions and load
        current_responses.updated_at,
        source_loads.source_load_id
    from current_responses
    inner join source_loads
        on current_responses.response_id = source_loads.response_id
    left join campaign_at_response_time
        on current_responses.response_id = campaign_at_response_time.response_id
    left join customer_at_response_time
        on current_responses.response_id = customer_at_response_time.response_id
)

select * from final
{{ loaded_after_watermark('source_load_id') }}
