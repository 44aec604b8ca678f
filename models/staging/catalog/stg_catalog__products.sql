{{ config(
    unique_key='product_id',
    indexes=[{'columns': ['product_id']}, {'columns': ['_load_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_catalog__products'), 'product_id') }}

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
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'product_id') }}
)

select * from final
