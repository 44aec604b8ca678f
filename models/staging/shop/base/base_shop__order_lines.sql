{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['order_line_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('shop', 'order_lines') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.order_line_id') }}                as order_line_id,
        {{ clean_text('source.order_id') }}                     as order_id,
        {{ clean_text('source.product_id') }}                   as product_id,
        -- quantities and amounts
        {{ safe_integer('source.quantity') }}                   as quantity,
        {{ safe_numeric('source.unit_price') }}                 as unit_price,
        -- a line sent without a discount has none
        case
            when {{ is_blank('source.discount_amount') }}
                then cast(0 as {{ type_amount() }})
            else {{ safe_numeric('source.discount_amount') }}
        end                                                     as discount_amount,
        -- timestamps
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.quantity                                         as source_quantity,
        source.unit_price                                       as source_unit_price,
        source.discount_amount                                  as source_discount_amount,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('shop', 'order_lines') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when order_line_id is null then 'missing_order_line_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
            when order_id is null then 'missing_order_id'
            when {{ is_blank('source_quantity') }} then 'missing_quantity'
            when quantity is null then 'unparseable_quantity'
            when quantity <= 0 then 'non_positive_quantity'
            when {{ is_blank('source_unit_price') }} then 'missing_unit_price'
            when unit_price is null then 'unparseable_unit_price'
            when unit_price < 0 then 'negative_unit_price'
            when discount_amount is null then 'unparseable_discount_amount'
            when discount_amount < 0 then 'negative_discount_amount'
            when discount_amount > quantity * unit_price then 'discount_exceeds_gross'
        end                                                     as rejection_reason,
        {{ issue_list([
            ["product_id is null", "missing_product_id"],
            [is_blank('source_discount_amount'), "missing_discount_amount"],
        ]) }}                                                   as data_issues
    from cleaned
),

final as (
    select
        -- ids
        order_line_id,
        order_id,
        product_id,
        -- quantities and amounts
        quantity,
        unit_price,
        discount_amount,
        -- timestamps
        updated_at,
        -- quality
        data_issues,
        rejection_reason,
        -- load metadata
        {{ load_metadata() }}
    from validated
)

select * from final
