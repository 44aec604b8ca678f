{#-
    The hybrid SCD of customers: type 2 for where a customer lives and how the
    shop classifies them (a move or a segment or status change starts a
    version), type 1 for everything else (a corrected e-mail, phone, name or
    birth date overwrites every version of the customer; no new version).
    One row per type-2 version, built from every version staging keeps, so no
    version is lost when several batches are built at once. dim_customer and
    pii.dim_customer_pii both read it, so their keys agree.
-#}
{%- set type_2_columns = [
    'address', 'city', 'state_code', 'postal_code', 'country_code',
    'customer_segment', 'account_status',
] -%}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

changes as (
    -- a staging version starts a dimension version when it is the customer's
    -- first, or when a type-2 attribute differs from the version before it
    -- (comparisons in brackets: sqlfluff's parser takes no bare `is distinct
    -- from` in a case)
    select
        customer_id,
        {{ type_2_columns | join(',\n        ') }},
        data_issues,
        updated_at,
        case
            when (lag(updated_at) over customer_history) is null then 1
            {%- for column in type_2_columns %}
                when (
                    (
                        lag({{ column }}) over customer_history
                    ) is distinct from {{ column }}
                )
                    then 1
            {%- endfor %}
            else 0
        end as starts_version
    from customers
    window customer_history as (
        partition by customer_id order by updated_at asc nulls last
    )
),

grouped as (
    select
        *,
        sum(starts_version) over (
            partition by customer_id
            order by updated_at asc nulls last
            rows between unbounded preceding and current row
        ) as version_group
    from changes
),

ranked as (
    select
        *,
        min(updated_at) over (partition by customer_id, version_group)
            as version_started_at,
        row_number() over (
            partition by customer_id, version_group
            order by updated_at desc nulls last
        ) as recency
    from grouped
),

type_2_versions as (
    -- one row per version: its attributes, the data issues of its newest
    -- staging row and the last time the source changed anything in it
    select
        customer_id,
        {{ type_2_columns | join(',\n        ') }},
        data_issues,
        version_started_at as updated_at,
        updated_at         as last_changed_at
    from ranked
    where recency = 1
),

current_values as (
    -- the type-1 attributes, as the newest staging version has them
    select
        customer_id,
        first_name,
        last_name,
        email,
        is_email_valid,
        phone,
        date_of_birth,
        gender,
        registration_date
    from customers
    where is_latest_version
),

final as (
    select
        -- ids
        type_2_versions.customer_id,
        -- person (type 1)
        current_values.first_name,
        current_values.last_name,
        current_values.email,
        current_values.is_email_valid,
        current_values.phone,
        current_values.date_of_birth,
        current_values.gender,
        current_values.registration_date,
        -- address and categories (type 2)
        {%- for column in type_2_columns %}
            type_2_versions.{{ column }},
        {%- endfor %}
        -- quality
        type_2_versions.data_issues,
        -- versions
        type_2_versions.updated_at,
        type_2_versions.last_changed_at
    from type_2_versions
    inner join current_values
        on type_2_versions.customer_id = current_values.customer_id
)

select * from final
