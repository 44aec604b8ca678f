{{ config(
    unique_key='response_id',
    indexes=[{'columns': ['response_id']}, {'columns': ['_load_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_marketing__campaign_responses'), 'response_id') }}

versions as (
    select
        -- ids
        response_id,
        campaign_id,
        customer_id,
        -- categories
        response_type,
        -- amounts
        conversion_value,
        -- timestamps
        responded_at,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('response_id') }}                  as is_latest_version,
        -- load metadata
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'response_id') }}
)

select * from final
