{{ config(indexes=[{'columns': ['response_id']}, {'columns': ['_load_id']}]) }}

{{ staged_versions(ref('base_marketing__campaign_responses'), 'response_id', columns=[
    'campaign_id', 'customer_id',
    'response_type',
    'conversion_value',
    'responded_at',
]) }}
