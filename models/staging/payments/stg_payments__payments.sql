with

base as (
    select * from {{ ref('base_payments__payments') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number('payment_id') }}                  as version_row_number
    from base
),

versions as (
    select
        -- ids
        payment_id,
        order_id,
        -- categories
        payment_method,
        payment_status,
        -- amounts
        amount,
        -- timestamps
        paid_at,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('payment_id') }}                   as is_latest_version,
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
