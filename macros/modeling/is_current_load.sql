{#-
    True on a raw row the build should read: its load is not one a reload
    replaced (raw keeps replaced loads' rows; raw.replaced_loads lists them),
    and, when the build has a load ceiling (macro load_ceiling), its load is at
    or below it: the highest load id below which every load had committed when
    the build started, so a load that commits during the build is left, whole, to the
    next one and no incremental watermark can pass it. Without a ceiling (plain
    dbt), every committed load is read.
-#}
{% macro is_current_load(load_id_column='_load_id') -%}
    (
        {{ load_id_column }} <= coalesce({{ load_ceiling() }}, {{ load_id_column }})
        and {{ load_id_column }} not in ({{ replaced_load_ids() }})
    )
{%- endmacro %}

{#-
    A select of (key_name, last_load_id): per key, the newest load that
    replaced rows naming it (int_replaced_records), so an incremental fact
    rebuilds what a reload changed even where the reload removed the rows.
    touches: [entity, column] pairs: rows of that entity whose column holds
    the key ('record_id' is the replaced row's own key).
-#}
{% macro replaced_touches(touches, key_name) -%}
    select
        {{ key_name }},
        max(replaced_by_load_id)                                as last_load_id
    from (
        {%- for entity, column in touches %}
        select
            {{ column }}                                        as {{ key_name }},
            replaced_by_load_id
        from {{ ref('int_replaced_records') }}
        where entity = '{{ entity }}'
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as touches
    where {{ key_name }} is not null
    group by {{ key_name }}
{%- endmacro %}

{#-
    A post-hook of incremental facts: on an incremental run, delete the rows
    whose key the model would no longer produce (every version of the record
    was replaced away, or what it hangs on is gone); a full build has none.
    An anti-join (not exists), never `not in (select ...)`: PostgreSQL hashes
    that subquery only while it fits in work_mem, and past it (4 million order
    lines at scale 10) rescans it for every row, a delete of hours.
-#}
{% macro delete_vanished(key_column, current_keys) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where not exists (
        select 1
        from ({{ current_keys }}) as current_keys (kept_key)
        where current_keys.kept_key = {{ key_column }}
    )
    {%- endif -%}
{%- endmacro %}
