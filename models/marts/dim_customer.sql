{{ config(indexes=[
    {'columns': ['customer_key'], 'unique': true},
    {'columns': ['customer_id', 'valid_from'], 'unique': true},
]) }}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

versions as (
    select
        -- keys
        {{ dbt.hash(dbt.concat([
            'customer_id', "'|'", 'cast(updated_at as ' ~ dbt.type_string() ~ ')'
        ])) }}                                                  as customer_key,
        customer_id,
        -- person
        first_name,
        last_name,
        email,
        is_email_valid,
        phone,
        date_of_birth,
        gender,
        -- address
        address,
        city,
        state_code,
        postal_code,
        country_code,
        -- categories
        customer_segment,
        account_status,
        -- dates
        registration_date,
        -- quality
        data_issues,
        -- versions
        updated_at,
        {{ scd2_validity('customer_id') }}
    from customers
),

unknown_member as (
    select
        -- keys
        {{ unknown_member_key() }}                              as customer_key,
        {{ unknown_member_key() }}                              as customer_id,
        -- person
        'Unknown'                                               as first_name,
        'Unknown'                                               as last_name,
        cast(null as {{ dbt.type_string() }})                   as email,
        false                                                   as is_email_valid,
        cast(null as {{ dbt.type_string() }})                   as phone,
        cast(null as date)                                      as date_of_birth,
        cast(null as {{ dbt.type_string() }})                   as gender,
        -- address
        cast(null as {{ dbt.type_string() }})                   as address,
        cast(null as {{ dbt.type_string() }})                   as city,
        cast(null as {{ dbt.type_string() }})                   as state_code,
        cast(null as {{ dbt.type_string() }})                   as postal_code,
        cast(null as {{ dbt.type_string() }})                   as country_code,
        -- categories
        'Unknown'                                               as customer_segment,
        'Unknown'                                               as account_status,
        -- dates
        cast(null as date)                                      as registration_date,
        -- quality
        cast(null as {{ dbt.type_string() }})                   as data_issues,
        -- versions
        cast(null as {{ dbt.type_timestamp() }})                as updated_at,
        cast(0 as {{ dbt.type_bigint() }})                      as version_number,
        {{ beginning_of_time() }}                               as valid_from,
        {{ end_of_time() }}                                     as valid_to,
        true                                                    as is_current
),

final as (
    select * from versions
    union all
    select * from unknown_member
)

select * from final
