{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['product_id']}]) }}

{#-
    Catalog products (macro base_model): a product needs a retail price, and
    neither price nor cost may be negative.
-#}
{{ base_model('catalog', 'products', key='product_id', columns={
        'product_id': clean_text('source.product_id'),
        'product_name': clean_text('source.product_name'),
        'category': clean_name('source.category'),
        'subcategory': clean_name('source.subcategory'),
        'brand': clean_text('source.brand'),
        'product_status': spelling_lookup('product_status', 'source.product_status'),
        'unit_cost': safe_numeric('source.unit_cost'),
        'retail_price': safe_numeric('source.retail_price'),
        'updated_at': safe_timestamp('source.updated_at'),
    },
    rejections=[
        missing_or('unparseable', 'retail_price'),
        ['retail_price < 0', 'negative_retail_price'],
        ['unit_cost < 0', 'negative_unit_cost'],
    ],
    issues=[
        ['product_name is null', 'missing_product_name'],
        missing_or('unrecognised', 'product_status'),
        missing_or('unparseable', 'unit_cost'),
    ],
    standardised=['product_name', 'category', 'subcategory', 'brand', 'product_status'],
) }}
