with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

current_customers as (
    select
        {{ dbt.hash('customer_id') }}                   as customer_key,
        customer_id,
        first_name,
        last_name,
        email,
        city,
        state,
        country,
        customer_segment,
        account_status,
        registration_date,
        updated_at
    from customers
    where is_latest_version
        and customer_id is not null
),

unknown_member as (
    select
        '-1'                                            as customer_key,
        '-1'                                            as customer_id,
        cast(null as {{ dbt.type_string() }})           as first_name,
        cast(null as {{ dbt.type_string() }})           as last_name,
        cast(null as {{ dbt.type_string() }})           as email,
        cast(null as {{ dbt.type_string() }})           as city,
        cast(null as {{ dbt.type_string() }})           as state,
        cast(null as {{ dbt.type_string() }})           as country,
        'Unknown'                                       as customer_segment,
        'Unknown'                                       as account_status,
        cast(null as date)                              as registration_date,
        cast(null as {{ dbt.type_timestamp() }})        as updated_at
),

final as (
    select * from current_customers
    union all
    select * from unknown_member
)

select * from final
