{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['order_line_id']}]) }}

{#-
    Shop order lines (macro base_model): a line needs its order, a positive
    quantity and a price; a line sent without a discount has none, and a
    discount may not exceed the line's gross amount.
-#}
{%- set discount -%}
    case
        when {{ is_blank('source.discount_amount') }} then cast(0 as {{ type_amount() }})
        else {{ safe_numeric('source.discount_amount') }}
    end
{%- endset %}
{{ base_model('shop', 'order_lines', key='order_line_id', columns={
        'order_line_id': clean_text('source.order_line_id'),
        'order_id': clean_text('source.order_id'),
        'product_id': clean_text('source.product_id'),
        'quantity': safe_integer('source.quantity'),
        'unit_price': safe_numeric('source.unit_price'),
        'discount_amount': discount,
        'updated_at': safe_timestamp('source.updated_at'),
    },
    rejections=[
        ['order_id is null', 'missing_order_id'],
        missing_or('unparseable', 'quantity'),
        ['quantity <= 0', 'non_positive_quantity'],
        missing_or('unparseable', 'unit_price'),
        ['unit_price < 0', 'negative_unit_price'],
        ['discount_amount is null', 'unparseable_discount_amount'],
        ['discount_amount < 0', 'negative_discount_amount'],
        ['discount_amount > quantity * unit_price', 'discount_exceeds_gross'],
    ],
    issues=[
        ['product_id is null', 'missing_product_id'],
        [is_blank('source_discount_amount'), 'missing_discount_amount'],
    ],
) }}
