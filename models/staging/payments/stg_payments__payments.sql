{{ config(
    unique_key='payment_id',
    indexes=[{'columns': ['payment_id']}, {'columns': ['_load_id']}, {'columns': ['order_id']}],
) }}

{#-
    Incremental: a run rebuilds, from every base row of theirs, only the
    records the new loads or a reload touched (macro records_to_rebuild).
-#}
with

{{ staged_version_ctes(ref('base_payments__payments'), 'payment_id') }}

versions as (
    select
        -- ids
        payment_id,
        order_id,
        -- categories
        payment_method,
        payment_status,
        -- amounts
        amount,
        -- timestamps
        paid_at,
        updated_at,
        -- quality
        data_issues,
        -- versions
        {{ is_latest_version('payment_id') }}                   as is_latest_version,
        -- load metadata
        {{ load_metadata() }}
    from ranked
    where version_row_number = 1
),

final as (
    {{ staged_versions_final('versions', 'payment_id') }}
)

select * from final
