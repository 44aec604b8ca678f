{#- A select of (key, last_load_id): per record of relation (a staged entity,
    one row per version), the newest load behind it: its own versions' loads,
    and those of reloads that replaced rows naming it (replaced: [entity,
    column] pairs, macro replaced_touches). What a fact's source_load_id is
    built from. -#}
{% macro newest_loads(relation, key, replaced) -%}
    select
        {{ key }},
        max(last_load_id)                                       as last_load_id
    from (
        select
            {{ key }},
            max(_load_id)                                       as last_load_id
        from {{ relation }}
        group by {{ key }}
        union all
        {{ replaced_touches(replaced, key) | indent(8) }}
    ) as loads
    group by {{ key }}
{%- endmacro %}

{#- A select of (parent_key, last_load_id): per parent, the newest load of any
    version of a child row (relation, key) that ever named it: a child that
    moves to another parent changes both. -#}
{% macro newest_child_loads(relation, key, parent_key) -%}
    select
        named.{{ parent_key }},
        max(history.last_load_id)                               as last_load_id
    from (select distinct {{ parent_key }}, {{ key }} from {{ relation }}) as named
    inner join (
        select {{ key }}, max(_load_id) as last_load_id
        from {{ relation }}
        group by {{ key }}
    ) as history
        on named.{{ key }} = history.{{ key }}
    group by named.{{ parent_key }}
{%- endmacro %}

{#- A select of (key, source_load_id): per row of rows (a CTE, one row per
    key), the newest of the loads behind it. loads: [relation, column] pairs,
    each relation one row per column with its last_load_id (newest_loads,
    newest_child_loads), joined on rows.column; [relation, column, load column]
    names another load column (an upstream fact's source_load_id). -#}
{% macro source_load_ids(rows, key, loads) -%}
    select
        {{ rows }}.{{ key }},
        greatest(
            {%- for load in loads %}
            coalesce({{ load[0] }}.{{ load[2] if load | length > 2 else 'last_load_id' }}, 0)
            {{- ',' if not loop.last }}
            {%- endfor %}
        )                                                       as source_load_id
    from {{ rows }}
    {%- for load in loads %}
    left join {{ load[0] }}
        on {{ rows }}.{{ load[1] }} = {{ load[0] }}.{{ load[1] }}
    {%- endfor %}
{%- endmacro %}
