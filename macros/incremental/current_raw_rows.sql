{#- The raw rows a base_ model cleans: those of current loads (macro
    is_current_load) above the model's own watermark (above_own_watermark). -#}
{% macro current_raw_rows(source_name, table_name) -%}
    select * from {{ source(source_name, table_name) }}
    where {{ is_current_load() }}
        and {{ above_own_watermark() }}
{%- endmacro %}
