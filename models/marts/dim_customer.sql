{{ config(indexes=[
    {'columns': ['customer_key'], 'unique': true},
    {'columns': ['customer_id', 'valid_from'], 'unique': true},
]) }}

{#-
    Customers as a type 2 dimension, without personal data in clear: the e-mail
    address is a keyed pseudonym (to count and join on), the phone shows its last
    four digits; names, street, postal code and date of birth are in
    pii.dim_customer_pii, under the same customer_key, for the PII reader only.
-#}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

versions as (
    select
        -- keys
        {{ version_key('customer_id') }}                        as customer_key,
        customer_id,
        -- person (pseudonymised and masked)
        {{ pseudonym('email') }}                                as email_pseudonym,
        is_email_valid,
        {{ mask_phone('phone') }}                               as phone_masked,
        gender,
        -- address (no street, no postal code)
        city,
        state_code,
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
        -- person (pseudonymised and masked)
        cast(null as {{ dbt.type_string() }})                   as email_pseudonym,
        false                                                   as is_email_valid,
        cast(null as {{ dbt.type_string() }})                   as phone_masked,
        cast(null as {{ dbt.type_string() }})                   as gender,
        -- address (no street, no postal code)
        cast(null as {{ dbt.type_string() }})                   as city,
        cast(null as {{ dbt.type_string() }})                   as state_code,
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
