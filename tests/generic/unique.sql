{#- dbt's unique, with the default quality dimension uniqueness (see not_null.sql). -#}
{% test unique(model, column_name) %}
    {{ config(meta={'dimension': 'uniqueness'}) }}
    {{ return(adapter.dispatch('test_unique', 'dbt')(model, column_name)) }}
{% endtest %}
