{#- The incremental filter of every fact and of reporting_sales_wide: on an
    incremental run, only rows whose load watermark is above the highest one the
    table already holds (raw load ids only grow, and ingest never runs during a
    build). Renders nothing on a full build. -#}
{% macro loaded_after_watermark(column='source_load_id') -%}
    {%- if is_incremental() -%}
    where {{ column }} > {{ own_watermark(column) }}
    {%- endif -%}
{%- endmacro %}
