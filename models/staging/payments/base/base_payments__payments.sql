{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['payment_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('payments', 'payments') }}
),

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.payment_id') }}                   as payment_id,
        {{ clean_text('source.order_id') }}                     as order_id,
        -- categories
        method_spelling.canonical_value                         as payment_method,
        status_spelling.canonical_value                         as payment_status,
        -- amounts
        {{ safe_numeric('source.amount') }}                     as amount,
        -- timestamps
        {{ safe_timestamp('source.paid_at') }}                  as paid_at,
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.payment_method                                   as source_payment_method,
        source.payment_status                                   as source_payment_status,
        source.amount                                           as source_amount,
        source.paid_at                                          as source_paid_at,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('payments', 'payments') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    left join enum_spellings as method_spelling
        on method_spelling.domain = 'payment_method'
        and method_spelling.spelling = {{ enum_key('source.payment_method') }}
    left join enum_spellings as status_spelling
        on status_spelling.domain = 'payment_status'
        and status_spelling.spelling = {{ enum_key('source.payment_status') }}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when payment_id is null then 'missing_payment_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
            when order_id is null then 'missing_order_id'
            when {{ is_blank('source_payment_status') }} then 'missing_payment_status'
            when payment_status is null then 'unrecognised_payment_status'
            when {{ is_blank('source_amount') }} then 'missing_amount'
            when amount is null then 'unparseable_amount'
            when amount < 0 then 'negative_amount'
            when {{ is_after_batch('paid_at') }} then 'future_paid_at'
        end                                                     as rejection_reason,
        {{ issue_list([
            [is_blank('source_payment_method'), "missing_payment_method"],
            [is_unparseable('source_payment_method', 'payment_method'),
                "unrecognised_payment_method"],
            [is_unparseable('source_paid_at', 'paid_at'), "unparseable_paid_at"],
        ]) }}                                                   as data_issues,
        {{ standardised_list([
            ['source_payment_method', 'payment_method', 'payment_method'],
            ['source_payment_status', 'payment_status', 'payment_status'],
        ]) }}                                                   as standardised_values
    from cleaned
),

final as (
    select
        -- ids
        payment_id,
        order_id,
        -- categories
        payment_method,
        payment_status,
        -- amounts
        amount,
        -- timestamps
        paid_at,
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
