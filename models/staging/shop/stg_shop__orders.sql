with

source as (
    select * from {{ source('shop', 'orders') }}
),

cleaned as (
    select
        -- ids
        nullif(trim(order_id), '')                      as order_id,
        nullif(trim(order_number), '')                  as order_number,
        nullif(trim(customer_id), '')                   as customer_id,
        -- categories
        lower(nullif(trim(order_status), ''))           as order_status,
        lower(nullif(trim(sales_channel), ''))          as sales_channel,
        upper(nullif(trim(currency_code), ''))          as currency_code,
        -- amounts
        {{ safe_numeric('shipping_amount') }}           as shipping_amount,
        {{ safe_numeric('tax_amount') }}                as tax_amount,
        -- timestamps
        {{ safe_timestamp('order_ts') }}                as ordered_at,
        {{ safe_timestamp('updated_at') }}              as updated_at,
        -- load metadata
        _batch_date,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at
    from source
),

versioned as (
    select
        cleaned.*,
        row_number() over (
            partition by order_id
            order by updated_at desc nulls last, _batch_date desc, _source_line desc
        ) = 1                                           as is_latest_version
    from cleaned
)

select * from versioned
