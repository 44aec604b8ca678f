{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['campaign_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('marketing', 'campaigns') }}
),

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.campaign_id') }}                  as campaign_id,
        -- descriptions
        {{ clean_text('source.campaign_name') }}                as campaign_name,
        {{ clean_text('source.target_audience') }}              as target_audience,
        -- categories
        channel_spelling.canonical_value                        as channel,
        -- amounts
        {{ safe_numeric('source.budget_amount') }}              as budget_amount,
        -- dates and timestamps
        {{ safe_date('source.start_date') }}                    as start_date,
        {{ safe_date('source.end_date') }}                      as end_date,
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.channel                                          as source_channel,
        source.budget_amount                                    as source_budget_amount,
        source.start_date                                       as source_start_date,
        source.end_date                                         as source_end_date,
        source.campaign_name                                   as source_campaign_name,
        source.target_audience                                 as source_target_audience,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('marketing', 'campaigns') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    left join enum_spellings as channel_spelling
        on channel_spelling.domain = 'campaign_channel'
        and channel_spelling.spelling = {{ enum_key('source.channel') }}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when campaign_id is null then 'missing_campaign_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
            when budget_amount < 0 then 'negative_budget_amount'
        end                                                     as rejection_reason,
        {{ issue_list([
            ["campaign_name is null", "missing_campaign_name"],
            [is_blank('source_channel'), "missing_channel"],
            [is_unparseable('source_channel', 'channel'), "unrecognised_channel"],
            [is_blank('source_budget_amount'), "missing_budget_amount"],
            [is_unparseable('source_budget_amount', 'budget_amount'),
                "unparseable_budget_amount"],
            [is_blank('source_start_date'), "missing_start_date"],
            [is_unparseable('source_start_date', 'start_date'), "unparseable_start_date"],
            [is_blank('source_end_date'), "missing_end_date"],
            [is_unparseable('source_end_date', 'end_date'), "unparseable_end_date"],
            ["end_date < start_date", "end_date_before_start_date"],
        ]) }}                                                   as data_issues,
        {{ standardised_list([
            ['source_campaign_name', 'campaign_name', 'campaign_name'],
            ['source_channel', 'channel', 'channel'],
            ['source_target_audience', 'target_audience', 'target_audience'],
        ]) }}                                                   as standardised_values
    from cleaned
),

final as (
    select
        -- ids
        campaign_id,
        -- descriptions
        campaign_name,
        target_audience,
        -- categories
        channel,
        -- amounts
        budget_amount,
        -- dates and timestamps
        start_date,
        end_date,
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
