{#- dbt's accepted_values, with the default quality dimension validity (see not_null.sql). -#}
{% test accepted_values(model, column_name, values, quote=true) %}
    {{ config(meta={'dimension': 'validity'}) }}
    {{ return(adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote)) }}
{% endtest %}
