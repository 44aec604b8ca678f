{#- The filter of an import CTE on an incremental run: the rows of the records
    being rebuilt, those whose column is among keys_from's (a CTE or relation);
    nothing on a full build. -#}
{% macro where_rebuilding(column, keys_from) -%}
    {%- if is_incremental() -%}
    where {{ column }} in (select {{ column }} from {{ keys_from }})
    {%- endif -%}
{%- endmacro %}

{#- The rows of a child relation (order lines, payments) an incremental run
    reads: every version of every child that ever named one of the parents
    (parent_key among parents'), so a child that moved to another parent counts
    for both; every row on a full build. -#}
{% macro versions_naming(relation, key, parent_key, parents) -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ key }} in (
        select {{ key }}
        from {{ relation }}
        where {{ parent_key }} in (select {{ parent_key }} from {{ parents }})
    )
    {%- endif %}
{%- endmacro %}
