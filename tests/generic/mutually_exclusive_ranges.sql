{#-
    Like dbt_utils.mutually_exclusive_ranges: within each partition_by group, the
    half-open ranges [lower_bound_column, upper_bound_column) do not overlap.
    gaps: 'allowed', 'not_allowed' (each range starts where the previous one
    ends: the SCD2 case) or 'required'. zero_length_range_allowed: whether a
    range may start where it ends. Every range must also have lower < upper
    (or <= with zero-length ranges allowed) and both bounds set.
-#}
{% test mutually_exclusive_ranges(model, lower_bound_column, upper_bound_column, partition_by=none, gaps='allowed', zero_length_range_allowed=false) %}
    {{ config(meta={'dimension': 'consistency'}) }}

{%- if gaps == 'not_allowed' -%}
    {%- set allow_gaps_operator = '=' -%}
{%- elif gaps == 'allowed' -%}
    {%- set allow_gaps_operator = '<=' -%}
{%- elif gaps == 'required' -%}
    {%- set allow_gaps_operator = '<' -%}
{%- else -%}
    {{ exceptions.raise_compiler_error(
        "gaps must be 'allowed', 'not_allowed' or 'required', got " ~ gaps
    ) }}
{%- endif -%}
{%- set range_operator = '<=' if zero_length_range_allowed else '<' -%}
{%- set partition_clause = 'partition by ' ~ partition_by if partition_by else '' -%}

with

window_functions as (
    select
        {% if partition_by %}{{ partition_by }} as partition_by_col,{% endif %}
        {{ lower_bound_column }} as lower_bound,
        {{ upper_bound_column }} as upper_bound,
        lead({{ lower_bound_column }}) over (
            {{ partition_clause }}
            order by {{ lower_bound_column }} asc nulls last, {{ upper_bound_column }} asc nulls last
        ) as next_lower_bound,
        row_number() over (
            {{ partition_clause }}
            order by {{ lower_bound_column }} desc nulls last, {{ upper_bound_column }} desc nulls last
        ) = 1 as is_last_record
    from {{ model }}
),

calc as (
    select
        *,
        coalesce(lower_bound {{ range_operator }} upper_bound, false) as lower_bound_less_than_upper_bound,
        coalesce(
            upper_bound {{ allow_gaps_operator }} next_lower_bound
            or is_last_record,
            false
        ) as upper_bound_fits_next_lower_bound
    from window_functions
),

validation_errors as (
    select *
    from calc
    where not (
        lower_bound_less_than_upper_bound
        and upper_bound_fits_next_lower_bound
    )
)

select * from validation_errors

{% endtest %}
