{#-
    Basket pairs: which products are bought together? For every pair of products
    in the same order (at least var('basket_min_orders', 2) orders together):
    orders with both, support (share of all multi-product orders), confidence
    (of the orders with A, the share that also have B) and lift (confidence over
    B's own share; above 1 means bought together more than by chance).
-#}

with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

order_products as (
    select distinct
        order_id,
        product_id
    from order_lines
    where product_id is not null
),

baskets as (
    -- orders with at least two different products
    select order_id
    from order_products
    group by order_id
    having count(*) >= 2
),

basket_products as (
    select
        order_products.order_id,
        order_products.product_id
    from order_products
    inner join baskets
        on order_products.order_id = baskets.order_id
),

basket_count as (
    select count(*) as basket_count
    from baskets
),

product_baskets as (
    select
        product_id,
        count(*) as basket_count
    from basket_products
    group by product_id
),

pairs as (
    select
        first_product.product_id  as product_a_id,
        second_product.product_id as product_b_id,
        count(*)                  as orders_together
    from basket_products as first_product
    inner join basket_products as second_product
        on first_product.order_id = second_product.order_id
            and first_product.product_id < second_product.product_id
    group by first_product.product_id, second_product.product_id
    having count(*) >= {{ var('basket_min_orders', 2) }}
),

final as (
    select
        pairs.product_a_id,
        product_a.product_name as product_a_name,
        pairs.product_b_id,
        product_b.product_name as product_b_name,
        pairs.orders_together,
        -- support: the market-basket measure's own name, a keyword to sqlfluff
        {{ gold_safe_divide('pairs.orders_together', 'basket_count.basket_count') }}
            as support,  -- noqa: RF04
        {{ gold_safe_divide('pairs.orders_together', 'baskets_a.basket_count') }}
            as confidence_a_to_b,
        {{ gold_safe_divide(
            'pairs.orders_together * basket_count.basket_count',
            'baskets_a.basket_count * baskets_b.basket_count') }}
            as lift
    from pairs
    cross join basket_count
    inner join product_baskets as baskets_a
        on pairs.product_a_id = baskets_a.product_id
    inner join product_baskets as baskets_b
        on pairs.product_b_id = baskets_b.product_id
    left join products as product_a
        on pairs.product_a_id = product_a.product_id
            and product_a.is_current
    left join products as product_b
        on pairs.product_b_id = product_b.product_id
            and product_b.is_current
)

select * from final
order by
    orders_together desc nulls last, lift desc nulls last,
    product_a_id asc nulls last, product_b_id asc nulls last
