{{ config(indexes=[
    {'columns': ['product_key'], 'unique': true},
    {'columns': ['product_id', 'valid_from'], 'unique': true},
]) }}

{#-
    Products as a type 2 slowly changing dimension with their price history:
    every staged version (a price, a cost, a status change) valid from its
    updated_at to the next one's, plus the unknown member for lines whose
    product never arrived.
-#}

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
        case
            when retail_price > 0 and unit_cost is not null
                then cast(
                    (cast(retail_price as {{ dbt.type_numeric() }}) - unit_cost)
                    / cast(retail_price as {{ dbt.type_numeric() }})
                    as numeric(9, 4)
                )
        end                                                     as gross_margin_rate,
        -- quality
        data_issues,
        -- versions
        updated_at,
        {{ scd2_validity('product_id') }}
    from products
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
        cast(null as numeric(9, 4))                             as gross_margin_rate,
        -- quality
        cast(null as {{ dbt.type_string() }})                   as data_issues,
        -- versions
        cast(null as {{ dbt.type_timestamp() }})                as updated_at,
        {{ unknown_member_validity() }}
),

final as (
    select * from versions
    union all
    select * from unknown_member
)

select * from final
