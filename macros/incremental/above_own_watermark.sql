{#-
    The incremental filter of the staging and exceptions models: on an
    incremental run, rows whose load id is above the highest one the model
    already holds (own_column: its name there, default the same). Load ids only
    grow and a build reads no load above its ceiling, so the model's maximum
    is at most the ceiling of the build that wrote it: everything above it is
    new, or was cut from a later run and is rebuilt the same. True on a full
    build.
-#}
{% macro above_own_watermark(column='_load_id', own_column=none) -%}
    {%- if is_incremental() -%}
    {{ column }} > {{ own_watermark(own_column or column) }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
