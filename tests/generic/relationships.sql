{#- dbt's relationships, with the default quality dimension integrity (see not_null.sql). -#}
{% test relationships(model, column_name, to, field) %}
    {{ config(meta={'dimension': 'integrity'}) }}
    {{ return(adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field)) }}
{% endtest %}
