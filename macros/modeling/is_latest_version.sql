{#- True on the newest version (by updated_at) of each record. -#}
{% macro is_latest_version(key_column) -%}
    row_number() over (
        partition by {{ key_column }}
        order by updated_at desc nulls last
    ) = 1
{%- endmacro %}
