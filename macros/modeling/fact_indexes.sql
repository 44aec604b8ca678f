{#- The indexes of an incremental fact: unique on its key (delete+insert finds
    the rows it replaces by it) and on its surrogate key, on the columns BI
    tools filter and join on, and on source_load_id (its watermark). -#}
{% macro fact_indexes(key, surrogate_key, columns) -%}
    {%- set indexes = [
        {'columns': [key], 'unique': true},
        {'columns': [surrogate_key], 'unique': true},
    ] -%}
    {%- for column in columns + ['source_load_id'] -%}
        {%- do indexes.append({'columns': [column]}) -%}
    {%- endfor -%}
    {{ return(indexes) }}
{%- endmacro %}
