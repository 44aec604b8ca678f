with

base as (
    select * from {{ ref('base_catalog__products') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number('product_id') }}                  as version_row_number
    from base
),

versions as (
    select
        -- ids
        product_id,
        -- descriptions
        product_name,
        category,
        subcategory,
        brand,
        -- categories
        product_status,
        -- amounts
        unit_cost,
        retail_price,
        -- timestamps
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('product_id') }}                   as is_latest_version,
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
