{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['order_id']}]) }}

{#-
    Shop orders (macro base_model): an order needs a placing time no later
    than its batch and a known status; negative shipping or tax rejects it.
-#}
{%- set currency = 'upper(' ~ clean_text('source.currency_code') ~ ')' %}
{{ base_model('shop', 'orders', key='order_id', columns={
        'order_id': clean_text('source.order_id'),
        'order_number': clean_text('source.order_number'),
        'customer_id': clean_text('source.customer_id'),
        'order_status': spelling_lookup('order_status', 'source.order_status'),
        'sales_channel': spelling_lookup('sales_channel', 'source.sales_channel'),
        'currency_code': 'case when ' ~ regex_matches(currency, '^[A-Z]{3}$')
            ~ ' then ' ~ currency ~ ' end',
        'shipping_amount': safe_numeric('source.shipping_amount'),
        'tax_amount': safe_numeric('source.tax_amount'),
        'ordered_at': safe_timestamp('source.order_ts'),
        'updated_at': safe_timestamp('source.updated_at'),
    },
    rejections=[
        timestamp_checks('order_ts', 'ordered_at'),
        missing_or('unrecognised', 'order_status'),
        ['shipping_amount < 0', 'negative_shipping_amount'],
        ['tax_amount < 0', 'negative_tax_amount'],
    ],
    issues=[
        ['customer_id is null', 'missing_customer_id'],
        ['order_number is null', 'missing_order_number'],
        missing_or('unrecognised', 'sales_channel'),
        missing_or('invalid', 'currency_code'),
        missing_or('unparseable', 'shipping_amount'),
        missing_or('unparseable', 'tax_amount'),
    ],
    standardised=['order_status', 'sales_channel', 'currency_code'],
) }}
