{{ config(
    unique_key='customer_id',
    indexes=[{'columns': ['customer_id']}, {'columns': ['_load_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_crm__customers'), 'customer_id') }}

versions as (
    select
        -- ids
        customer_id,
        -- person
        first_name,
        last_name,
        email,
        is_email_valid,
        phone,
        case when {{ is_after_batch('date_of_birth') }} then null else date_of_birth end
                                                                as date_of_birth,
        gender,
        -- address
        address,
        city,
        state_code,
        postal_code,
        country_code,
        -- categories
        customer_segment,
        account_status,
        -- dates and timestamps
        registration_date,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('customer_id') }}                  as is_latest_version,
        -- load metadata
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'customer_id') }}
)

select * from final
