{{ config(indexes=[{'columns': ['product_id']}, {'columns': ['_load_id']}]) }}

{{ staged_versions(ref('base_catalog__products'), 'product_id', columns=[
    'product_name', 'category', 'subcategory', 'brand',
    'product_status',
    'unit_cost', 'retail_price',
]) }}
