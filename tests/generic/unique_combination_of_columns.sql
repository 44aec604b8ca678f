{#-
    Like dbt_utils.unique_combination_of_columns: no two rows share the same values
    of combination_of_columns (a list of column names).
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ config(meta={'dimension': 'uniqueness'}) }}

with

validation_errors as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
)

select * from validation_errors

{% endtest %}
