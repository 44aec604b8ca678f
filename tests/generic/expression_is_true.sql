{#-
    Like dbt_utils.expression_is_true: every row satisfies expression (SQL, may
    name several columns). As a column test, the column name is put in front of the
    expression ('>= 0'). Rows where the expression is NULL fail too.
-#}
{% test expression_is_true(model, expression, column_name=none) %}
    {{ config(meta={'dimension': 'accuracy'}) }}

select *
from {{ model }}
where not coalesce(({{ column_name ~ ' ' if column_name }}{{ expression }}), false)

{% endtest %}
