{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['campaign_id']}]) }}

{#-
    Marketing campaigns (macro base_model): only a negative budget rejects a
    campaign; a missing name, channel, budget or date is flagged.
-#}
{{ base_model('marketing', 'campaigns', key='campaign_id', columns={
        'campaign_id': clean_text('source.campaign_id'),
        'campaign_name': clean_text('source.campaign_name'),
        'target_audience': clean_text('source.target_audience'),
        'channel': spelling_lookup('campaign_channel', 'source.channel'),
        'budget_amount': safe_numeric('source.budget_amount'),
        'start_date': safe_date('source.start_date'),
        'end_date': safe_date('source.end_date'),
        'updated_at': safe_timestamp('source.updated_at'),
    },
    rejections=[
        ['budget_amount < 0', 'negative_budget_amount'],
    ],
    issues=[
        ['campaign_name is null', 'missing_campaign_name'],
        missing_or('unrecognised', 'channel'),
        missing_or('unparseable', 'budget_amount'),
        missing_or('unparseable', 'start_date'),
        missing_or('unparseable', 'end_date'),
        ['end_date < start_date', 'end_date_before_start_date'],
    ],
    standardised=['campaign_name', 'channel', 'target_audience'],
) }}
