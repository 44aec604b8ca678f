{#-
    The incremental strategy `replace_records`: the model returns every row of
    each record it rebuilds (unique_key: the record's key, one or more columns,
    not unique in the table: a record may have several rows), and a record
    that has no row anymore as one row holding only its key (every other
    column NULL). Every row of those records is deleted from the table, then
    the model's rows are inserted, key-only rows left out. Rows whose key is
    NULL are inserted and never deleted by key.
-#}
{% macro get_incremental_replace_records_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- if keys is string -%}{%- set keys = [keys] -%}{%- endif -%}
    {%- if not keys -%}
        {{ exceptions.raise_compiler_error(
            "replace_records needs unique_key: the columns of a record's key") }}
    {%- endif -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set payload = columns | reject('in', keys) | list -%}
    {%- set quoted = get_quoted_csv(columns) %}
    delete from {{ target }}
    where ({{ keys | join(', ') }}) in (
        select {{ keys | join(', ') }}
        from {{ source }}
    );

    insert into {{ target }} ({{ quoted }})
    select {{ quoted }}
    from {{ source }}
    where not (
        {%- for column in payload %}
        {{ adapter.quote(column) }} is null{% if not loop.last %} and{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
