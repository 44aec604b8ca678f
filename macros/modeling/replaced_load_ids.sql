{#- A select of the load ids a reload replaced, as far as this build sees
    (replaced by a load at or below the load ceiling). -#}
{% macro replaced_load_ids() -%}
    select replaced.load_id
    from {{ source('ingestion', 'replaced_loads') }} as replaced
    where replaced.replaced_by <= coalesce({{ load_ceiling() }}, replaced.replaced_by)
{%- endmacro %}
