{{ config(indexes=[{'columns': ['customer_key'], 'unique': true}]) }}

{#-
    The personal data of each customer version, in clear: names, e-mail, phone,
    date of birth (type 1: the current values on every version), street and
    postal code (type 2), under dim_customer's customer_key.
    Schema pii: the PII reader role only (docs/data-protection.md); analysts
    see dim_customer, where these are pseudonymised, masked or left out.
-#}

with

customers as (
    select * from {{ ref('int_customers_versioned') }}
),

final as (
    select
        -- keys
        {{ version_key('customer_id') }} as customer_key,
        customer_id,
        -- person
        first_name,
        last_name,
        email,
        phone,
        date_of_birth,
        -- address
        address,
        postal_code,
        -- versions
        updated_at
    from customers
)

select * from final
