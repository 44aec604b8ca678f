{{ config(indexes=[
    {'columns': ['order_line_id']}, {'columns': ['_load_id']}, {'columns': ['order_id']},
]) }}

{{ staged_versions(ref('base_shop__order_lines'), 'order_line_id', columns=[
    'order_id', 'product_id',
    'quantity', 'unit_price', 'discount_amount',
]) }}
