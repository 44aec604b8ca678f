{#-
    The order and line measures every gold model aggregates the same way
    (_gold__models.yml): orders counted whatever became of them, cancelled and
    returned ones counted separately, not left out; revenue always the facts'
    amounts, net = gross - discount, before shipping and tax.
-#}

{#- Aggregates over fct_orders rows: order_count, cancelled_order_count,
    returned_order_count. -#}
{% macro gold_order_counts() -%}
    count(*)                                                    as order_count,
    {%- for outcome in ['cancelled', 'returned'] %}
    {{ bigint_sum("case when order_status = '" ~ outcome ~ "' then 1 else 0 end") }}
                                                                as {{ outcome }}_order_count
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Aggregates over fct_order_lines rows: units_sold, gross_revenue,
    discount_amount, net_revenue. -#}
{% macro gold_line_revenue() -%}
    {{ bigint_sum('quantity') }}                            as units_sold,
    sum(gross_amount)                                           as gross_revenue,
    sum(discount_amount)                                        as discount_amount,
    sum(net_amount)                                             as net_revenue
{%- endmacro %}

{#- gold_line_revenue's columns of an aggregate (totals) joined to another grain,
    zero where the row has no line. -#}
{% macro gold_line_revenue_or_zero(totals) -%}
    {%- for column in ['units_sold', 'gross_revenue', 'discount_amount', 'net_revenue'] %}
    coalesce({{ totals }}.{{ column }}, 0)                      as {{ column }}
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
