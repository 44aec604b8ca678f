{{ config(indexes=[{'columns': ['customer_id']}, {'columns': ['_load_id']}]) }}

{{ staged_versions(ref('base_crm__customers'), 'customer_id', columns=[
    'first_name', 'last_name', 'email', 'is_email_valid', 'phone', 'date_of_birth',
    'gender',
    'address', 'city', 'state_code', 'postal_code', 'country_code',
    'customer_segment', 'account_status',
    'registration_date',
]) }}
