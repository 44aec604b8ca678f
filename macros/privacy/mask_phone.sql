{#-
    A phone number with all but its last four digits hidden ('***-***-4567'):
    enough to confirm a number with a customer, not enough to call one. NULL
    stays NULL.
-#}
{% macro mask_phone(column) -%}
    case
        when {{ column }} is not null
            then {{ dbt.concat(["'***-***-'", dbt.right(column, 4)]) }}
    end
{%- endmacro %}
