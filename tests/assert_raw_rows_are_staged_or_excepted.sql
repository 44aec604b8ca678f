{#-
    Nothing is dropped silently: for every entity, every raw row of a current
    load (one no reload replaced) is either a staged version or an exception
    (rejected, or a duplicate of a staged version). Returns the entities whose
    counts do not add up.

    The entities come from the graph, not from a list: every stg_<source>__<entity>
    model, with the raw table of the same source and name. The relations are
    read by name (at parse time the graph is empty, so this test cannot ref
    them); fct_row_exceptions, which it refs, is built after all of them.
-#}
{%- set entities = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name.startswith('stg_') -%}
        {%- set source_name, entity = node.name[4:].split('__', 1) -%}
        {%- for raw in graph.sources.values()
            if raw.source_name == source_name and raw.name == entity -%}
            {%- do entities.append((entity, raw.relation_name, node.relation_name)) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}

with

exceptions as (
    select * from {{ ref('fct_row_exceptions') }}
),

counts as (
    {%- for entity, raw_relation, staged_relation in entities | sort %}
        select
            '{{ entity }}'                               as entity,
            (
                select count(*) from {{ raw_relation }}
                where {{ is_current_load() }})
                as raw_rows,
            (select count(*) from {{ staged_relation }}) as staged_rows,
            (
                select count(*) from exceptions
                where entity = '{{ entity }}'
                    and exception_kind in ('rejected', 'duplicate')
            )
                as excepted_rows
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from counts
    where raw_rows <> staged_rows + excepted_rows
)

select * from final
