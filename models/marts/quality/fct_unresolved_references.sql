{{ config(materialized="table") }}

{#-
    Every usable raw row (not rejected) whose reference to another record does
    not resolve: the record it names is not staged. Either it has not been
    received (yet: a late-arriving dimension, or a key that will never come) or
    every row of it was rejected. Facts keep such rows with the unknown member
    (or, for order lines, hold them out as orphans); this model lists them, one
    row per row and reference, for the integrity dimension of data quality.
    A reference that is NULL is not here: base models flag it as missing.
-#}
{%- set references = [
    ('shop', 'orders', 'order_id', 'customer_id', 'crm', 'customers'),
    ('shop', 'order_lines', 'order_line_id', 'order_id', 'shop', 'orders'),
    ('shop', 'order_lines', 'order_line_id', 'product_id', 'catalog', 'products'),
    ('payments', 'payments', 'payment_id', 'order_id', 'shop', 'orders'),
    ('marketing', 'campaign_responses', 'response_id', 'campaign_id', 'marketing', 'campaigns'),
    ('marketing', 'campaign_responses', 'response_id', 'customer_id', 'crm', 'customers'),
] -%}
{%- set referencing = [] -%}
{%- set referenced = [] -%}
{%- for source_name, entity, _, column, target_source, target in references -%}
    {%- if (source_name, entity) not in referencing -%}
        {%- do referencing.append((source_name, entity)) -%}
    {%- endif -%}
    {%- if (target_source, target, column) not in referenced -%}
        {%- do referenced.append((target_source, target, column)) -%}
    {%- endif -%}
{%- endfor -%}

with

{% for source_name, entity in referencing %}
    {{ entity }}_rows as (
        select * from {{ ref('base_' ~ source_name ~ '__' ~ entity) }}
        where rejection_reason is null
    ),

{% endfor %}
{% for target_source, target, column in referenced %}
    staged_{{ target }} as (
        select distinct {{ column }} as record_id
        from {{ ref('stg_' ~ target_source ~ '__' ~ target) }}
    ),

    sent_{{ target }} as (
        select distinct {{ column }} as record_id
        from {{ ref('base_' ~ target_source ~ '__' ~ target) }}
        where {{ column }} is not null
    ),

{% endfor %}
unresolved as (
    {% for source_name, entity, key, column, target_source, target in references %}
        select
            '{{ source_name }}'            as source_system,
            '{{ entity }}'                 as entity,
            {{ entity }}_rows.{{ key }}    as record_id,
            '{{ column }}'                 as reference_column,
            '{{ target }}'                 as referenced_entity,
            {{ entity }}_rows.{{ column }} as referenced_id,
            case
                when
                    sent_{{ target }}.record_id is not null
                    then 'referenced_record_rejected'
                else 'referenced_record_not_received'
            end                            as reason,
            {{ entity }}_rows._batch_date,
            {{ entity }}_rows._source_file,
            {{ entity }}_rows._source_line,
            {{ entity }}_rows._load_id
        from {{ entity }}_rows
        left join staged_{{ target }}
            on {{ entity }}_rows.{{ column }} = staged_{{ target }}.record_id
        left join sent_{{ target }}
            on {{ entity }}_rows.{{ column }} = sent_{{ target }}.record_id
        where {{ entity }}_rows.{{ column }} is not null
            and staged_{{ target }}.record_id is null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        -- the reference
        source_system,
        entity,
        record_id,
        reference_column,
        referenced_entity,
        referenced_id,
        reason,
        -- where it came from
        _batch_date  as batch_date,
        _source_file as source_file,
        _source_line as source_line,
        _load_id     as load_id
    from unresolved
)

select * from final
