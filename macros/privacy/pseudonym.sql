{#-
    A keyed pseudonym of a personal value (an e-mail address): HMAC-SHA256 with
    this installation's secret key, as 64 hex characters. Stable, so reports can
    count and join on it; not reversible by a dictionary of e-mail addresses
    without the key; different in every installation and after every rotation.
    The value is trimmed and lower case first. NULL stays NULL.

    The key never appears in SQL: it is generated inside the database
    (ensure_pseudonym_key) and read from private.pseudonym_key, which only the
    role that builds the warehouse can read. Dispatched: engines without an
    implementation fail to compile rather than fall back to an unkeyed hash.
-#}
{% macro pseudonym(column) -%}
    {{ return(adapter.dispatch('pseudonym')(column)) }}
{%- endmacro %}

{% macro default__pseudonym(column) -%}
    {{ exceptions.raise_compiler_error(
        'pseudonym has no implementation for ' ~ target.type
        ~ ': add ' ~ target.type ~ '__pseudonym (a keyed HMAC, never a plain hash)'
    ) }}
{%- endmacro %}

{#-
    HMAC-SHA256 (RFC 2104) with PostgreSQL's built-in sha256 (pgcrypto is not
    everywhere): sha256(outer_key || sha256(inner_key || value)), where the
    stored inner and outer keys are the secret key padded to 64 bytes and
    XORed with 0x36 and 0x5c.
-#}
{% macro postgres__pseudonym(column) -%}
    {%- set keys = pseudonym_key_relation() -%}
    case
        when {{ column }} is not null then encode(sha256(
            (select outer_key from {{ keys }} order by key_id desc limit 1)
            || sha256(
                (select inner_key from {{ keys }} order by key_id desc limit 1)
                || convert_to(lower(trim({{ column }})), 'UTF8')
            )
        ), 'hex')
    end
{%- endmacro %}

{#- The table that holds the pseudonym keys (schema private, prefixed on ci). -#}
{% macro pseudonym_key_relation() -%}
    {{ adapter.quote(generate_schema_name('private', none) | trim) }}.pseudonym_key
{%- endmacro %}

{#-
    Called from on-run-start: makes sure the installation has a pseudonym key.
    A new key is 32 bytes from the server's strong random source
    (gen_random_uuid), stored only as the HMAC inner and outer keys, in a
    schema no reader role is granted. `rotate` adds a new key (the models then
    need a full refresh: `warehouse pii rotate-key` does both).
-#}
{% macro ensure_pseudonym_key(rotate=false) -%}
    {{ return(adapter.dispatch('ensure_pseudonym_key')(rotate)) }}
{%- endmacro %}

{% macro default__ensure_pseudonym_key(rotate=false) -%}
{%- endmacro %}

{% macro postgres__ensure_pseudonym_key(rotate=false) -%}
    {%- set schema = adapter.quote(generate_schema_name('private', none) | trim) -%}
    {%- set keys = pseudonym_key_relation() -%}
    create schema if not exists {{ schema }};
    revoke all on schema {{ schema }} from public;
    create table if not exists {{ keys }} (
        key_id      integer generated always as identity primary key,
        inner_key   bytea       not null,
        outer_key   bytea       not null,
        created_at  timestamptz not null default now()
    );
    revoke all on {{ keys }} from public;
    insert into {{ keys }} (inner_key, outer_key)
    select
        (select string_agg(decode(lpad(to_hex(get_byte(key, i) # 54), 2, '0'), 'hex'),
            ''::bytea order by i) from generate_series(0, 63) as i),
        (select string_agg(decode(lpad(to_hex(get_byte(key, i) # 92), 2, '0'), 'hex'),
            ''::bytea order by i) from generate_series(0, 63) as i)
    from (
        select decode(
            replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')
            || repeat('00', 32),
            'hex'
        ) as key
    ) as new_key
    {%- if not rotate %}
    where not exists (select from {{ keys }})
    {%- endif %}
{%- endmacro %}

{#-
    DuckDB and Spark: the same HMAC-SHA256, the keys stored as hex text (a
    binary column is not portable), generated the same way from two random
    UUIDs inside the database.
-#}
{% macro duckdb__pseudonym(column) -%}
    {%- set keys = pseudonym_key_relation() -%}
    case
        when {{ column }} is not null then sha256(
            unhex((select outer_key from {{ keys }} order by key_id desc limit 1))
            || unhex(sha256(
                unhex((select inner_key from {{ keys }} order by key_id desc limit 1))
                || encode(lower(trim({{ column }})))
            ))
        )
    end
{%- endmacro %}

{% macro spark__pseudonym(column) -%}
    {%- set keys = pseudonym_key_relation() -%}
    case
        when {{ column }} is not null then sha2(
            concat(
                unhex((select max_by(outer_key, key_id) from {{ keys }})),
                unhex(sha2(
                    concat(
                        unhex((select max_by(inner_key, key_id) from {{ keys }})),
                        cast(lower(trim({{ column }})) as binary)
                    ),
                    256
                ))
            ),
            256
        )
    end
{%- endmacro %}

{#- The hex text of a new key's HMAC pad: 32 random bytes padded to 64, each
    XORed with pad (54 inner, 92 outer). -#}
{% macro pseudonym_key_pad(pad) -%}
    {{ return(adapter.dispatch('pseudonym_key_pad')(pad)) }}
{%- endmacro %}

{% macro default__pseudonym_key_pad(pad) -%}
    {{ exceptions.raise_compiler_error('pseudonym_key_pad has no implementation for ' ~ target.type) }}
{%- endmacro %}

{% macro duckdb__pseudonym_key_pad(pad) -%}
    (select string_agg(
        lpad(to_hex(xor(cast(('0x' || substr(new_key.key, 2 * i + 1, 2)) as integer), {{ pad }})),
            2, '0'),
        '' order by i
    ) from range(64) as bytes(i))
{%- endmacro %}

{% macro spark__pseudonym_key_pad(pad) -%}
    array_join(transform(sequence(0, 63), i -> lpad(
        hex(cast(conv(substr(new_key.key, 2 * i + 1, 2), 16, 10) as int) ^ {{ pad }}), 2, '0'
    )), '')
{%- endmacro %}

{% macro pseudonym_new_key() -%}
    {{ return(adapter.dispatch('pseudonym_new_key')()) }}
{%- endmacro %}

{% macro default__pseudonym_new_key() -%}
    {{ exceptions.raise_compiler_error('pseudonym_new_key has no implementation for ' ~ target.type) }}
{%- endmacro %}

{% macro duckdb__pseudonym_new_key() -%}
    replace(cast(gen_random_uuid() as varchar), '-', '')
    || replace(cast(gen_random_uuid() as varchar), '-', '') || repeat('00', 32)
{%- endmacro %}

{% macro spark__pseudonym_new_key() -%}
    concat(replace(uuid(), '-', ''), replace(uuid(), '-', ''), repeat('00', 32))
{%- endmacro %}

{% macro duckdb__ensure_pseudonym_key(rotate=false) -%}
    {{ return(portable_ensure_pseudonym_key(rotate)) }}
{%- endmacro %}

{% macro spark__ensure_pseudonym_key(rotate=false) -%}
    {{ return(portable_ensure_pseudonym_key(rotate)) }}
{%- endmacro %}

{#- The key table of DuckDB and Spark (no identity, no bytea, no grants: the
    database file or warehouse directory is the writer's alone). -#}
{% macro portable_ensure_pseudonym_key(rotate=false) -%}
    {%- set schema = adapter.quote(generate_schema_name('private', none) | trim) -%}
    {%- set keys = pseudonym_key_relation() -%}
    {%- set insert -%}
    insert into {{ keys }}
    select
        (select coalesce(max(key_id), 0) + 1 from {{ keys }}) as key_id,
        {{ pseudonym_key_pad(54) }} as inner_key,
        {{ pseudonym_key_pad(92) }} as outer_key,
        current_timestamp as created_at
    from (select {{ pseudonym_new_key() }} as key) as new_key
    {%- if not rotate %}
    where not exists (select 1 from {{ keys }})
    {%- endif %}
    {%- endset -%}
    {{ return(statements_sql([
        'create schema if not exists ' ~ schema,
        'create table if not exists ' ~ keys ~ ' (key_id ' ~ dbt.type_bigint()
            ~ ', inner_key ' ~ dbt.type_string() ~ ', outer_key ' ~ dbt.type_string()
            ~ ', created_at ' ~ dbt.type_timestamp() ~ ')' ~ table_format_clause(),
        insert,
    ])) }}
{%- endmacro %}
