{#-
    The engine's exact division (macro exact_divide, behind gold_safe_divide)
    case by case: the exact quotient rounded half away from zero, as
    PostgreSQL's numeric, never a double's (0.15 / 2 is 0.08, not 0.07), and
    NULL for a zero or NULL denominator. Returns the cases that disagree.
-#}
{%- set cases = [
    ('0.15', '2', 2, '0.08'), ('-0.15', '2', 2, '-0.08'), ('0.05', '2', 2, '0.03'),
    ('10.00', '3', 2, '3.33'), ('20.00', '3', 2, '6.67'), ('1.10', '4', 2, '0.28'),
    ('2', '3', 4, '0.6667'), ('1', '8', 4, '0.1250'), ('1', '16', 4, '0.0625'),
    ('999999999.99', '7', 2, '142857142.86'), ('4.35', '-3', 2, '-1.45'),
    ('0', '5', 2, '0.00'), ('1', '0', 2, none), ('1', 'null', 2, none),
] -%}

with

cases as (
    {%- for numerator, denominator, scale, expected in cases %}
        {%- set quotient = exact_divide(
            'cast(' ~ numerator ~ ' as numeric(18, 2))',
            'cast(' ~ denominator ~ ' as numeric(18, 2))',
            scale,
        ) %}
        select
            {{ loop.index }}
                as case_number,
            cast({{ expected if expected is not none else 'null' }} as numeric(18, 4))
                as expected_value,
            cast({{ quotient }} as numeric(18, 4))
                as actual_value
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

results as (
    select
        case_number,
        expected_value,
        actual_value,
        case
            when actual_value is null and expected_value is null then 0
            when actual_value = expected_value then 0
            else 1
        end as is_wrong
    from cases
)

select * from results
where is_wrong = 1
