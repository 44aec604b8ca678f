{#-
    The day a model measures "now" from: the var gold_as_of_date when set
    ('YYYY-MM-DD'), otherwise the latest date_column in relation (a relation or
    a CTE name). Never current_date, so a build of the same data gives the same
    numbers tomorrow.
-#}
{% macro as_of_date(relation, date_column) -%}
    {%- set as_of = var('gold_as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select max({{ date_column }}) from {{ relation }})
    {%- endif -%}
{%- endmacro %}
