{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['response_id']}]) }}

{#-
    Campaign responses (macro base_model): a response needs a time no later
    than its batch, a known type and a conversion value that is not negative.
-#}
{{ base_model('marketing', 'campaign_responses', key='response_id', columns={
        'response_id': clean_text('source.response_id'),
        'campaign_id': clean_text('source.campaign_id'),
        'customer_id': clean_text('source.customer_id'),
        'response_type': spelling_lookup('response_type', 'source.response_type'),
        'conversion_value': safe_numeric('source.conversion_value'),
        'responded_at': safe_timestamp('source.response_ts'),
        'updated_at': safe_timestamp('source.updated_at'),
    },
    rejections=[
        timestamp_checks('response_ts', 'responded_at'),
        missing_or('unrecognised', 'response_type'),
        ['conversion_value < 0', 'negative_conversion_value'],
    ],
    issues=[
        ['campaign_id is null', 'missing_campaign_id'],
        ['customer_id is null', 'missing_customer_id'],
        [is_unparseable('source_conversion_value', 'conversion_value'),
            'unparseable_conversion_value'],
    ],
    standardised=['response_type'],
) }}
