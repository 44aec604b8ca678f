{#-
    Nothing is dropped silently: for every entity, every raw row of a current
    load (one no reload replaced) is either a staged version or an exception
    (rejected, or a duplicate of a staged version). Returns the entities whose
    counts do not add up.
-#}
{%- set entities = [
    ('crm', 'customers'),
    ('catalog', 'products'),
    ('shop', 'orders'),
    ('shop', 'order_lines'),
    ('payments', 'payments'),
    ('marketing', 'campaigns'),
    ('marketing', 'campaign_responses'),
] -%}

with

exceptions as (
    select * from {{ ref('fct_row_exceptions') }}
),

counts as (
    {% for source_name, entity in entities %}
    select
        '{{ entity }}'                                          as entity,
        (select count(*) from {{ source(source_name, entity) }} where {{ is_current_load() }})
                                                                as raw_rows,
        (select count(*) from {{ ref('stg_' ~ source_name ~ '__' ~ entity) }})
                                                                as staged_rows,
        (select count(*) from exceptions
            where entity = '{{ entity }}' and exception_kind in ('rejected', 'duplicate'))
                                                                as excepted_rows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select *
from counts
where raw_rows <> staged_rows + excepted_rows
