with

base as (
    select * from {{ ref('base_marketing__campaign_responses') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number('response_id') }}                 as version_row_number
    from base
),

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
        _batch_date,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at,
        _row_hash
    from ranked
    where version_row_number = 1
)

select * from versions
