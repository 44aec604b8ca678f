{#-
    Called from on-run-start: makes sure the reader roles exist, so the models'
    `grants` can name them: var analyst_role (marts and gold: no personal data in
    clear) and var pii_reader_role (the pii schema). Both are NOLOGIN: people get
    them with `grant warehouse_analyst to alice`. A user who may not create roles
    (no CREATEROLE, e.g. on a managed server) gets a log line and the grants to
    the missing role are skipped (see apply_grants), not an error.
-#}
{% macro create_analyst_role() -%}
    {{ return(adapter.dispatch('create_analyst_role')()) }}
{%- endmacro %}

{% macro reader_roles() -%}
    {{ return([var('analyst_role'), var('pii_reader_role')]) }}
{%- endmacro %}

{% macro default__create_analyst_role() -%}
    {%- if execute -%}
        {{ log(
            'reader roles: not managed on ' ~ target.type ~ '; create '
            ~ reader_roles() | join(' and ') ~ ' by hand',
            info=True
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__create_analyst_role() -%}
    {%- if execute -%}
        {%- set statements = [] -%}
        {%- for role in reader_roles() -%}
            {%- set state = run_query(
                "select exists (select 1 from pg_roles where rolname = "
                ~ dbt.string_literal(role) ~ ") as role_exists,"
                ~ " (select rolcreaterole or rolsuper from pg_roles"
                ~ " where rolname = current_user) as can_create"
            ) -%}
            {%- if state.rows[0]['role_exists'] -%}
                {# nothing to do #}
            {%- elif state.rows[0]['can_create'] -%}
                {%- do statements.append(
                    "do $$ begin create role " ~ adapter.quote(role) ~ " nologin;"
                    ~ " exception when duplicate_object then null; end $$"
                ) -%}
            {%- else -%}
                {{ log(
                    'reader role: ' ~ role ~ ' does not exist and ' ~ target.user
                    ~ ' may not create roles (no CREATEROLE): grants to it are skipped',
                    info=True
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {{ statements | join(';\n') }}
    {%- endif -%}
{%- endmacro %}
