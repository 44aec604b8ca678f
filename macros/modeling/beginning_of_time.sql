{#- The valid_from of every first SCD2 version: the first version covers all earlier time. -#}
{% macro beginning_of_time() -%}
    cast('{{ var("scd2_beginning_of_time") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
