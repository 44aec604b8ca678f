{#- The valid_to of every current SCD2 version (never NULL, so range joins stay simple). -#}
{% macro end_of_time() -%}
    cast('{{ var("scd2_end_of_time") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
