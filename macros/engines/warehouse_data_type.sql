{#-
    The engine's name of a data type the project declares. The yml files (the
    sources, the contracts of marts and gold, the seeds' column_types) declare
    types once, in PostgreSQL's spelling; this is the one place that says what
    each is elsewhere. Only what differs is mapped: text is a string, jsonb a
    string holding JSON, timestamptz a timestamp in UTC (every timestamp of the
    warehouse is UTC). Every other declared type (integer, bigint, boolean,
    date, timestamp, numeric(p, s)) is the same on the three engines.
-#}
{% macro warehouse_data_type(declared) -%}
    {{ return(adapter.dispatch('warehouse_data_type')(declared)) }}
{%- endmacro %}

{% macro default__warehouse_data_type(declared) -%}
    {{ return(declared) }}
{%- endmacro %}

{% macro portable_data_type(declared) -%}
    {%- set name = (declared or '') | trim | lower -%}
    {%- if name in ('text', 'jsonb', 'json') -%}
        {{ return(dbt.type_string()) }}
    {%- elif name == 'timestamptz' -%}
        {{ return(dbt.type_timestamp()) }}
    {%- endif -%}
    {{ return(declared) }}
{%- endmacro %}

{% macro duckdb__warehouse_data_type(declared) -%}
    {{ return(portable_data_type(declared)) }}
{%- endmacro %}

{% macro spark__warehouse_data_type(declared) -%}
    {{ return(portable_data_type(declared)) }}
{%- endmacro %}

{#-
    dbt's check of an enforced contract casts NULL to each declared type and
    compares the result's columns with the model's: on Spark the declared type
    is translated first (text is not a Spark type).
-#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = dict(column) -%}
        {%- if copy.get('data_type') -%}
            {%- do copy.update({'data_type': warehouse_data_type(copy['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}
