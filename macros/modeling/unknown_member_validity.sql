{#- The SCD2 columns of a dimension's unknown member (beside scd2_validity's of
    its versions): version 0, valid for all time, current. -#}
{% macro unknown_member_validity() -%}
    cast(0 as {{ dbt.type_bigint() }})                          as version_number,
    {{ beginning_of_time() }}                                   as valid_from,
    {{ end_of_time() }}                                         as valid_to,
    true                                                        as is_current
{%- endmacro %}
