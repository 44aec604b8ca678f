{#-
    The keys an incremental fact rebuilds: every record whose source_load_id can
    be above the fact's watermark (a superset: the fact's last filter keeps
    exactly those), so that a run reads only their rows. The watermark is the
    highest source_load_id the fact holds (own_watermark). A key is rebuilt when
      - a version of its own has a load above the watermark, or a reload
        replaced rows that name it (`replaced`: [entity, column] pairs of
        int_replaced_records; default its own rows);
      - any version of a child row that named it changed (`named_by`:
        [relation, child key] pairs: an order line or payment that moves to
        another order changes both orders);
      - what its latest version references changed: a staged record
        (`references`: [column, its stg_ model, its landing entity]: a version
        loaded or replaced above the watermark, macro changed_keys) or an
        upstream fact's row (`facts`: [column, fact], macro changed_fact_keys).
-#}
{% macro keys_to_rebuild(staged, key, entity, replaced=none, named_by=[], references=[],
    facts=[]) -%}
    {{ changed_keys(staged, key, replaced or [[entity, 'record_id']]) }}
    {%- for child, child_key in named_by %}
    union
    select {{ key }}
    from {{ child }}
    where {{ child_key }} in (
        select {{ child_key }}
        from {{ child }}
        where _load_id > {{ own_watermark() }}
    )
    {%- endfor %}
    {%- for column, referenced, referenced_entity in references %}
    union
    select {{ key }}
    from {{ staged }}
    where is_latest_version
        and {{ column }} in (
            {{- changed_keys(referenced, column, [[referenced_entity, 'record_id']]) }})
    {%- endfor %}
    {%- for column, fact in facts %}
    union
    select {{ key }}
    from {{ staged }}
    where is_latest_version
        and {{ column }} in ({{ changed_fact_keys(fact, column) }})
    {%- endfor %}
{%- endmacro %}

{#- The keys of a staged entity with a version loaded above the watermark, or
    named by rows a reload replaced since ([entity, column] pairs). -#}
{% macro changed_keys(staged, key, replaced) -%}
    select {{ key }}
    from {{ staged }}
    where _load_id > {{ own_watermark() }}
    union
    select {{ key }}
    from ({{ replaced_touches(replaced, key) }}) as replaced_keys
    where last_load_id > {{ own_watermark() }}
{%- endmacro %}

{#- The keys of an upstream fact whose rows moved above the watermark. -#}
{% macro changed_fact_keys(fact, key) -%}
    select {{ key }}
    from {{ fact }}
    where source_load_id > {{ own_watermark() }}
{%- endmacro %}
