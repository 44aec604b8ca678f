{#-
    A hook of incremental models that keep rows by load: on an incremental run,
    delete the rows of loads a reload replaced (where: a further condition on
    the rows). Renders nothing on a full build, which reads no replaced load.
-#}
{% macro delete_replaced_loads(load_id_column='_load_id', where=none) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ load_id_column }} in ({{ replaced_load_ids() }})
    {%- if where %}
        and {{ where }}
    {%- endif %}
    {%- endif -%}
{%- endmacro %}
