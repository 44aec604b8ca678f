{#-
    The parsing rules of safe_casts.sql, case by case, on the engine and server
    the build runs on: every accepted spelling gives the expected value, every
    other one NULL, and none raises. Returns the cases that disagree.
-#}
{%- set date_cases = [
    ("'2024-02-29'", "'2024-02-29'"), ("'2000-02-29'", "'2000-02-29'"),
    ("'2023-02-29'", none), ("'1900-02-29'", none), ("'2025-04-31'", none),
    ("'2025-02-30'", none), ("'2025-13-01'", none), ("'2025-00-10'", none),
    ("'2025-01-00'", none), ("'0000-01-01'", none), ("'0001-01-01'", "'0001-01-01'"),
    ("'9999-12-31'", "'9999-12-31'"), ("' 2025-01-05 '", "'2025-01-05'"),
    ("'2025-1-5'", none), ("'03/04/1990'", none), ("'2023/08/04'", none),
    ("'20250105'", none), ("'05-Jan-2025'", none), ("'yesterday'", none),
    ("'epoch'", none), ("'2025-01-05 10:00:00'", none), ("'2025-01-05x'", none),
    ("''", none), ("'   '", none), ("null", none),
] -%}
{%- set timestamp_cases = [
    ("'2025-01-05 10:11:12'", "'2025-01-05 10:11:12'"),
    ("'2025-01-05T10:11:12'", "'2025-01-05 10:11:12'"),
    ("'2025-01-05'", "'2025-01-05 00:00:00'"),
    ("'2025-01-05 10:11'", "'2025-01-05 10:11:00'"),
    ("'2025-01-05 10:11:12.123456'", "'2025-01-05 10:11:12.123456'"),
    ("'2025-01-05 10:11:12.1234567'", none),
    ("'2025-01-05T10:11:12Z'", "'2025-01-05 10:11:12'"),
    ("'2025-01-05T10:11:12+02:00'", "'2025-01-05 08:11:12'"),
    ("'2025-01-05 10:11:12-0530'", "'2025-01-05 15:41:12'"),
    ("'2025-01-05 10:11:12+14'", "'2025-01-04 20:11:12'"),
    ("'2024-02-29 23:00:00-02:00'", "'2024-03-01 01:00:00'"),
    ("'2025-01-05 10:11:12+15'", none), ("'2025-01-05 24:00:00'", none),
    ("'2025-01-05 23:59:60'", none), ("'2025-01-05 23:60:00'", none),
    ("'2025-02-30 10:00:00'", none), ("'2023-02-29 10:00:00'", none),
    ("'0000-01-01 00:00:00'", none), ("'2025-01-05 10:11:12 +02:00'", none),
    ("'2025-01-05t10:11:12'", none), ("'2025-01-05Z'", none),
    ("'01/05/2025 10:11:12'", none), ("'2025/01/05 10:11:12'", none),
    ("'05.01.2025 10:11'", none), ("'yesterday'", none), ("'now'", none),
    ("'epoch'", none), ("'infinity'", none), ("''", none), ("null", none),
] -%}
{%- set numeric_cases = [
    ("'12.5'", "12.50"), ("'-12.5'", "-12.50"), ("'+3'", "3.00"), ("'.99'", "0.99"),
    ("'5.'", "5.00"), ("' 7 '", "7.00"), ("'0.005'", "0.01"), ("'-0.004'", "0.00"),
    ("'999999999999999.999'", "1000000000000000.00"), ("'1000000000000000'", none),
    ("'1.1234567'", none), ("'1,234.50'", none), ("'12.5 USD'", none), ("'$12'", none),
    ("'1e3'", none), ("'NaN'", none), ("'Infinity'", none), ("'.'", none),
    ("'-'", none), ("'--1'", none), ("''", none), ("null", none),
] -%}
{%- set integer_cases = [
    ("'42'", "42"), ("'+42'", "42"), ("'-3'", "-3"), ("' 7 '", "7"), ("'007'", "7"),
    ("'999999999'", "999999999"), ("'1000000000'", none), ("'2147483648'", none),
    ("'3.5'", none), ("'3.0'", none), ("'1e3'", none), ("'abc'", none), ("'4 units'", none),
    ("''", none), ("null", none),
] -%}
{%- set kinds = [
    ('date', date_cases, 'date'),
    ('timestamp', timestamp_cases, dbt.type_timestamp()),
    ('numeric', numeric_cases, type_amount()),
    ('integer', integer_cases, dbt.type_int()),
] -%}

with

{% for kind, cases, data_type in kinds %}
    {{ kind }}_cases as (
        {%- for input, expected in cases %}
            select
                '{{ kind }}'                                 as kind,
                {{ loop.index }}                             as case_number,
                cast({{ input }} as {{ dbt.type_string() }}) as input_text,
                cast(
                    {{ expected if expected is not none else 'null' }} as {{ data_type }}
                )
                    as expected_value
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    {{ kind }}_results as (
        select
            kind,
            case_number,
            input_text,
            cast(expected_value as {{ dbt.type_string() }}) as expected_text,
            cast(parsed as {{ dbt.type_string() }})         as actual_text,
            case
                when parsed is null and expected_value is null then 0
                when parsed = expected_value then 0
                else 1
            end                                             as is_wrong
        from (
            select
                {{ kind }}_cases.*,
            {{ {
                'date': safe_date,
                'timestamp': safe_timestamp,
                'numeric': safe_numeric,
                'integer': safe_integer,
            }[kind]('input_text') }} as parsed
            from {{ kind }}_cases
        ) as parsed_cases
    ),

{% endfor %}

all_results as (
    {%- for kind, cases, data_type in kinds %}
        select * from {{ kind }}_results
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from all_results
where is_wrong = 1
