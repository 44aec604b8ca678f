with

base as (
    select * from {{ ref('base_shop__orders') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number('order_id') }}                    as version_row_number
    from base
),

versions as (
    select
        -- ids
        order_id,
        order_number,
        customer_id,
        -- categories
        order_status,
        sales_channel,
        currency_code,
        -- amounts
        shipping_amount,
        tax_amount,
        -- timestamps
        ordered_at,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('order_id') }}                     as is_latest_version,
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
