{#-
    Primitive: value with the first letter of every word upper case and every
    other letter lower case, PostgreSQL's initcap: a word is a run of letters
    and digits, so a hyphen or an apostrophe starts a new one ("o'brien-smith"
    -> "O'Brien-Smith"). DuckDB has no initcap and Spark's starts words only
    after spaces: both spell the rule out character by character, with the
    word characters of PostgreSQL in the C locale (the embedded server's):
    ASCII letters and digits.
-#}
{% macro capitalise_words(value) -%}
    {{ return(adapter.dispatch('capitalise_words')(value)) }}
{%- endmacro %}

{% macro default__capitalise_words(value) -%}
    initcap({{ value }})
{%- endmacro %}

{% macro duckdb__capitalise_words(value) -%}
    array_to_string(list_transform(range(1, {{ dbt.length(value) }} + 1), lambda i: case
        when i = 1 or not regexp_matches(substr({{ value }}, i - 1, 1), '[A-Za-z0-9]')
            then upper(substr({{ value }}, i, 1))
        else lower(substr({{ value }}, i, 1))
    end), '')
{%- endmacro %}

{#- sequence(1, 0) counts down on Spark, hence greatest; NULL stays NULL. -#}
{% macro spark__capitalise_words(value) -%}
    case when {{ value }} is not null then array_join(transform(
        sequence(1, greatest({{ dbt.length(value) }}, 1)), i -> case
            when i = 1 or not substr({{ value }}, i - 1, 1) rlike '[A-Za-z0-9]'
                then upper(substr({{ value }}, i, 1))
            else lower(substr({{ value }}, i, 1))
        end
    ), '') end
{%- endmacro %}
