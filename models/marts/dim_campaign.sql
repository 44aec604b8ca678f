{{ config(indexes=[
    {'columns': ['campaign_key'], 'unique': true},
    {'columns': ['campaign_id', 'valid_from'], 'unique': true},
]) }}

{#-
    Campaigns as a type 2 slowly changing dimension: every staged version (a
    budget top-up makes one) valid from its updated_at to the next version's,
    plus the unknown member for responses whose campaign never arrived.
-#}

with

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

versions as (
    select
        -- keys
        {{ version_key('campaign_id') }}                        as campaign_key,
        campaign_id,
        -- descriptions
        campaign_name,
        channel,
        target_audience,
        -- dates
        start_date,
        end_date,
        case
            when end_date >= start_date
                then {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1
        end                                                     as duration_days,
        -- amounts
        budget_amount,
        -- quality
        data_issues,
        -- versions
        updated_at,
        {{ scd2_validity('campaign_id') }}
    from campaigns
),

unknown_member as (
    select
        -- keys
        {{ unknown_member_key() }}                              as campaign_key,
        {{ unknown_member_key() }}                              as campaign_id,
        -- descriptions
        'Unknown'                                               as campaign_name,
        'unknown'                                               as channel,
        cast(null as {{ dbt.type_string() }})                   as target_audience,
        -- dates
        cast(null as date)                                      as start_date,
        cast(null as date)                                      as end_date,
        cast(null as {{ dbt.type_int() }})                      as duration_days,
        -- amounts
        cast(null as {{ type_amount() }})                       as budget_amount,
        -- quality
        cast(null as {{ dbt.type_string() }})                   as data_issues,
        -- versions
        cast(null as {{ dbt.type_timestamp() }})                as updated_at,
        {{ unknown_member_validity() }}
),

final as (
    select * from versions
    union all
    select * from unknown_member
)

select * from final
