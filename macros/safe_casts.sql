{#
    Safe parsing of dirty source text: a value that does not follow the
    project's parsing rule becomes NULL, never an error, whatever the query
    plan (parallel or not), the engine or the server version.

    The rules are written once, here, as regular expressions and plain SQL.
    Each macro trims the value, treats an empty string as NULL, and casts only
    a value its rule has accepted, inside a CASE, so no cast can fail:

      integer    an optional sign and 1 to 9 digits                      ('+42')
      numeric    an optional sign, up to 15 digits, an optional dot and up
                 to 6 decimals, rounded to cents               ('-12.5', '.99')
      date       YYYY-MM-DD that exists on the calendar, year 0001-9999
      timestamp  a date, optionally followed by a T or a space and HH:MM,
                 :SS and up to 6 decimals of seconds (00:00 to 23:59:59), and,
                 after a time, an optional UTC offset (Z, +HH, +HHMM, +HH:MM,
                 up to 14 hours), converted to UTC; no offset means UTC

    No exception handling (a subtransaction per row cannot run in a parallel
    worker and costs a lot anyway). Engines supply only primitives:
    regex_matches, is_calendar_date and utc_from_offset_timestamp.
#}

{%- macro iso_date_pattern() -%}
[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])
{%- endmacro -%}

{%- macro iso_time_pattern() -%}
([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?
{%- endmacro -%}

{% macro safe_integer(column) -%}
    {%- set value = clean_text(column) -%}
    case
        when {{ regex_matches(value, '^[+-]?[0-9]{1,9}$') }}
            then cast({{ value }} as {{ dbt.type_int() }})
    end
{%- endmacro %}


{% macro safe_numeric(column) -%}
    {%- set value = clean_text(column) -%}
    case
        when {{ regex_matches(value, '^[+-]?([0-9]{1,15}([.][0-9]{0,6})?|[.][0-9]{1,6})$') }}
            then cast({{ value }} as {{ type_amount() }})
    end
{%- endmacro %}


{% macro safe_date(column) -%}
    {%- set value = clean_text(column) -%}
    case
        when {{ regex_matches(value, '^' ~ iso_date_pattern() ~ '$') }}
            then case when {{ is_calendar_date(value) }} then cast({{ value }} as date) end
    end
{%- endmacro %}


{% macro safe_timestamp(column) -%}
    {%- set value = clean_text(column) -%}
    {%- set naive = '^' ~ iso_date_pattern() ~ '([ T]' ~ iso_time_pattern() ~ ')?$' -%}
    {%- set with_offset = '^' ~ iso_date_pattern() ~ '[ T]' ~ iso_time_pattern()
        ~ '(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)$' -%}
    case
        when {{ regex_matches(value, naive) }}
            then case
                when {{ is_calendar_date(value) }}
                    then cast({{ value }} as {{ dbt.type_timestamp() }})
            end
        when {{ regex_matches(value, with_offset) }}
            then case
                when {{ is_calendar_date(value) }}
                    then {{ utc_from_offset_timestamp(value) }}
            end
    end
{%- endmacro %}


{#-
    Primitive: true when the first ten characters of value, already known to be
    shaped YYYY-MM-DD with a month 01-12 and a day 01-31, are a day of the
    calendar (the day exists in that month, February 29 only in leap years, no
    year 0). Only ever called on text its caller's pattern has matched.
-#}
{% macro is_calendar_date(value) -%}
    {{ return(adapter.dispatch('is_calendar_date')(value)) }}
{%- endmacro %}

{% macro default__is_calendar_date(value) -%}
    {%- set year = 'cast(substr(' ~ value ~ ', 1, 4) as ' ~ dbt.type_int() ~ ')' -%}
    {%- set month = 'cast(substr(' ~ value ~ ', 6, 2) as ' ~ dbt.type_int() ~ ')' -%}
    {%- set day = 'cast(substr(' ~ value ~ ', 9, 2) as ' ~ dbt.type_int() ~ ')' -%}
    ({{ year }} >= 1 and {{ day }} <= case {{ month }}
        when 2 then case
            when ({{ year }} % 4 = 0 and {{ year }} % 100 <> 0) or {{ year }} % 400 = 0
                then 29
            else 28
        end
        when 4 then 30
        when 6 then 30
        when 9 then 30
        when 11 then 30
        else 31
    end)
{%- endmacro %}

{#- PostgreSQL 16 and later check input without raising: pg_input_is_valid. -#}
{% macro postgres__is_calendar_date(value) -%}
    {%- if server_version_num() >= 160000 -%}
        pg_input_is_valid(substr({{ value }}, 1, 10), 'date')
    {%- else -%}
        {{ default__is_calendar_date(value) }}
    {%- endif -%}
{%- endmacro %}


{#-
    Primitive: the UTC timestamp of ISO text that carries a UTC offset (Z,
    +HH, +HHMM or +HH:MM), as a timestamp without time zone.
-#}
{% macro utc_from_offset_timestamp(value) -%}
    {{ return(adapter.dispatch('utc_from_offset_timestamp')(value)) }}
{%- endmacro %}

{% macro default__utc_from_offset_timestamp(value) -%}
    {{ exceptions.raise_compiler_error(
        'utc_from_offset_timestamp has no implementation for ' ~ target.type
        ~ ': add ' ~ target.type ~ '__utc_from_offset_timestamp'
    ) }}
{%- endmacro %}

{% macro postgres__utc_from_offset_timestamp(value) -%}
    (cast({{ value }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{#- DuckDB reads the offset as a timestamptz (ICU) and converts it to UTC. -#}
{% macro duckdb__utc_from_offset_timestamp(value) -%}
    cast(cast({{ value }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- Spark's timestamp is an instant shown in the session time zone, UTC here
    (spark.sql.session.timeZone, docs/engines.md): the cast applies the offset. -#}
{% macro spark__utc_from_offset_timestamp(value) -%}
    cast({{ value }} as timestamp)
{%- endmacro %}
