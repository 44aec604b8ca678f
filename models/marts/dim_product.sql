{{ config(indexes=[
    {'columns': ['product_key'], 'unique': true},
    {'columns': ['product_id', 'valid_from'], 'unique': true},
]) }}

with

products as (
    select * from {{ ref('stg_catalog__products') }}
),

versions as (
    select
        -- keys
        {{ version_key('product_id') }}                         as product_key,
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
        lag(retail_price) over (
            partition by product_id
            order by updated_at asc nulls last
        )                                                       as previous_retail_price,
        -- quality
        data_issues,
        -- versions
        updated_at,
        {{ scd2_validity('product_id') }}
    from products
),

priced as (
    select
        versions.*,
        case
            when retail_price > 0 and unit_cost is not null
                then cast(
                    (cast(retail_price as {{ dbt.type_numeric() }}) - unit_cost)
                    / cast(retail_price as {{ dbt.type_numeric() }})
                    as numeric(9, 4)
                )
        end                                                     as gross_margin_rate
    from versions
),

unknown_member as (
    select
        -- keys
        {{ unknown_member_key() }}                              as product_key,
        {{ unknown_member_key() }}                              as product_id,
        -- descriptions
        'Unknown'                                               as product_name,
        'Unknown'                                               as category,
        'Unknown'                                               as subcategory,
        'Unknown'                                               as brand,
        -- categories
        'Unknown'                                               as product_status,
        -- amounts
        cast(null as {{ type_amount() }})                       as unit_cost,
        cast(null as {{ type_amount() }})                       as retail_price,
        cast(null as {{ type_amount() }})                       as previous_retail_price,
        -- quality
        cast(null as {{ dbt.type_string() }})                   as data_issues,
        -- versions
        cast(null as {{ dbt.type_timestamp() }})                as updated_at,
        cast(0 as {{ dbt.type_bigint() }})                      as version_number,
        {{ beginning_of_time() }}                               as valid_from,
        {{ end_of_time() }}                                     as valid_to,
        true                                                    as is_current,
        cast(null as numeric(9, 4))                             as gross_margin_rate
),

final as (
    select
        -- keys
        product_key,
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
        previous_retail_price,
        gross_margin_rate,
        -- quality
        data_issues,
        -- versions
        updated_at,
        version_number,
        valid_from,
        valid_to,
        is_current
    from priced
    union all
    select
        product_key,
        product_id,
        product_name,
        category,
        subcategory,
        brand,
        product_status,
        unit_cost,
        retail_price,
        previous_retail_price,
        gross_margin_rate,
        data_issues,
        updated_at,
        version_number,
        valid_from,
        valid_to,
        is_current
    from unknown_member
)

select * from final
