{#- The index the ingestion puts on a raw table (on _load_id, what incremental models filter on). -#}
{% macro raw_table_index_ddl(relation) -%}
    {{ return(adapter.dispatch('raw_table_index_ddl')(relation)) }}
{%- endmacro %}

{% macro default__raw_table_index_ddl(relation) -%}
{%- endmacro %}

{% macro postgres__raw_table_index_ddl(relation) -%}
    create index if not exists {{ adapter.quote(relation.identifier ~ '_load_id_idx') }}
        on {{ relation.render() }} (_load_id)
{%- endmacro %}
