{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['product_id']}]) }}

{#-
    One row per raw row: cleaned, cast, flagged, and rejected (with the reason)
    when it cannot be used. Incremental: a run cleans only the loads above the
    highest one the table holds, and deletes the rows of loads a reload replaced.
-#}
with

source as (
    {{ current_raw_rows('catalog', 'products') }}
),

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('source.product_id') }}                   as product_id,
        -- descriptions
        {{ clean_text('source.product_name') }}                 as product_name,
        {{ clean_name('source.category') }}                     as category,
        {{ clean_name('source.subcategory') }}                  as subcategory,
        {{ clean_text('source.brand') }}                        as brand,
        -- categories
        status_spelling.canonical_value                         as product_status,
        -- amounts
        {{ safe_numeric('source.unit_cost') }}                  as unit_cost,
        {{ safe_numeric('source.retail_price') }}               as retail_price,
        -- timestamps
        {{ safe_timestamp('source.updated_at') }}               as updated_at,
        -- source values the checks below need
        source.product_status                                   as source_product_status,
        source.unit_cost                                        as source_unit_cost,
        source.retail_price                                     as source_retail_price,
        source.product_name                                    as source_product_name,
        source.category                                        as source_category,
        source.subcategory                                     as source_subcategory,
        source.brand                                           as source_brand,
        source.updated_at                                       as source_updated_at,
        -- a value longer than any source sends (rejected below)
        {{ first_too_long('catalog', 'products') }}
                                                                as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    left join enum_spellings as status_spelling
        on status_spelling.domain = 'product_status'
        and status_spelling.spelling = {{ enum_key('source.product_status') }}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when product_id is null then 'missing_product_id'
            when {{ is_blank('source_updated_at') }} then 'missing_updated_at'
            when updated_at is null then 'unparseable_updated_at'
            when {{ is_after_batch('updated_at') }} then 'future_updated_at'
            when {{ is_blank('source_retail_price') }} then 'missing_retail_price'
            when retail_price is null then 'unparseable_retail_price'
            when retail_price < 0 then 'negative_retail_price'
            when unit_cost < 0 then 'negative_unit_cost'
        end                                                     as rejection_reason,
        {{ issue_list([
            ["product_name is null", "missing_product_name"],
            [is_blank('source_product_status'), "missing_product_status"],
            [is_unparseable('source_product_status', 'product_status'),
                "unrecognised_product_status"],
            [is_blank('source_unit_cost'), "missing_unit_cost"],
            [is_unparseable('source_unit_cost', 'unit_cost'), "unparseable_unit_cost"],
        ]) }}                                                   as data_issues,
        {{ standardised_list([
            ['source_product_name', 'product_name', 'product_name'],
            ['source_category', 'category', 'category'],
            ['source_subcategory', 'subcategory', 'subcategory'],
            ['source_brand', 'brand', 'brand'],
            ['source_product_status', 'product_status', 'product_status'],
        ]) }}                                                   as standardised_values
    from cleaned
),

final as (
    select
        -- ids
        product_id,
        -- descriptions
        product_name,
        category,
        subcategory,
        brand,
        -- categories
        product_status,
        -- amounts
        unit_cost,
        retail_price,
        -- timestamps
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
