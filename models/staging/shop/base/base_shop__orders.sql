{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['order_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('shop', 'orders') }}
),

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.order_id') }}                     as order_id,
        {{ clean_text('source.order_number') }}                 as order_number,
        {{ clean_text('source.customer_id') }}                  as customer_id,
        -- categories
        status_spelling.canonical_value                         as order_status,
        channel_spelling.canonical_value                        as sales_channel,
        {%- set currency = 'upper(' ~ clean_text('source.currency_code') ~ ')' %}
        case
            when {{ regex_matches(currency, '^[A-Z]{3}$') }} then {{ currency }}
        end                                                     as currency_code,
        -- amounts
        {{ safe_numeric('source.shipping_amount') }}            as shipping_amount,
        {{ safe_numeric('source.tax_amount') }}                 as tax_amount,
        -- timestamps
        {{ safe_timestamp('source.order_ts') }}                 as ordered_at,
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.order_status                                     as source_order_status,
        source.sales_channel                                    as source_sales_channel,
        source.currency_code                                    as source_currency_code,
        source.shipping_amount                                  as source_shipping_amount,
        source.tax_amount                                       as source_tax_amount,
        source.order_ts                                         as source_order_ts,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('shop', 'orders') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    left join enum_spellings as status_spelling
        on status_spelling.domain = 'order_status'
        and status_spelling.spelling = {{ enum_key('source.order_status') }}
    left join enum_spellings as channel_spelling
        on channel_spelling.domain = 'sales_channel'
        and channel_spelling.spelling = {{ enum_key('source.sales_channel') }}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when order_id is null then 'missing_order_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
            when {{ is_blank('source_order_ts') }} then 'missing_order_ts'
            when ordered_at is null then 'unparseable_order_ts'
            when {{ is_after_batch('ordered_at') }} then 'future_order_ts'
            when {{ is_blank('source_order_status') }} then 'missing_order_status'
            when order_status is null then 'unrecognised_order_status'
            when shipping_amount < 0 then 'negative_shipping_amount'
            when tax_amount < 0 then 'negative_tax_amount'
        end                                                     as rejection_reason,
        {{ issue_list([
            ["customer_id is null", "missing_customer_id"],
            ["order_number is null", "missing_order_number"],
            [is_blank('source_sales_channel'), "missing_sales_channel"],
            [is_unparseable('source_sales_channel', 'sales_channel'),
                "unrecognised_sales_channel"],
            [is_blank('source_currency_code'), "missing_currency_code"],
            [is_unparseable('source_currency_code', 'currency_code'),
                "invalid_currency_code"],
            [is_blank('source_shipping_amount'), "missing_shipping_amount"],
            [is_unparseable('source_shipping_amount', 'shipping_amount'),
                "unparseable_shipping_amount"],
            [is_blank('source_tax_amount'), "missing_tax_amount"],
            [is_unparseable('source_tax_amount', 'tax_amount'), "unparseable_tax_amount"],
        ]) }}                                                   as data_issues,
        {{ standardised_list([
            ['source_order_status', 'order_status', 'order_status'],
            ['source_sales_channel', 'sales_channel', 'sales_channel'],
            ['source_currency_code', 'currency_code', 'currency_code'],
        ]) }}                                                   as standardised_values
    from cleaned
),

final as (
    select
        -- ids
        order_id,
        order_number,
        customer_id,
        -- categories
        order_status,
        sales_channel,
        currency_code,
        -- amounts
        shipping_amount,
        tax_amount,
        -- timestamps
        ordered_at,
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
