{#-
    Called from on-run-start. The Python ingestion creates a raw table the first
    time a file of its entity lands; a source that has sent nothing yet has no
    table, and the staging models over it would fail. This creates every missing
    raw table of the dbt sources, empty, with the columns and data types the
    sources yml declares (the ingestion's own layout), so a source that has not
    sent anything is empty rather than missing. Existing tables are left alone.
-#}
{% macro create_missing_raw_tables() -%}
    {%- if execute -%}
        {%- set statements = [] -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if source.schema == var('raw_schema') and source.columns -%}
                {%- set relation = api.Relation.create(
                    database=source.database,
                    schema=source.schema,
                    identifier=source.identifier,
                ) -%}
                {%- set columns = [] -%}
                {%- for column in source.columns.values() -%}
                    {%- do columns.append(
                        adapter.quote(column.name) ~ ' '
                        ~ (column.data_type or dbt.type_string())
                    ) -%}
                {%- endfor -%}
                {%- if not statements -%}
                    {%- do statements.append(
                        'create schema if not exists ' ~ adapter.quote(source.schema)
                    ) -%}
                {%- endif -%}
                {%- do statements.append(
                    'create table if not exists ' ~ relation.render()
                    ~ ' (' ~ columns | join(', ') ~ ')'
                ) -%}
                {%- set index_ddl = raw_table_index_ddl(relation) | trim -%}
                {%- if index_ddl -%}
                    {%- do statements.append(index_ddl) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {{ statements | join(';\n') }}
    {%- endif -%}
{%- endmacro %}
