{#-
    A stable, salted hash of a personal value (an e-mail address), so reports can
    count and join on it without showing it. The salt is the var
    gold_pii_hash_salt; set a secret one per environment (--vars or
    dbt_project.yml) where the reports leave the warehouse. NULL stays NULL.
-#}
{% macro gold_pseudonymise(column) -%}
    case
        when {{ column }} is not null
            then {{ dbt.hash(dbt.concat([
                "'" ~ var('gold_pii_hash_salt', 'ecommerce-warehouse') ~ "'",
                "'|'",
                'lower(' ~ column ~ ')'
            ])) }}
    end
{%- endmacro %}
