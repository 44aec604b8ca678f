{#-
    Timeliness: the share of records first received more than max_delay_days
    after their event, among the records whose event happened on or after the
    first batch the warehouse received (what came before it is history, sent in
    the initial load, not late). Returns the late rows with rows_checked and
    failure_rate_percent; thresholds in whole percent, and no verdict below
    min_rows_checked rows, like failure_rate.
-#}
{% test late_arrival_rate(model, event_date_column, received_date_column, max_delay_days=1, min_rows_checked=none) %}
    {%- set min_rows_checked = rate_min_rows(min_rows_checked) %}
    {{ config(
        store_failures=true,
        meta={'dimension': 'timeliness'},
        fail_calc='coalesce(ceil(max(case when rows_checked >= ' ~ min_rows_checked ~ ' then failure_rate_percent end)), 0)',
        warn_if='>10',
        error_if='>50',
    ) }}

with

first_batch as (
    select min({{ received_date_column }})                      as first_received_date
    from {{ model }}
),

recent_rows as (
    select model_rows.*
    from (select * from {{ model }}) as model_rows
    cross join first_batch
    where model_rows.{{ event_date_column }} >= first_batch.first_received_date
),

late_rows as (
    select * from recent_rows
    where {{ dbt.datediff(event_date_column, received_date_column, 'day') }}
        > {{ max_delay_days }}
),

counts as (
    select
        (select count(*) from recent_rows)                      as rows_checked,
        (select count(*) from late_rows)                        as rows_failed
)

select
    late_rows.*,
    counts.rows_checked,
    100.0 * counts.rows_failed / nullif(counts.rows_checked, 0) as failure_rate_percent
from late_rows
cross join counts

{% endtest %}
