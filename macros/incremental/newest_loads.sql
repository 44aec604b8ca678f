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
