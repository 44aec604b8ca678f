{{ config(indexes=[
    {'columns': ['product_key'], 'unique': true},
    {'columns': ['product_id', 'valid_from'], 'unique': true},
]) }}

{#-
    Products as a type 2 slowly changing dimension with their price history:
    every staged version (a price, a cost, a status change) valid from its
    updated_at to the next one's, plus the unknown member for lines whose
    product never arrived.
-#}

with

products as (
    select * from {{ ref('stg_catalog__products') }}
),

{%- set previous_retail_price -%}
    lag(retail_price) over (partition by product_id order by updated_at asc nulls last)
{%- endset %}
{%- set gross_margin_rate -%}
    case
        when retail_price > 0 and unit_cost is not null
            then cast(
                {{ exact_divide('retail_price - unit_cost', 'retail_price', 4) }}
                as numeric(9, 4)
            )
    end
{%- endset %}

{{ scd2_dimension('products', 'product_id', 'product_key', columns=[
    'product_name', 'category', 'subcategory', 'brand',
    'product_status',
    'unit_cost', 'retail_price', ['previous_retail_price', previous_retail_price],
    ['gross_margin_rate', gross_margin_rate],
    'data_issues', 'updated_at',
], unknown_member={
    'product_name': "'Unknown'", 'category': "'Unknown'", 'subcategory': "'Unknown'",
    'brand': "'Unknown'", 'product_status': "'Unknown'",
}) }}
