{#-
    The quality dimension of each data issue and rejection code of the base
    models, by the word it starts with; one place, read by the row_issue_rate
    tests and the docs.
-#}
{% macro issue_code_prefixes() -%}
    {{ return({
        'completeness': ['missing_'],
        'validity': ['unparseable_', 'invalid_', 'unrecognised_', 'negative_',
                     'non_positive_', 'discount_exceeds_', 'too_long_'],
        'accuracy': ['future_'],
    }) }}
{%- endmacro %}

{#-
    A SQL condition, true on a base-model row that carries an issue of the given
    quality dimension: a data_issues or rejection_reason code of that dimension
    (issue_code_prefixes), or, for consistency, a value that was standardised.
-#}
{% macro issue_dimension_condition(dimension) -%}
    {%- if dimension == 'consistency' -%}
        (standardised_values is not null)
    {%- else -%}
        {%- set prefixes = issue_code_prefixes().get(dimension) -%}
        {%- if not prefixes -%}
            {{ exceptions.raise_compiler_error(
                'no data issue codes have the quality dimension ' ~ dimension
            ) }}
        {%- endif -%}
        {%- set codes = dbt.concat([
            "', '", "coalesce(data_issues, '')", "', '",
            "coalesce(rejection_reason, '')", "', '",
        ]) -%}
        (
            {%- for prefix in prefixes %}
            {{ codes }} like '%, {{ prefix }}%'{% if not loop.last %} or{% endif %}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{#-
    The fewest rows a rate check judges: the argument when a test gives one,
    else vars.data_quality.min_rows_checked (the wrapper's ingestion checks read
    the same var), else 100.
-#}
{% macro rate_min_rows(given=none) -%}
    {%- if given is not none -%}
        {{ return(given) }}
    {%- endif -%}
    {{ return((var('data_quality', {}) or {}).get('min_rows_checked', 100)) }}
{%- endmacro %}
