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
    select {{ as_of_date('crm_batches', '_batch_date') }} as as_of_date
),

{%- set age_years = age_in_years('date_of_birth', 'as_of.as_of_date') %}
{%- set tenure_days -%}
    cast({{ dbt.datediff('registration_date', 'as_of.as_of_date', 'day') }}
        as {{ dbt.type_int() }})
{%- endset %}

{{ scd2_dimension('customers cross join as_of', 'customer_id', 'customer_key', columns=[
    ['email_pseudonym', pseudonym('email')], 'is_email_valid',
    ['phone_masked', mask_phone('phone')], 'gender',
    'city', 'state_code', 'country_code',
    'customer_segment', 'account_status',
    'registration_date', ['age_years', age_years], ['age_group', age_group(age_years)],
    ['tenure_days', tenure_days],
    'data_issues', 'updated_at', 'last_changed_at',
], unknown_member={
    'is_email_valid': 'false', 'customer_segment': "'Unknown'",
    'account_status': "'Unknown'", 'age_group': "'Unknown'",
}) }}
