{#-
    dbt's not_null, with this project's default quality dimension (completeness):
    every data test carries meta.dimension, and the builtin tests get theirs here
    rather than in each of their hundreds of uses. A use may still set its own.
-#}
{% test not_null(model, column_name) %}
    {{ config(meta={'dimension': 'completeness'}) }}
    {{ return(adapter.dispatch('test_not_null', 'dbt')(model, column_name)) }}
{% endtest %}
