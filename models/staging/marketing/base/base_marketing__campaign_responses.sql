{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['response_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('marketing', 'campaign_responses') }}
),

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.response_id') }}                  as response_id,
        {{ clean_text('source.campaign_id') }}                  as campaign_id,
        {{ clean_text('source.customer_id') }}                  as customer_id,
        -- categories
        type_spelling.canonical_value                           as response_type,
        -- amounts
        {{ safe_numeric('source.conversion_value') }}           as conversion_value,
        -- timestamps
        {{ safe_timestamp('source.response_ts') }}              as responded_at,
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.response_type                                    as source_response_type,
        source.conversion_value                                as source_conversion_value,
        source.response_ts                                      as source_response_ts,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('marketing', 'campaign_responses') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    left join enum_spellings as type_spelling
        on type_spelling.domain = 'response_type'
        and type_spelling.spelling = {{ enum_key('source.response_type') }}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when response_id is null then 'missing_response_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
            when {{ is_blank('source_response_ts') }} then 'missing_response_ts'
            when responded_at is null then 'unparseable_response_ts'
            when {{ is_after_batch('responded_at') }} then 'future_response_ts'
            when {{ is_blank('source_response_type') }} then 'missing_response_type'
            when response_type is null then 'unrecognised_response_type'
            when conversion_value < 0 then 'negative_conversion_value'
        end                                                     as rejection_reason,
        {{ issue_list([
            ["campaign_id is null", "missing_campaign_id"],
            ["customer_id is null", "missing_customer_id"],
            [is_unparseable('source_conversion_value', 'conversion_value'),
                "unparseable_conversion_value"],
        ]) }}                                                   as data_issues,
        {{ standardised_list([
            ['source_response_type', 'response_type', 'response_type'],
        ]) }}                                                   as standardised_values
    from cleaned
),

final as (
    select
        -- ids
        response_id,
        campaign_id,
        customer_id,
        -- categories
        response_type,
        -- amounts
        conversion_value,
        -- timestamps
        responded_at,
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
