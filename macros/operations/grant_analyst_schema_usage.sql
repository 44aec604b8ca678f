{#-
    Called from on-run-end: lets the analyst role into the marts and gold schemas
    (USAGE), the only schemas it reaches; SELECT on each relation comes from the
    `grants` config. Skipped with a log line when the role does not exist.
-#}
{% macro grant_analyst_schema_usage() -%}
    {{ return(adapter.dispatch('grant_analyst_schema_usage')()) }}
{%- endmacro %}

{% macro default__grant_analyst_schema_usage() -%}
{%- endmacro %}

{% macro postgres__grant_analyst_schema_usage() -%}
    {%- if execute -%}
        {%- set role = var('analyst_role') -%}
        {%- set schemas = [
            generate_schema_name('marts', none) | trim,
            generate_schema_name('gold', none) | trim,
        ] -%}
        {%- set quoted = [] -%}
        {%- for schema in schemas -%}
            {%- do quoted.append(dbt.string_literal(schema)) -%}
        {%- endfor -%}
        {%- set state = run_query(
            "select nspname, exists (select 1 from pg_roles where rolname = "
            ~ dbt.string_literal(role) ~ ") as role_exists from pg_namespace"
            ~ " where nspname in (" ~ quoted | join(', ') ~ ") order by nspname"
        ) -%}
        {%- set statements = [] -%}
        {%- for row in state.rows if row['role_exists'] -%}
            {%- do statements.append(
                'grant usage on schema ' ~ adapter.quote(row['nspname'])
                ~ ' to ' ~ adapter.quote(role)
            ) -%}
        {%- endfor -%}
        {{ statements | join(';\n') }}
    {%- endif -%}
{%- endmacro %}
