{#- The current state of each product: what the SCD2 snapshot records run by run. -#}
with

products as (
    select * from {{ ref('stg_catalog__products') }}
),

final as (
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
        updated_at
    from products
    where is_latest_version
)

select * from final
