{{ config(
    materialized='incremental',
    unique_key='campaign_id',
    incremental_strategy='replace_records',
    on_schema_change='fail',
    indexes=[{'columns': ['campaign_id']}, {'columns': ['_load_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{% if is_incremental() %}
records_to_rebuild as (
    {{ records_to_rebuild(ref('base_marketing__campaigns'), 'campaign_id') }}
),

{% endif %}
base as (
    select * from {{ ref('base_marketing__campaigns') }}
    where rejection_reason is null
    {%- if is_incremental() %}
        and campaign_id in (select campaign_id from records_to_rebuild)
    {%- endif %}
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
),

{% if is_incremental() %}
final as (
    -- a record rebuilt without any version left comes back as its key alone:
    -- the replace_records strategy deletes its rows
    select * from versions
    right join records_to_rebuild using (campaign_id)
)
{% else %}
final as (
    select * from versions
)
{% endif %}

select * from final
