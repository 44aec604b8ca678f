{{ config(indexes=[{'columns': ['order_id']}, {'columns': ['_load_id']}]) }}

{{ staged_versions(ref('base_shop__orders'), 'order_id', columns=[
    'order_number', 'customer_id',
    'order_status', 'sales_channel', 'currency_code',
    'shipping_amount', 'tax_amount',
    'ordered_at',
]) }}
