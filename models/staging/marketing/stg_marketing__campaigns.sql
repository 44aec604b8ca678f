{{ config(
    unique_key='campaign_id',
    indexes=[{'columns': ['campaign_id']}, {'columns': ['_load_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_marketing__campaigns'), 'campaign_id') }}

versions as (
    select
        -- ids
        campaign_id,
        -- descriptions
        campaign_name,
        target_audience,
        -- categories
        channel,
        -- amounts
        budget_amount,
        -- dates and timestamps
        start_date,
        end_date,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('campaign_id') }}                  as is_latest_version,
        -- load metadata
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'campaign_id') }}
)

select * from final
