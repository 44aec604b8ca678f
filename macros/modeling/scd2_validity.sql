{#-
    The SCD2 columns of a version history that holds one row per version:
    version_number (1 = oldest), valid_from (the version's own timestamp; the
    beginning of time for the first version), valid_to (the next version's
    timestamp; the end of time for the last) and is_current. Ranges are
    half-open, [valid_from, valid_to), so they neither overlap nor leave gaps.
-#}
{% macro scd2_validity(partition_by, version_column='updated_at') -%}
    {%- set window -%}
        over (partition by {{ partition_by }} order by {{ version_column }} asc nulls last)
    {%- endset -%}
    row_number() {{ window }}                                   as version_number,
    case
        when row_number() {{ window }} = 1 then {{ beginning_of_time() }}
        else {{ version_column }}
    end                                                         as valid_from,
    coalesce(lead({{ version_column }}) {{ window }}, {{ end_of_time() }})
                                                                as valid_to,
    lead({{ version_column }}) {{ window }} is null             as is_current
{%- endmacro %}
