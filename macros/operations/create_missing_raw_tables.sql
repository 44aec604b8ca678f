{#-
    Called from on-run-start. The Python ingestion creates a raw table the first
    time a file of its entity lands; a source that has sent nothing yet has no
    table, and the staging models over it would fail. This creates every missing
    raw table of the dbt sources as an empty placeholder, with the columns and
    data types the sources yml declares, so a source that has not sent anything
    is empty rather than missing. Existing tables are left alone: nothing is
    added to them, not even an index.

    A placeholder is not the ingestion's layout (there, the source file and the
    row hash are generated columns, and a sequence numbers the lines): the
    ingestion replaces an empty placeholder with its own table before it loads
    the entity's first file (warehouse.ingest.raw_tables).
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
                        ~ warehouse_data_type(column.data_type or 'text')
                    ) -%}
                {%- endfor -%}
                {%- if not statements -%}
                    {%- do statements.append(
                        'create schema if not exists ' ~ adapter.quote(source.schema)
                    ) -%}
                {%- endif -%}
                {%- do statements.append(
                    'create table if not exists ' ~ relation.render()
                    ~ ' (' ~ columns | join(', ') ~ ')' ~ table_format_clause()
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ statements_sql(statements) }}
    {%- endif -%}
{%- endmacro %}
