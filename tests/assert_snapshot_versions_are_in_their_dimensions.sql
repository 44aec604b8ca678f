{#-
    The audit trail and the dimensions agree: every version a snapshot recorded
    is in its dimension, with the same attributes. A product version is a row
    of dim_product (same product_id and updated_at); a customer version is
    covered by the dim_customer version valid at its updated_at, with the same
    type-2 attributes (type-1 corrections overwrite, so the e-mail and phone
    are not compared). Records a reload replaced are left out: the snapshot
    keeps what an earlier build saw of them, on purpose.
-#}
{%- set customer_columns = [
    'city', 'state_code', 'country_code', 'customer_segment', 'account_status',
] -%}
{%- set product_columns = [
    'product_name', 'category', 'subcategory', 'brand', 'product_status',
    'unit_cost', 'retail_price',
] -%}

with

customer_snapshot as (
    select * from {{ ref('snp_crm__customers') }}
),

product_snapshot as (
    select * from {{ ref('snp_catalog__products') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

replaced_records as (
    select
        entity,
        record_id
    from {{ ref('int_replaced_records') }}
),

missing_customer_versions as (
    select
        'customers'                   as entity,
        customer_snapshot.customer_id as record_id,
        customer_snapshot.updated_at
    from customer_snapshot
    left join customers
        on customer_snapshot.customer_id = customers.customer_id
            and customer_snapshot.updated_at >= customers.valid_from
            and customer_snapshot.updated_at < customers.valid_to
            {%- for column in customer_columns %}
                and customer_snapshot.{{ column }}
                is not distinct from customers.{{ column }}
            {%- endfor %}
    where customers.customer_key is null
),

missing_product_versions as (
    select
        'products'                  as entity,
        product_snapshot.product_id as record_id,
        product_snapshot.updated_at
    from product_snapshot
    left join products
        on product_snapshot.product_id = products.product_id
            and product_snapshot.updated_at = products.updated_at
            {%- for column in product_columns %}
                and product_snapshot.{{ column }}
                is not distinct from products.{{ column }}
            {%- endfor %}
    where products.product_key is null
),

missing_versions as (
    select * from missing_customer_versions
    union all
    select * from missing_product_versions
),

final as (
    select missing_versions.*
    from missing_versions
    left join replaced_records
        on missing_versions.entity = replaced_records.entity
            and missing_versions.record_id = replaced_records.record_id
    where replaced_records.record_id is null
)

select * from final
