{{ config(indexes=[
    {'columns': ['payment_id']}, {'columns': ['_load_id']}, {'columns': ['order_id']},
]) }}

{{ staged_versions(ref('base_payments__payments'), 'payment_id', columns=[
    'order_id',
    'payment_method', 'payment_status',
    'amount',
    'paid_at',
]) }}
