with

base as (
    select * from {{ ref('base_crm__customers') }}
    where rejection_reason is null
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at): a later batch's row wins (the
        -- source sent the version again); within a file the first row wins (a
        -- repeat further down is a duplicate)
        row_number() over (
            partition by customer_id, updated_at
            order by _batch_date desc nulls last, _load_id desc nulls last,
                _source_line asc nulls last
        )                                                       as version_row_number
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
        row_number() over (
            partition by customer_id
            order by updated_at desc nulls last
        ) = 1                                                   as is_latest_version,
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
