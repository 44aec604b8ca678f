{#-
    Called from on-run-end: lets each reader role into its schemas (USAGE), the
    only schemas it reaches: the analyst role into marts and gold, the PII
    reader into pii. SELECT on each relation comes from the `grants` config.
    A role that does not exist is skipped.
-#}
{% macro grant_analyst_schema_usage() -%}
    {{ return(adapter.dispatch('grant_analyst_schema_usage')()) }}
{%- endmacro %}

{% macro default__grant_analyst_schema_usage() -%}
{%- endmacro %}

{% macro postgres__grant_analyst_schema_usage() -%}
    {%- if execute -%}
        {%- set wanted = [
            (var('analyst_role'), 'marts'),
            (var('analyst_role'), 'gold'),
            (var('pii_reader_role'), 'pii'),
        ] -%}
        {%- set statements = [] -%}
        {%- for role, folder in wanted -%}
            {%- set schema = generate_schema_name(folder, none) | trim -%}
            {%- set state = run_query(
                "select exists (select 1 from pg_roles where rolname = "
                ~ dbt.string_literal(role) ~ ") and exists (select 1 from pg_namespace"
                ~ " where nspname = " ~ dbt.string_literal(schema) ~ ") as ready"
            ) -%}
            {%- if state.rows[0]['ready'] -%}
                {%- do statements.append(
                    'grant usage on schema ' ~ adapter.quote(schema) ~ ' to ' ~ adapter.quote(role)
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ statements | join(';\n') }}
    {%- endif -%}
{%- endmacro %}
