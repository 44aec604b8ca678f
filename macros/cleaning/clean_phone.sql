{#-
    A North American phone number in E.164 form ('+15125550100'), whatever the
    punctuation it was typed with: ten digits, or eleven starting with the country
    code 1, whose area code starts with 2-9. Anything else becomes NULL.
-#}
{% macro clean_phone(column) -%}
    {%- set digits = strip_non_digits(column) -%}
    {%- set national -%}
        case
            when {{ dbt.length(digits) }} = 10 then {{ digits }}
            when {{ dbt.length(digits) }} = 11 and {{ digits }} like '1%'
                then {{ dbt.right(digits, 10) }}
        end
    {%- endset -%}
    case
        when substr({{ national }}, 1, 1) between '2' and '9'
            then {{ dbt.concat(["'+1'", national]) }}
    end
{%- endmacro %}
