{#- The CRM's current state of each customer, as each build saw it. -#}
{% snapshot snp_crm__customers %}

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
    from {{ ref('stg_crm__customers') }}
    where is_latest_version

{% endsnapshot %}
