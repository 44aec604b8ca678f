{{ config(
    unique_key='order_line_id',
    indexes=[{'columns': ['order_line_id']}, {'columns': ['_load_id']}, {'columns': ['order_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_shop__order_lines'), 'order_line_id') }}

versions as (
    select
        -- ids
        order_line_id,
        order_id,
        product_id,
        -- quantities and amounts
        quantity,
        unit_price,
        discount_amount,
        -- timestamps
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('order_line_id') }}                as is_latest_version,
        -- load metadata
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'order_line_id') }}
)

select * from final
