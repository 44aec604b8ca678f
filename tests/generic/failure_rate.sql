{#-
    The share of rows that fail a condition, for checks where some failures are
    tolerated (source quality: a few invalid e-mails are expected, many are not).

    Returns the failing rows, each with rows_checked (the rows of population: the
    model itself, or another relation such as the base model an exceptions row
    comes from) and failure_rate_percent. dbt's failures for this test is that
    percentage rounded up to a whole number (dbt counts failures in integers), so
    its warn_if and error_if are thresholds in whole percent of rows, exact:
    warn_if: ">1" warns when more than 1 % of the rows fail. failing_when: a SQL
    condition on the model's rows. dimension: the quality dimension (meta).
    min_rows_checked: below this many rows a rate says little (one duplicate of
    37 campaigns is 2.7 %), so the check reports its rows but does not judge
    (default: vars.data_quality.min_rows_checked, macro rate_min_rows).
-#}
{% test failure_rate(model, failing_when, dimension, population=none, min_rows_checked=none) %}
    {%- set min_rows_checked = rate_min_rows(min_rows_checked) %}
    {{ config(
        store_failures=true,
        meta={'dimension': dimension},
        fail_calc='coalesce(ceil(max(case when rows_checked >= ' ~ min_rows_checked ~ ' then failure_rate_percent end)), 0)',
        warn_if='>1',
        error_if='>5',
    ) }}

with

failing_rows as (
    select * from {{ model }}
    where {{ failing_when }}
),

rates as (
    -- scalar subqueries: each count runs once, whatever the planner guesses
    select
        (select count(*) from {{ population if population is not none else model }})
                                                                as rows_checked,
        (select count(*) from failing_rows)                     as rows_failed
)

select
    failing_rows.*,
    rates.rows_checked,
    100.0 * rates.rows_failed / nullif(rates.rows_checked, 0)
                                                                as failure_rate_percent
from failing_rows
cross join rates

{% endtest %}
