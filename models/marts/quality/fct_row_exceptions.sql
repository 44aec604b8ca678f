-- depends_on: {{ ref('int_replaced_records') }}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    unique_key=['entity', 'record_id'],
    incremental_strategy='replace_records',
    on_schema_change='fail',
    indexes=[{'columns': ['entity', 'record_id']}, {'columns': ['load_id']}],
    post_hook="{{ delete_replaced_loads('load_id', 'record_id is null') }}",
) }}

{#-
    Every raw row that staging did not keep, and every staged row a fact cannot use
    yet, with the reason: nothing is dropped silently.
      rejected   the row cannot be used (no key, an unusable version timestamp, a
                 required value missing, unparseable or impossible); see the base models
      duplicate  another row holds the same version (key and updated_at): an exact
                 duplicate, or the same version sent again (the row loaded last wins)
      orphan     an order line whose order is not staged: not received (yet), or every
                 row of it was rejected. The line is held out of fct_order_lines until
                 a usable order arrives; then it leaves this table
    raw rows = staged rows + rejected + duplicate, for every entity.

    Incremental: a run rebuilds every exception of the records the new loads or
    a reload touched (a row loaded later can make an earlier one a duplicate,
    or the other way round), and of the order lines whose order they touched
    (an orphan leaves when its order arrives); rows without a key are added
    with their load, and leave with it when a reload replaces it.
-#}
{%- set entities = [
    ('crm', 'customers', 'customer_id'),
    ('catalog', 'products', 'product_id'),
    ('shop', 'orders', 'order_id'),
    ('shop', 'order_lines', 'order_line_id'),
    ('payments', 'payments', 'payment_id'),
    ('marketing', 'campaigns', 'campaign_id'),
    ('marketing', 'campaign_responses', 'response_id'),
] -%}

with

{% if is_incremental() %}
watermark as (
    select coalesce(max(load_id), 0)                            as load_id
    from {{ this }}
),

loaded_records as (
    -- records with a row from a load above the watermark, rejected or not
    {%- for source_name, entity, key in entities %}
    select
        '{{ entity }}'                                          as entity,
        {{ key }}                                               as record_id
    from {{ ref('base_' ~ source_name ~ '__' ~ entity) }}
    where {{ key }} is not null
        and _load_id > (select load_id from watermark)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

replaced_records as (
    select
        entity,
        record_id
    from {{ ref('int_replaced_records') }}
    where record_id is not null
        and replaced_by_load_id > (select load_id from watermark)
),

touched_records as (
    select entity, record_id from loaded_records
    union
    select entity, record_id from replaced_records
),

lines_of_touched_orders as (
    -- an order that arrives, or is rejected or replaced, changes its lines' orphan state
    select
        'order_lines'                                           as entity,
        order_line_id                                           as record_id
    from {{ ref('stg_shop__order_lines') }}
    where is_latest_version
        and order_id in (
            select record_id from touched_records where entity = 'orders'
        )
),

records_to_rebuild as (
    select entity, record_id from touched_records
    union
    select entity, record_id from lines_of_touched_orders
),

{% endif %}
{% for source_name, entity, key in entities %}
    {{ entity }}_base as (
        select * from {{ ref('base_' ~ source_name ~ '__' ~ entity) }}
        {%- if is_incremental() %}
    where {{ key }} in (
        select record_id from records_to_rebuild where entity = '{{ entity }}'
    )
        -- rows without a key: only those of new loads, once
        or ({{ key }} is null and _load_id > (select load_id from watermark))
    {%- endif %}
    ),

    {{ entity }}_staged as (
        select * from {{ ref('stg_' ~ source_name ~ '__' ~ entity) }}
        {%- if is_incremental() %}
    where {{ key }} in (
        select record_id from records_to_rebuild where entity = '{{ entity }}'
    )
    {%- endif %}
    ),

{% endfor %}
source_rows as (
    {% for source_name, entity, key in entities %}
        select
            '{{ source_name }}' as source_system,
            '{{ entity }}'      as entity,
            {{ key }}           as record_id,
            updated_at,
            rejection_reason,
            _batch_date,
            _source_file,
            _source_line,
            _load_id,
            _row_hash
        from {{ entity }}_base
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

staged_rows as (
    {% for source_name, entity, key in entities %}
        select
            '{{ entity }}' as entity,
            {{ key }}      as record_id,
            updated_at,
            _load_id,
            _source_line,
            _row_hash
        from {{ entity }}_staged
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

rejected as (
    select
        'rejected'       as exception_kind,
        rejection_reason as reason,
        source_system,
        entity,
        record_id,
        updated_at,
        _batch_date,
        _source_file,
        _source_line,
        _load_id,
        _row_hash
    from source_rows
    where rejection_reason is not null
),

duplicates as (
    select
        'duplicate' as exception_kind,
        case
            when kept_version._row_hash = source_rows._row_hash then 'exact_duplicate'
            else 'same_version_resent'
        end         as reason,
        source_rows.source_system,
        source_rows.entity,
        source_rows.record_id,
        source_rows.updated_at,
        source_rows._batch_date,
        source_rows._source_file,
        source_rows._source_line,
        source_rows._load_id,
        source_rows._row_hash
    from source_rows
    inner join staged_rows as kept_version
        on source_rows.entity = kept_version.entity
            and source_rows.record_id = kept_version.record_id
            and source_rows.updated_at = kept_version.updated_at
    left join staged_rows as same_row
        on source_rows.entity = same_row.entity
            and source_rows._load_id = same_row._load_id
            and source_rows._source_line = same_row._source_line
    where source_rows.rejection_reason is null
        and same_row._load_id is null
),

received_orders as (
    select distinct order_id from {{ ref('stg_shop__orders') }}
    {%- if is_incremental() %}
    where order_id in (select order_id from order_lines_staged)
    {%- endif %}
),

sent_orders as (
    select distinct order_id from {{ ref('base_shop__orders') }}
    where order_id is not null
    {%- if is_incremental() %}
        and order_id in (select order_id from order_lines_staged)
    {%- endif %}
),

orphans as (
    select
        'orphan'                         as exception_kind,
        case
            when sent_orders.order_id is not null then 'order_rejected'
            else 'order_not_received'
        end                              as reason,
        'shop'                           as source_system,
        'order_lines'                    as entity,
        order_lines_staged.order_line_id as record_id,
        order_lines_staged.updated_at,
        order_lines_staged._batch_date,
        order_lines_staged._source_file,
        order_lines_staged._source_line,
        order_lines_staged._load_id,
        order_lines_staged._row_hash
    from order_lines_staged
    left join received_orders
        on order_lines_staged.order_id = received_orders.order_id
    left join sent_orders
        on order_lines_staged.order_id = sent_orders.order_id
    where order_lines_staged.is_latest_version
        and received_orders.order_id is null
),

unioned as (
    select * from rejected
    union all
    select * from duplicates
    union all
    select * from orphans
),

final as (
    select
        -- what and why
        exception_kind,
        reason,
        -- the record
        source_system,
        entity,
        record_id,
        updated_at,
        -- where it came from
        _batch_date  as batch_date,
        _source_file as source_file,
        _source_line as source_line,
        _load_id     as load_id,
        _row_hash    as row_hash
    from unioned
)

{% if is_incremental() %}
, rebuilt as (
    -- a record rebuilt without any exception left comes back as its key alone:
    -- the replace_records strategy deletes its rows
    select
        final.exception_kind,
        final.reason,
        final.source_system,
        records_to_rebuild.entity,
        records_to_rebuild.record_id,
        final.updated_at,
        final.batch_date,
        final.source_file,
        final.source_line,
        final.load_id,
        final.row_hash
    from records_to_rebuild
    left join final
        on records_to_rebuild.entity = final.entity
        and records_to_rebuild.record_id = final.record_id
    union all
    -- rows without a key: those of loads above the watermark, which the table
    -- cannot hold yet
    select * from final
    where final.record_id is null
)

select * from rebuilt
{% else %}
    select * from final
{% endif %}
