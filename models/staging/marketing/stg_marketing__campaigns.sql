with

base as (
    select * from {{ ref('base_marketing__campaigns') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number('campaign_id') }}                 as version_row_number
    from base
),

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
