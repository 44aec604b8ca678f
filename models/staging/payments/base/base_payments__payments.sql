{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['payment_id']}]) }}

{#-
    Payments (macro base_model): a payment needs its order, a known status and
    an amount that is not negative, and cannot be paid after its batch.
-#}
{{ base_model('payments', 'payments', key='payment_id', columns={
        'payment_id': clean_text('source.payment_id'),
        'order_id': clean_text('source.order_id'),
        'payment_method': spelling_lookup('payment_method', 'source.payment_method'),
        'payment_status': spelling_lookup('payment_status', 'source.payment_status'),
        'amount': safe_numeric('source.amount'),
        'paid_at': safe_timestamp('source.paid_at'),
        'updated_at': safe_timestamp('source.updated_at'),
    },
    rejections=[
        ['order_id is null', 'missing_order_id'],
        missing_or('unrecognised', 'payment_status'),
        missing_or('unparseable', 'amount'),
        ['amount < 0', 'negative_amount'],
        [is_after_batch('paid_at'), 'future_paid_at'],
    ],
    issues=[
        missing_or('unrecognised', 'payment_method'),
        [is_unparseable('source_paid_at', 'paid_at'), 'unparseable_paid_at'],
    ],
    standardised=['payment_method', 'payment_status'],
) }}
