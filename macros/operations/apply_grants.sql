{#-
    dbt's apply_grants for Postgres, with one change: grantees that are not roles
    of the server are left out with a log line instead of failing the model, so
    a project whose user may not create the analyst role still builds.
-#}
{% macro postgres__apply_grants(relation, grant_config, should_revoke=True) -%}
    {%- set filtered = {} -%}
    {%- if grant_config -%}
        {%- set wanted = [] -%}
        {%- for grantees in grant_config.values() -%}
            {%- for grantee in grantees if grantee not in wanted -%}
                {%- do wanted.append(grantee) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set existing = [] -%}
        {%- if wanted -%}
            {%- set literals = [] -%}
            {%- for grantee in wanted -%}
                {%- do literals.append(dbt.string_literal(grantee)) -%}
            {%- endfor -%}
            {%- set found = run_query(
                "select rolname from pg_roles where rolname in (" ~ literals | join(', ') ~ ")"
            ) -%}
            {%- for row in found.rows -%}
                {%- do existing.append(row['rolname']) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- for privilege, grantees in grant_config.items() -%}
            {%- set kept = [] -%}
            {%- for grantee in grantees -%}
                {%- if grantee in existing -%}
                    {%- do kept.append(grantee) -%}
                {%- else -%}
                    {{ log(
                        'grants: role ' ~ grantee ~ ' does not exist; ' ~ privilege
                        ~ ' on ' ~ relation.render() ~ ' not granted'
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {%- if kept -%}
                {%- do filtered.update({privilege: kept}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do dbt.default__apply_grants(relation, filtered, should_revoke) -%}
{%- endmacro %}

{#-
    Spark's own catalog has no privileges (GRANT is refused without a governed
    catalog such as Unity Catalog): the `grants` config is left out, with a log
    line, and access is the warehouse directory's (docs/engines.md).
-#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
    {%- if grant_config -%}
        {{ log('grants: not applied on Spark (no privileges in its catalog): '
            ~ relation.render()) }}
    {%- endif -%}
{%- endmacro %}
