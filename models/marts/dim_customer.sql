{{ config(indexes=[
    {'columns': ['customer_key'], 'unique': true},
    {'columns': ['customer_id', 'valid_from'], 'unique': true},
]) }}

{#-
    Customers as a hybrid slowly changing dimension (int_customers_versioned):
    a move or a segment or status change makes a version (type 2), a corrected
    e-mail or phone overwrites (type 1). Without personal data in clear: the e-mail
    address is a keyed pseudonym (to count and join on), the phone shows its last
    four digits; names, street, postal code and date of birth are in
    pii.dim_customer_pii, under the same customer_key, for the PII reader only.
-#}

with

customers as (
    select * from {{ ref('int_customers_versioned') }}
),

crm_batches as (
    select _batch_date from {{ ref('stg_crm__customers') }}
),

as_of as (
    -- the day ages and tenures are measured on: the latest CRM batch
    select {{ as_of_date('crm_batches', '_batch_date') }}       as as_of_date
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
        -- dates and ages
        registration_date,
        {{ age_in_years('date_of_birth', 'as_of.as_of_date') }}
                                                                as age_years,
        {{ age_group(age_in_years('date_of_birth', 'as_of.as_of_date')) }}
                                                                as age_group,
        cast({{ dbt.datediff('registration_date', 'as_of.as_of_date', 'day') }}
            as {{ dbt.type_int() }})                            as tenure_days,
        -- quality
        data_issues,
        -- versions
        updated_at,
        last_changed_at,
        {{ scd2_validity('customer_id') }}
    from customers
    cross join as_of
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
        -- dates and ages
        cast(null as date)                                      as registration_date,
        cast(null as {{ dbt.type_int() }})                      as age_years,
        'Unknown'                                               as age_group,
        cast(null as {{ dbt.type_int() }})                      as tenure_days,
        -- quality
        cast(null as {{ dbt.type_string() }})                   as data_issues,
        -- versions
        cast(null as {{ dbt.type_timestamp() }})                as updated_at,
        cast(null as {{ dbt.type_timestamp() }})                as last_changed_at,
        {{ unknown_member_validity() }}
),

final as (
    select * from versions
    union all
    select * from unknown_member
)

select * from final
