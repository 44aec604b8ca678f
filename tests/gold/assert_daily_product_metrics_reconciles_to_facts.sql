{#-
    Every (day, product) of daily_product_metrics holds exactly the facts' lines,
    units, gross, discount, net revenue and cost of that product that day, to the
    cent; a pair on one side only fails. Returns the pairs that disagree. A
    daily build compares the days it changed (where_key_changed).
-#}

with

{%- set changed_days = where_key_changed('order_date', [
    [ref('daily_product_metrics'), 'order_date'], [ref('fct_order_lines'), 'order_date'],
]) %}

metrics as (
    select * from {{ ref('daily_product_metrics') }}
    {{ changed_days }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    {{ changed_days }}
),

facts_by_product_day as (
    select
        order_date,
        coalesce(product_id, {{ unknown_member_key() }}) as product_id,
        count(*)                                         as line_count,
        sum(quantity)                                    as units_sold,
        sum(gross_amount)                                as gross_revenue,
        sum(discount_amount)                             as discount_amount,
        sum(net_amount)                                  as net_revenue,
        sum(cost_amount)                                 as cost_amount
    from order_lines
    group by order_date, coalesce(product_id, {{ unknown_member_key() }})
),

compared as (
    select
        coalesce(metrics.order_date, facts.order_date) as order_date,
        coalesce(metrics.product_id, facts.product_id) as product_id,
        metrics.order_date is null                     as is_missing_in_gold,
        facts.order_date is null                       as is_missing_in_facts,
        metrics.line_count                             as gold_line_count,
        facts.line_count                               as fact_line_count,
        metrics.units_sold                             as gold_units_sold,
        facts.units_sold                               as fact_units_sold,
        metrics.gross_revenue                          as gold_gross_revenue,
        facts.gross_revenue                            as fact_gross_revenue,
        metrics.discount_amount                        as gold_discount_amount,
        facts.discount_amount                          as fact_discount_amount,
        metrics.net_revenue                            as gold_net_revenue,
        facts.net_revenue                              as fact_net_revenue,
        metrics.cost_amount                            as gold_cost_amount,
        facts.cost_amount                              as fact_cost_amount
    from metrics
    full outer join facts_by_product_day as facts
        on metrics.order_date = facts.order_date
            and metrics.product_id = facts.product_id
)

select *
from compared
where is_missing_in_gold
    or is_missing_in_facts
    or gold_line_count <> fact_line_count
    or gold_units_sold <> fact_units_sold
    or gold_gross_revenue <> fact_gross_revenue
    or gold_discount_amount <> fact_discount_amount
    or gold_net_revenue <> fact_net_revenue
    or coalesce(gold_cost_amount, 0) <> coalesce(fact_cost_amount, 0)
    or (gold_cost_amount is null) <> (fact_cost_amount is null)
