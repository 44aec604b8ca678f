{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

{#-
    Every raw row of a load that a reload replaced (raw keeps them; staging
    leaves them out), with the keys it names, cleaned like staging cleans
    them, and the load that replaced it. Incremental facts read it to rebuild
    the records a reload touched, also those the corrected file no longer
    carries (macro replaced_touches). Incremental: raw.replaced_loads only
    grows, so a run adds the rows of loads replaced since the last one.
-#}
{%- set entities = [
    ('crm', 'customers', 'customer_id', {'customer_id': 'customer_id'}),
    ('catalog', 'products', 'product_id', {'product_id': 'product_id'}),
    ('shop', 'orders', 'order_id', {'order_id': 'order_id', 'customer_id': 'customer_id'}),
    ('shop', 'order_lines', 'order_line_id', {'order_id': 'order_id', 'product_id': 'product_id'}),
    ('payments', 'payments', 'payment_id', {'order_id': 'order_id'}),
    ('marketing', 'campaigns', 'campaign_id', {'campaign_id': 'campaign_id'}),
    ('marketing', 'campaign_responses', 'response_id',
        {'campaign_id': 'campaign_id', 'customer_id': 'customer_id'}),
] -%}
{%- set references = ['order_id', 'customer_id', 'product_id', 'campaign_id'] -%}

with

replaced_loads as (
    select * from {{ source('ingestion', 'replaced_loads') }}
    where replaced_by <= coalesce({{ load_ceiling() }}, replaced_by)
        and {{ above_own_watermark('replaced_by', 'replaced_by_load_id') }}
),

replaced_rows as (
    {%- for source_name, entity, key, named in entities %}
        select
            '{{ entity }}'                      as entity,
            {{ clean_text('raw_rows.' ~ key) }} as record_id,
            {%- for reference in references %}
                {%- if reference in named %}
                    {{ clean_text('raw_rows.' ~ named[reference]) }}
                {%- else %}
                    cast(null as {{ dbt.type_string() }})
                {%- endif %}
                    as {{ reference }},
            {%- endfor %}
            raw_rows._load_id                   as replaced_load_id,
            raw_rows._source_line               as source_line,
            replaced_loads.replaced_by          as replaced_by_load_id
        from {{ source(source_name, entity) }} as raw_rows
        inner join replaced_loads
            on raw_rows._load_id = replaced_loads.load_id
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from replaced_rows
)

select * from final
