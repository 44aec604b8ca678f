{#-
    Called from on-run-start: makes sure the read-only analyst role (var
    analyst_role, NOLOGIN: people get it with `grant warehouse_analyst to alice`)
    exists, so the marts' and gold's `grants` can name it. A user who may not
    create roles (no CREATEROLE, e.g. on a managed server) gets a log line and
    the grants to the role are skipped (see apply_grants), not an error.
-#}
{% macro create_analyst_role() -%}
    {{ return(adapter.dispatch('create_analyst_role')()) }}
{%- endmacro %}

{% macro default__create_analyst_role() -%}
    {%- if execute -%}
        {{ log(
            'analyst role: not managed on ' ~ target.type ~ '; create '
            ~ var('analyst_role') ~ ' by hand',
            info=True
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__create_analyst_role() -%}
    {%- if execute -%}
        {%- set role = var('analyst_role') -%}
        {%- set state = run_query(
            "select exists (select 1 from pg_roles where rolname = "
            ~ dbt.string_literal(role) ~ ") as role_exists,"
            ~ " (select rolcreaterole or rolsuper from pg_roles"
            ~ " where rolname = current_user) as can_create"
        ) -%}
        {%- if state.rows[0]['role_exists'] -%}
            {# nothing to do #}
        {%- elif state.rows[0]['can_create'] -%}
            do $$
            begin
                create role {{ adapter.quote(role) }} nologin;
            exception when duplicate_object then
                null;  -- created meanwhile by a concurrent run
            end
            $$
        {%- else -%}
            {{ log(
                'analyst role: ' ~ role ~ ' does not exist and ' ~ target.user
                ~ ' may not create roles (no CREATEROLE): grants to it are skipped',
                info=True
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
