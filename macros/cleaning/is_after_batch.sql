{#-
    True when a timestamp or date lies after the landing batch that carried it:
    an extract cannot hold changes later than its own day. The tolerance
    (var future_tolerance_days, default 1) absorbs time zones and extracts cut
    shortly after midnight.
-#}
{% macro is_after_batch(column, batch_date_column='_batch_date') -%}
    ({{ column }} >= {{ dbt.dateadd('day', 1 + var('future_tolerance_days', 1), batch_date_column) }})
{%- endmacro %}
