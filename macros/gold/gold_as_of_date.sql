{#- The day gold measures "now" from (days since last order, churn risk, RFM
    recency): as_of_date over the latest order_date of orders_relation. -#}
{% macro gold_as_of_date(orders_relation) -%}
    {{ as_of_date(orders_relation, 'order_date') }}
{%- endmacro %}
