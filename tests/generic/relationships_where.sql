{#-
    Like dbt_utils.relationships_where: every value of column_name (in rows
    matching from_condition) exists in field of to (in rows matching
    to_condition).
-#}
{% test relationships_where(model, column_name, to, field, from_condition='1=1', to_condition='1=1') %}
    {{ config(meta={'dimension': 'integrity'}) }}

with

left_table as (
    select {{ column_name }} as id
    from {{ model }}
    where {{ column_name }} is not null
        and {{ from_condition }}
),

right_table as (
    select {{ field }} as id
    from {{ to }}
    where {{ field }} is not null
        and {{ to_condition }}
),

exceptions as (
    select left_table.id
    from left_table
    left join right_table
        on left_table.id = right_table.id
    where right_table.id is null
)

select * from exceptions

{% endtest %}
