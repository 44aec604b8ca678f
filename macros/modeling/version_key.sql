{#- The surrogate key of one version of a record: a hash of its natural key and
    its version timestamp. Every SCD2 dimension (and the PII mart beside
    dim_customer) keys its versions with it, so the keys agree. -#}
{% macro version_key(key_column, version_column='updated_at') -%}
    {{ dbt.hash(dbt.concat([
        key_column, "'|'", 'cast(' ~ version_column ~ ' as ' ~ dbt.type_string() ~ ')'
    ])) }}
{%- endmacro %}
