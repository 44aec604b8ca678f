{#-
    The whole of a stg_ model: every version of every record of a base_ model,
    one row per (key, updated_at), usable rows only, is_latest_version marking
    the current state. columns: the record's columns between its key and
    updated_at, in their order. Incremental (replace_records): sets the model's
    unique_key to key_column, the key the strategy deletes by; a run rebuilds
    only the records the new loads or a reload touched (macro
    records_to_rebuild), from every base row of theirs.
-#}
{% macro staged_versions(base_relation, key_column, columns) -%}
{{ config(unique_key=key_column) }}
with

{{ staged_version_ctes(base_relation, key_column) }}

versions as (
    select
        {{ key_column }},
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version(key_column) }} as is_latest_version,
        -- load metadata
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', key_column) }}
)

select * from final
{%- endmacro %}

{#-
    The skeleton every stg_ model shares, around its own column list: the
    usable base rows (on an incremental run only those of the records to
    rebuild, macro records_to_rebuild) ranked into one row per version (macro
    version_row_number). Renders the CTEs records_to_rebuild (incremental
    runs), base and ranked, each followed by a comma; the model selects its
    versions from ranked where version_row_number = 1.
-#}
{% macro staged_version_ctes(base_relation, key_column) -%}
{%- if is_incremental() %}
records_to_rebuild as (
    {{ records_to_rebuild(base_relation, key_column) }}
),
{% endif %}
base as (
    select * from {{ base_relation }}
    where rejection_reason is null
    {%- if is_incremental() %}
        and {{ key_column }} in (select {{ key_column }} from records_to_rebuild)
    {%- endif %}
),

ranked as (
    select
        base.*,
        -- one row per version (key, updated_at)
        {{ version_row_number(key_column) }}                    as version_row_number
    from base
),
{%- endmacro %}

{#-
    The body of a stg_ model's final CTE: its versions; on an incremental run
    also every record to rebuild that has no version left, as its key alone,
    so that the replace_records strategy deletes its rows.
-#}
{% macro staged_versions_final(versions, key_column) -%}
    select * from {{ versions }}
    {%- if is_incremental() %}
    right join records_to_rebuild using ({{ key_column }})
    {%- endif %}
{%- endmacro %}

{#- The load metadata columns every raw-derived row carries, in their order. -#}
{% macro load_metadata(prefix='') -%}
    {%- for column in ['_batch_date', '_source_file', '_source_line', '_load_id',
        '_loaded_at', '_row_hash'] -%}
        {{ prefix }}{{ column }}{{ ',' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
