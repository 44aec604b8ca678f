with

source as (
    select * from {{ source('crm', 'customers') }}
),

cleaned as (
    select
        -- ids
        nullif(trim(customer_id), '')                   as customer_id,
        -- person
        nullif(trim(first_name), '')                    as first_name,
        nullif(trim(last_name), '')                     as last_name,
        lower(nullif(trim(email), ''))                  as email,
        -- address
        nullif(trim(city), '')                          as city,
        upper(nullif(trim(state), ''))                  as state,
        upper(nullif(trim(country), ''))                as country,
        -- categories
        case lower(trim(customer_segment))
            when 'basic' then 'Basic'
            when 'standard' then 'Standard'
            when 'premium' then 'Premium'
            when 'vip' then 'VIP'
        end                                             as customer_segment,
        case lower(trim(account_status))
            when 'active' then 'Active'
            when 'inactive' then 'Inactive'
        end                                             as account_status,
        -- dates and timestamps
        {{ safe_date('registration_date') }}            as registration_date,
        {{ safe_timestamp('updated_at') }}              as updated_at,
        -- load metadata
        _batch_date,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at
    from source
),

versioned as (
    select
        cleaned.*,
        row_number() over (
            partition by customer_id
            order by updated_at desc nulls last, _batch_date desc, _source_line desc
        ) = 1                                           as is_latest_version
    from cleaned
)

select * from versioned
