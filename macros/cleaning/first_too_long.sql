{#-
    The name of the first source column whose value (trimmed) is longer than
    its limit, NULL when none is: keys (columns ending in _id, and
    order_number) 64 characters, every other text 255 (an e-mail address is at
    most 254). No source value comes near these; an 8,000-character key would
    make a btree index of a fact fail and with it every later build, so such a
    row is rejected in staging (too_long_<column>) and counted, not loaded.
    The columns are the dbt source's own (every contract column), so a column
    added to the contract is covered without touching the models.
-#}
{% macro text_length_limits() -%}
    {{ return({'key': 64, 'text': 255}) }}
{%- endmacro %}

{% macro first_too_long(source_name, table_name, relation='source') -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for node in (graph.get('sources') or {}).values()
            if node.source_name == source_name and node.name == table_name -%}
            {%- for column in node.columns.values() if not column.name.startswith('_') -%}
                {%- do columns.append(column.name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not columns -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {%- set limits = text_length_limits() -%}
        case
            {%- for column in columns %}
            {%- set kind = 'key' if column.endswith('_id') or column == 'order_number' else 'text' %}
            when {{ dbt.length('trim(' ~ relation ~ '.' ~ column ~ ')') }} > {{ limits[kind] }}
                then '{{ column }}'
            {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}
