{#-
    failure_rate of a base model's rows that carry an issue of one quality
    dimension (macro issue_dimension_condition: missing_ codes for completeness,
    unparseable_, invalid_, ... for validity, future_ for accuracy, standardised
    values for consistency). Thresholds in whole percent of rows, and no verdict
    below min_rows_checked rows, like failure_rate.
-#}
{% test row_issue_rate(model, dimension, min_rows_checked=none) %}
    {%- set min_rows_checked = rate_min_rows(min_rows_checked) %}
    {{ config(
        store_failures=true,
        meta={'dimension': dimension},
        fail_calc='coalesce(ceil(max(case when rows_checked >= ' ~ min_rows_checked ~ ' then failure_rate_percent end)), 0)',
        warn_if='>1',
        error_if='>5',
    ) }}
    {{ return(test_failure_rate(model, issue_dimension_condition(dimension), dimension, none, min_rows_checked)) }}
{% endtest %}
