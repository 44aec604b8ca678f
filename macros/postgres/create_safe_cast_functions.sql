{#
    Installs the Postgres helper functions behind safe_date and safe_timestamp.
    Called from on-run-start. A date must be ISO (YYYY-MM-DD) and exist on the
    calendar; a timestamp must be ISO 8601 with an optional T separator and UTC
    offset, and is returned in UTC. Anything else returns NULL.
#}
{% macro udf_schema() -%}
    {{ generate_schema_name('staging', none) }}
{%- endmacro %}

{% macro create_safe_cast_functions() -%}
    {{ return(adapter.dispatch('create_safe_cast_functions')()) }}
{%- endmacro %}

{% macro default__create_safe_cast_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_safe_cast_functions() -%}
    create schema if not exists {{ udf_schema() }};

    create or replace function {{ udf_schema() }}.try_cast_date(value text)
    returns date
    language plpgsql immutable strict parallel safe
    as $fn$
    begin
        if value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
            return null;
        end if;
        begin
            return cast(value as date);
        exception when others then
            return null;
        end;
    end
    $fn$;

    create or replace function {{ udf_schema() }}.try_cast_timestamp(value text)
    returns timestamp
    language plpgsql stable strict parallel safe
    as $fn$
    begin
        if value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$' then
            if value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' then
                return null;
            end if;
            begin
                return cast(value as timestamptz) at time zone 'UTC';
            exception when others then
                return null;
            end;
        end if;
        begin
            return cast(value as timestamp);
        exception when others then
            return null;
        end;
    end
    $fn$
{%- endmacro %}
