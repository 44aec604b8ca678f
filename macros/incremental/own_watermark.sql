{#- The watermark of an incremental model: the highest value of column it
    already holds (0 when empty), as a scalar subquery. Every incremental
    filter compares with it: above_own_watermark, loaded_after_watermark,
    keys_to_rebuild. -#}
{% macro own_watermark(column='source_load_id') -%}
    (select coalesce(max({{ column }}), 0) from {{ this }})
{%- endmacro %}
