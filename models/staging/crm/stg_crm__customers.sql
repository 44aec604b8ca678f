with

base as (
    select * from {{ ref('base_crm__customers') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number('customer_id') }}                 as version_row_number
    from base
),

versions as (
    select
        -- ids
        customer_id,
        -- person
        first_name,
        last_name,
        email,
        is_email_valid,
        phone,
        case when {{ is_after_batch('date_of_birth') }} then null else date_of_birth end
                                                                as date_of_birth,
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
        -- dates and timestamps
        registration_date,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('customer_id') }}                  as is_latest_version,
        -- load metadata
        _batch_date,
        _source_file,
        _source_line,
        _load_id,
        _loaded_at,
        _row_hash
    from ranked
    where version_row_number = 1
)

select * from versions
