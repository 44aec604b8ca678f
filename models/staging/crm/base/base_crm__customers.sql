{{ config(indexes=[{'columns': ['_load_id']}, {'columns': ['customer_id']}]) }}

{#-
    CRM customers (macro base_model): only the key and the version timestamp
    are required; every other column that is missing, unparseable or unknown is
    flagged, and a date of birth after the batch is flagged and dropped.
-#}
{{ base_model('crm', 'customers', key='customer_id', columns={
        'customer_id': clean_text('source.customer_id'),
        'first_name': clean_name('source.first_name'),
        'last_name': clean_name('source.last_name'),
        'email': clean_email('source.email'),
        'is_email_valid': is_valid_email('source.email'),
        'phone': clean_phone('source.phone'),
        'date_of_birth': safe_date('source.date_of_birth'),
        'gender': spelling_lookup('gender', 'source.gender'),
        'address': clean_text('source.address'),
        'city': clean_name('source.city'),
        'state_code': us_state_lookup('source.state'),
        'postal_code': clean_text('source.postal_code'),
        'country_code': 'upper(' ~ clean_text('source.country') ~ ')',
        'customer_segment': spelling_lookup('customer_segment', 'source.customer_segment'),
        'account_status': spelling_lookup('account_status', 'source.account_status'),
        'registration_date': safe_date('source.registration_date'),
        'updated_at': safe_timestamp('source.updated_at'),
    },
    issues=[
        ['first_name is null', 'missing_first_name'],
        ['last_name is null', 'missing_last_name'],
        ['email is null', 'missing_email'],
        ['email is not null and not is_email_valid', 'invalid_email'],
        [is_unparseable('source_phone', 'phone'), 'invalid_phone'],
        [is_unparseable('source_date_of_birth', 'date_of_birth'),
            'unparseable_date_of_birth'],
        [is_after_batch('date_of_birth'), 'future_date_of_birth'],
        [is_unparseable('source_gender', 'gender'), 'unrecognised_gender'],
        [is_unparseable('source_state', 'state_code'), 'unrecognised_state'],
        missing_or('unrecognised', 'customer_segment'),
        missing_or('unrecognised', 'account_status'),
        missing_or('unparseable', 'registration_date'),
    ],
    standardised=[
        'first_name', 'last_name', 'email', 'gender', 'city',
        ['state', 'state_code'], ['country', 'country_code'],
        'customer_segment', 'account_status',
    ],
    nulled={'date_of_birth': is_after_batch('date_of_birth')},
) }}
