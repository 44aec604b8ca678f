{#-
    The CTEs every SCD2 dimension ends with, after its imports, and its final
    select: versions, one row per version of relation (the version key, the
    natural key, the columns, then scd2_validity), and final, the versions and
    the unknown member: the row facts point to when their record has not
    arrived (or the source named none), keyed unknown_member_key(), valid for
    all time (unknown_member_validity).

    relation:       what the versions are selected from (a CTE, or CTEs joined).
    columns:        the columns after the natural key, in their order: a column
                    of relation, or [column, SQL]; updated_at among them.
    unknown_member: {column: SQL} the unknown member shows; every other column
                    is NULL (typed by the versions, in the union).
-#}
{% macro scd2_dimension(relation, id_column, key_column, columns, unknown_member={}) -%}
versions as (
    select
        {{ version_key(id_column) }} as {{ key_column }},
        {{ id_column }},
        {%- for column in columns %}
        {{ column if column is string else column[1] ~ ' as ' ~ column[0] }},
        {%- endfor %}
        {{ scd2_validity(id_column) | indent(4) }}
    from {{ relation }}
),

final as (
    select * from versions
    union all
    select
        {{ unknown_member_key() }} as {{ key_column }},
        {{ unknown_member_key() }} as {{ id_column }},
        {%- for column in columns %}
        {%- set name = column if column is string else column[0] %}
        {{ unknown_member.get(name, 'null') }} as {{ name }},
        {%- endfor %}
        {{ unknown_member_validity() | indent(4) }}
)

select * from final
{%- endmacro %}
