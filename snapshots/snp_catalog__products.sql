{#- The catalog's current state of each product, as each build saw it. -#}
{% snapshot snp_catalog__products %}

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
    from {{ ref('stg_catalog__products') }}
    where is_latest_version

{% endsnapshot %}
