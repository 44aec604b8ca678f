{{ config(
    unique_key='order_id',
    indexes=[{'columns': ['order_id']}, {'columns': ['_load_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_shop__orders'), 'order_id') }}

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
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'order_id') }}
)

select * from final
