{#- The current state of each customer: what the SCD2 snapshot records run by run. -#}
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

final as (
    select
        -- ids
        customer_id,
        -- person
        first_name,
        last_name,
        email,
        phone,
        -- address
        address,
        city,
        state_code,
        postal_code,
        country_code,
        -- categories
        customer_segment,
        account_status,
        -- timestamps
        updated_at
    from customers
    where is_latest_version
)

select * from final
