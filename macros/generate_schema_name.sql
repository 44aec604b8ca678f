{#
    Schemas take the clean names the folders configure (staging, marts, gold, ...)
    instead of dbt's default <target_schema>_<custom>. On the ci target,
    DBT_CI_SCHEMA_PREFIX (when set) prefixes every schema so parallel runs can
    share one server.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set base = custom_schema_name | trim if custom_schema_name else target.schema -%}
    {%- set prefix = env_var('DBT_CI_SCHEMA_PREFIX', '') | trim if target.name == 'ci' else '' -%}
    {%- if prefix -%}
        {{ prefix }}_{{ base }}
    {%- else -%}
        {{ base }}
    {%- endif -%}
{%- endmacro %}
