{#-
    The day gold measures "now" from (days since last order, churn risk, RFM
    recency): the var gold_as_of_date when set ('YYYY-MM-DD'), otherwise the
    latest order_date in orders_relation (a relation or a CTE name). Never
    current_date, so a build of the same data gives the same numbers tomorrow.
-#}
{% macro gold_as_of_date(orders_relation) -%}
    {%- set as_of = var('gold_as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select max(order_date) from {{ orders_relation }})
    {%- endif -%}
{%- endmacro %}
