{#- The data type of money: decimal currency units with two decimals. -#}
{% macro type_amount() -%}
    {{ return(adapter.dispatch('type_amount')()) }}
{%- endmacro %}

{% macro default__type_amount() -%}
    numeric(18, 2)
{%- endmacro %}
