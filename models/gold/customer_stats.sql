{#-
    Who are our customers worth, and who is slipping away? One row per customer:
    lifetime value, first and last order, order count, average order value, days
    since the last order, churn risk and an RFM segment, measured as of
    as_of_date (the var gold_as_of_date, else the latest order day: never
    current_date, so a rebuild of the same data gives the same answer).

    Every customer of the CRM is here (with zero orders when they never ordered),
    plus every customer_id the shop sent that the CRM has not (is_known_customer
    false), plus '-1' for orders without a customer, so lifetime values add up to
    the net revenue of the facts.
-#}

with

current_customers as (
    select * from {{ ref('dim_customer') }}
    where is_current
),

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

as_of as (
    select {{ gold_as_of_date('orders') }} as as_of_date
),

orders_to_date as (
    select
        coalesce(orders.customer_id, {{ unknown_member_key() }}) as customer_id,
        orders.order_date,
        orders.order_status
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
),

lines_to_date as (
    select
        coalesce(order_lines.customer_id, {{ unknown_member_key() }}) as customer_id,
        order_lines.quantity,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount
    from order_lines
    cross join as_of
    where order_lines.order_date <= as_of.as_of_date
),

order_totals as (
    select
        customer_id,
        {{ gold_order_counts() | indent(4) }},
        min(order_date)                       as first_order_date,
        max(order_date)                       as last_order_date
    from orders_to_date
    group by customer_id
),

line_totals as (
    select
        customer_id,
        {{ gold_line_revenue() | indent(4) }}
    from lines_to_date
    group by customer_id
),

customer_ids as (
    select customer_id from current_customers
    union
    select customer_id from order_totals
),

customer_activity as (
    select
        customer_ids.customer_id,
        coalesce(order_totals.order_count, 0)                       as order_count,
        coalesce(order_totals.cancelled_order_count, 0)
            as cancelled_order_count,
        coalesce(order_totals.returned_order_count, 0)
            as returned_order_count,
        order_totals.first_order_date,
        order_totals.last_order_date,
        {{- gold_line_revenue_or_zero('line_totals') | indent(4) }},
        as_of.as_of_date,
        cast(
            {{ dbt.datediff('order_totals.last_order_date', 'as_of.as_of_date', 'day') }}
            as {{ dbt.type_int() }}
        )
            as days_since_last_order
    from customer_ids
    cross join as_of
    left join order_totals
        on customer_ids.customer_id = order_totals.customer_id
    left join line_totals
        on customer_ids.customer_id = line_totals.customer_id
),

rfm_ranks as (
    -- percent ranks among real customers with orders: ties share a score, so the
    -- scores are deterministic; 1 = worst fifth, 5 = best fifth
    select
        customer_id,
        percent_rank() over (order by days_since_last_order desc nulls first)
            as recency_rank,
        percent_rank() over (order by order_count asc nulls first)
            as frequency_rank,
        percent_rank() over (order by net_revenue asc nulls first)
            as monetary_rank
    from customer_activity
    where order_count > 0
        and customer_id <> {{ unknown_member_key() }}
),

rfm_scores as (
    select
        customer_id,
        {% for score in ['recency', 'frequency', 'monetary'] -%}
            case
                when {{ score }}_rank >= 1 then 5
                else 1 + cast(floor(5 * {{ score }}_rank) as {{ dbt.type_int() }})
            end as {{ score }}_score
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from rfm_ranks
),

final as (
    select
        -- keys
        customer_activity.customer_id,
        coalesce(current_customers.customer_key, {{ unknown_member_key() }})
            as customer_key,
        current_customers.customer_id is not null
        and customer_activity.customer_id <> {{ unknown_member_key() }}
            as is_known_customer,
        -- current attributes (no personal data)
        current_customers.customer_segment,
        current_customers.account_status,
        current_customers.state_code,
        current_customers.registration_date,
        current_customers.age_years,
        coalesce(current_customers.age_group, 'Unknown') as age_group,
        current_customers.tenure_days,
        -- orders
        customer_activity.order_count,
        customer_activity.cancelled_order_count,
        customer_activity.returned_order_count,
        customer_activity.first_order_date,
        customer_activity.last_order_date,
        customer_activity.units_sold                     as units_bought,
        -- value
        cast(customer_activity.gross_revenue as {{ type_amount() }})
            as lifetime_gross,
        cast(customer_activity.discount_amount as {{ type_amount() }})
            as lifetime_discount,
        cast(customer_activity.net_revenue as {{ type_amount() }})
            as lifetime_value,
        cast({{ gold_safe_divide('customer_activity.net_revenue',
            'customer_activity.order_count', 2) }} as {{ type_amount() }})
            as average_order_value,
        -- recency and churn
        customer_activity.as_of_date,
        customer_activity.days_since_last_order,
        case
            when customer_activity.order_count = 0 then 'no_orders'
            when customer_activity.days_since_last_order
                > {{ var('gold_churn_high_risk_days', 180) }} then 'high'
            when customer_activity.days_since_last_order
                > {{ var('gold_churn_medium_risk_days', 90) }} then 'medium'
            else 'low'
        end                                              as churn_risk,
        -- rfm
        rfm_scores.recency_score,
        rfm_scores.frequency_score,
        rfm_scores.monetary_score,
        case
            when rfm_scores.customer_id is null then 'unscored'
            when rfm_scores.recency_score >= 4 and rfm_scores.frequency_score >= 4
                and rfm_scores.monetary_score >= 4 then 'champions'
            when rfm_scores.recency_score >= 3 and rfm_scores.frequency_score >= 3
                then 'loyal'
            when rfm_scores.recency_score >= 4 then 'promising'
            when rfm_scores.frequency_score >= 3 then 'at_risk'
            when rfm_scores.recency_score <= 2 then 'hibernating'
            else 'needs_attention'
        end                                              as rfm_segment
    from customer_activity
    left join current_customers
        on customer_activity.customer_id = current_customers.customer_id
    left join rfm_scores
        on customer_activity.customer_id = rfm_scores.customer_id
)

select * from final
