{{ config(
    materialized='incremental',
    unique_key='response_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    indexes=[
        {'columns': ['response_id'], 'unique': true},
        {'columns': ['response_key'], 'unique': true},
        {'columns': ['campaign_key']},
        {'columns': ['customer_key']},
        {'columns': ['response_date']},
        {'columns': ['source_load_id']},
    ],
    post_hook="{{ delete_vanished('response_id',
        'select response_id from ' ~ ref('stg_marketing__campaign_responses')
        ~ ' where is_latest_version') }}"
) }}

{#-
    One row per campaign response event (opened, clicked, converted). The
    campaign and the customer are the versions valid when the customer
    responded. Incremental on source_load_id: the response's versions, its
    campaign's and its customer's versions, and the loads that replaced any of
    them; a response whose rows a reload took away leaves the table.
-#}

with

responses as (
    select * from {{ ref('stg_marketing__campaign_responses') }}
),

campaign_versions as (
    select * from {{ ref('dim_campaign') }}
),

customer_versions as (
    select * from {{ ref('dim_customer') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

response_history as (
    select
        response_id,
        max(_load_id)                                           as last_load_id
    from responses
    group by response_id
),

campaign_loads as (
    select
        campaign_id,
        max(_load_id)                                           as last_load_id
    from campaigns
    group by campaign_id
),

customer_loads as (
    select
        customer_id,
        max(_load_id)                                           as last_load_id
    from customers
    group by customer_id
),

replaced_response_rows as (
    {{ replaced_touches([['campaign_responses', 'record_id']], 'response_id') }}
),

replaced_campaign_rows as (
    {{ replaced_touches([['campaigns', 'record_id']], 'campaign_id') }}
),

replaced_customer_rows as (
    {{ replaced_touches([['customers', 'record_id']], 'customer_id') }}
),

current_responses as (
    select * from responses
    where is_latest_version
),

campaign_at_response_time as (
    select
        current_responses.response_id,
        campaign_versions.campaign_key
    from current_responses
    inner join campaign_versions
        on current_responses.campaign_id = campaign_versions.campaign_id
        and current_responses.responded_at >= campaign_versions.valid_from
        and current_responses.responded_at < campaign_versions.valid_to
),

customer_at_response_time as (
    select
        current_responses.response_id,
        customer_versions.customer_key
    from current_responses
    inner join customer_versions
        on current_responses.customer_id = customer_versions.customer_id
        and current_responses.responded_at >= customer_versions.valid_from
        and current_responses.responded_at < customer_versions.valid_to
),

final as (
    select
        -- keys
        {{ dbt.hash('current_responses.response_id') }}         as response_key,
        current_responses.response_id,
        current_responses.campaign_id,
        coalesce(campaign_at_response_time.campaign_key, {{ unknown_member_key() }})
                                                                as campaign_key,
        current_responses.customer_id,
        coalesce(customer_at_response_time.customer_key, {{ unknown_member_key() }})
                                                                as customer_key,
        -- dates and timestamps
        cast(current_responses.responded_at as date)            as response_date,
        current_responses.responded_at,
        -- categories
        current_responses.response_type,
        current_responses.response_type = 'converted'           as is_conversion,
        -- amounts
        current_responses.conversion_value,
        -- quality
        current_responses.data_issues,
        -- versions and load
        current_responses.updated_at,
        greatest(
            response_history.last_load_id,
            coalesce(campaign_loads.last_load_id, 0),
            coalesce(customer_loads.last_load_id, 0),
            coalesce(replaced_response_rows.last_load_id, 0),
            coalesce(replaced_campaign_rows.last_load_id, 0),
            coalesce(replaced_customer_rows.last_load_id, 0)
        )                                                       as source_load_id
    from current_responses
    inner join response_history
        on current_responses.response_id = response_history.response_id
    left join campaign_loads
        on current_responses.campaign_id = campaign_loads.campaign_id
    left join customer_loads
        on current_responses.customer_id = customer_loads.customer_id
    left join replaced_response_rows
        on current_responses.response_id = replaced_response_rows.response_id
    left join replaced_campaign_rows
        on current_responses.campaign_id = replaced_campaign_rows.campaign_id
    left join replaced_customer_rows
        on current_responses.customer_id = replaced_customer_rows.customer_id
    left join campaign_at_response_time
        on current_responses.response_id = campaign_at_response_time.response_id
    left join customer_at_response_time
        on current_responses.response_id = customer_at_response_time.response_id
)

select * from final
{{ loaded_after_watermark('source_load_id') }}
