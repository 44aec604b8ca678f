{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['customer_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('crm', 'customers') }}
),

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),

us_states as (
    select * from {{ ref('us_states') }}
),

state_spellings as (
    -- every way a state is written: its code, its name, its AP abbreviation
    select {{ enum_key('state_code') }} as spelling, state_code from us_states
    union
    select {{ enum_key('state_name') }} as spelling, state_code from us_states
    union
    select {{ enum_key('ap_abbreviation') }} as spelling, state_code from us_states
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.customer_id') }}                  as customer_id,
        -- person
        {{ clean_name('source.first_name') }}                   as first_name,
        {{ clean_name('source.last_name') }}                    as last_name,
        {{ clean_email('source.email') }}                       as email,
        {{ is_valid_email('source.email') }}                    as is_email_valid,
        {{ clean_phone('source.phone') }}                       as phone,
        {{ safe_date('source.date_of_birth') }}                 as date_of_birth,
        gender_spelling.canonical_value                         as gender,
        -- address
        {{ clean_text('source.address') }}                      as address,
        {{ clean_name('source.city') }}                         as city,
        state_spelling.state_code                               as state_code,
        {{ clean_text('source.postal_code') }}                  as postal_code,
        upper({{ clean_text('source.country') }})               as country_code,
        -- categories
        segment_spelling.canonical_value                        as customer_segment,
        status_spelling.canonical_value                         as account_status,
        -- dates and timestamps
        {{ safe_date('source.registration_date') }}             as registration_date,
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.first_name                                       as source_first_name,
        source.last_name                                        as source_last_name,
        source.phone                                            as source_phone,
        source.date_of_birth                                    as source_date_of_birth,
        source.gender                                           as source_gender,
        source.state                                            as source_state,
        source.customer_segment                                as source_customer_segment,
        source.account_status                                   as source_account_status,
        source.registration_date                              as source_registration_date,
        source.email                                           as source_email,
        source.city                                            as source_city,
        source.country                                         as source_country,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('crm', 'customers') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    left join enum_spellings as gender_spelling
        on gender_spelling.domain = 'gender'
        and gender_spelling.spelling = {{ enum_key('source.gender') }}
    left join state_spellings as state_spelling
        on state_spelling.spelling = {{ enum_key('source.state') }}
    left join enum_spellings as segment_spelling
        on segment_spelling.domain = 'customer_segment'
        and segment_spelling.spelling = {{ enum_key('source.customer_segment') }}
    left join enum_spellings as status_spelling
        on status_spelling.domain = 'account_status'
        and status_spelling.spelling = {{ enum_key('source.account_status') }}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when customer_id is null then 'missing_customer_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
        end                                                     as rejection_reason,
        {{ issue_list([
            ["first_name is null", "missing_first_name"],
            ["last_name is null", "missing_last_name"],
            ["email is null", "missing_email"],
            ["email is not null and not is_email_valid", "invalid_email"],
            [is_unparseable('source_phone', 'phone'), "invalid_phone"],
            [is_unparseable('source_date_of_birth', 'date_of_birth'),
                "unparseable_date_of_birth"],
            [is_after_batch('date_of_birth'), "future_date_of_birth"],
            [is_unparseable('source_gender', 'gender'), "unrecognised_gender"],
            [is_unparseable('source_state', 'state_code'), "unrecognised_state"],
            [is_blank('source_customer_segment'), "missing_customer_segment"],
            [is_unparseable('source_customer_segment', 'customer_segment'),
                "unrecognised_customer_segment"],
            [is_blank('source_account_status'), "missing_account_status"],
            [is_unparseable('source_account_status', 'account_status'),
                "unrecognised_account_status"],
            [is_blank('source_registration_date'), "missing_registration_date"],
            [is_unparseable('source_registration_date', 'registration_date'),
                "unparseable_registration_date"],
        ]) }}                                                   as data_issues,
        {{ standardised_list([
            ['source_first_name', 'first_name', 'first_name'],
            ['source_last_name', 'last_name', 'last_name'],
            ['source_email', 'email', 'email'],
            ['source_gender', 'gender', 'gender'],
            ['source_city', 'city', 'city'],
            ['source_state', 'state_code', 'state'],
            ['source_country', 'country_code', 'country'],
            ['source_customer_segment', 'customer_segment', 'customer_segment'],
            ['source_account_status', 'account_status', 'account_status'],
        ]) }}                                                   as standardised_values
    from cleaned
),

final as (
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
        standardised_values,
        rejection_reason,
        -- load metadata
        {{ load_metadata() }}
    from validated
)

select * from final
