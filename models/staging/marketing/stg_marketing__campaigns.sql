{{ config(indexes=[{'columns': ['campaign_id']}, {'columns': ['_load_id']}]) }}

{{ staged_versions(ref('base_marketing__campaigns'), 'campaign_id', columns=[
    'campaign_name', 'target_audience',
    'channel',
    'budget_amount',
    'start_date', 'end_date',
]) }}
