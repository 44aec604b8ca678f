{#- Whole years from birth_date to as_of_date (a birthday counts on its day);
    NULL when either is NULL. -#}
{% macro age_in_years(birth_date, as_of_date) -%}
    cast(
        extract(year from {{ as_of_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ as_of_date }}) * 100 + extract(day from {{ as_of_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
        as {{ dbt.type_int() }}
    )
{%- endmacro %}
