{#-
    Data tests on what a daily build changed. dbt hands the model a generic
    test reads through get_where_subquery (where a test's `where` config
    applies); this override adds, on a daily build, a filter to the rows that
    build could have changed, so that the build's cost follows the day's data
    and not the whole history.

    The wrapper says when: on an incremental whole build after new loads it
    sets the session setting warehouse.tests_since_load to the load ceiling of
    the last whole build (dbt_runner.TESTS_SINCE_SETTING). Unset (a full
    refresh, `--full-tests`, a plain `dbt build`, the first build) every test
    reads its whole table.

    What a build changed, in an incremental model: the rows whose load column
    is above that ceiling. The models say which column by carrying one:
    source_load_id (facts, gold: the newest load a row was built from) or
    _load_id (staging: the load a row came from). A run rewrites only such
    rows: new versions and rebuilt facts carry the new load; an older version
    whose record moved keeps its values (only is_latest_version and the
    validity may move, and the tests on those are per key, below). Tables and
    views, which a build rewrites whole, are tested whole.

    Which tests: those that judge each row on its own (not_null, accepted_values,
    accepted_range, expression_is_true, relationships from the child's side)
    read the changed rows; those that judge a key (unique,
    unique_combination_of_columns) read every row of the keys that changed, so
    a new row that repeats an old key is caught. Rates, ranges across rows and
    the singular reconciliations read whole tables; so does every test in the
    weekly full test (`warehouse build --full-tests`), the backstop for what a
    filter cannot see (a model rebuilt whole by a schema change in a daily run).
-#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append(where) -%}
    {%- endif -%}
    {%- set changed = changed_rows_condition(relation) -%}
    {%- if changed -%}
        {%- do conditions.append(changed) -%}
    {%- endif -%}
    {%- if conditions -%}
        {#- the marker comment tells the quality report which rows the test read;
            the alias keeps Spark from reading `where (...)` as one (t where(col)) -#}
        {%- set filtered -%}
            (select * from {{ relation }} as dbt_filtered where ({{ conditions | join(') and (') }})
            {%- if changed %} /* changed rows: {{ changed }} */{% endif %}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- How each generic test is limited on a daily build: per row, per key, or not at all. -#}
{% macro changed_rows_scope(test_name) -%}
    {%- set scopes = {
        'not_null': 'row',
        'accepted_values': 'row',
        'accepted_range': 'row',
        'expression_is_true': 'row',
        'relationships': 'row',
        'relationships_where': 'row',
        'unique': 'key',
        'unique_combination_of_columns': 'key',
    } -%}
    {{ return(scopes.get(test_name)) }}
{%- endmacro %}

{#- The filter to the rows (or keys) this build changed, or none (see above). -#}
{% macro changed_rows_condition(relation) -%}
    {%- if not execute or model.resource_type != 'test' or not model.get('attached_node') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set scope = changed_rows_scope(test.get('name')) -%}
    {%- set target = graph.nodes.get(model.attached_node) -%}
    {%- if scope is none or target is none or target.config.materialized != 'incremental' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set load_column = changed_rows_column(target) -%}
    {%- if load_column is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set since = tests_since_load() -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set changed = load_column ~ ' > ' ~ since -%}
    {%- if scope == 'row' -%}
        {{ return(changed) }}
    {%- endif -%}
    {%- set kwargs = test.get('kwargs') or {} -%}
    {%- set keys = kwargs.get('combination_of_columns') or [kwargs.get('column_name')] -%}
    {%- set key_list = keys | join(', ') -%}
    {{ return('(' ~ key_list ~ ') in (select ' ~ key_list ~ ' from ' ~ relation ~ ' where ' ~ changed ~ ')') }}
{%- endmacro %}

{#- The load column of an incremental model's rows: source_load_id or _load_id. -#}
{% macro changed_rows_column(node) -%}
    {%- for column in ['source_load_id', '_load_id'] -%}
        {%- if column in node.columns -%}
            {{ return(column) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The load ceiling of the last whole build, when the wrapper set it for this build. -#}
{% macro tests_since_load() -%}
    {{ return(adapter.dispatch('tests_since_load')()) }}
{%- endmacro %}

{% macro default__tests_since_load() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro postgres__tests_since_load() -%}
    {%- set found = run_query(
        "select nullif(current_setting('warehouse.tests_since_load', true), '')"
    ) -%}
    {%- set value = found.columns[0].values()[0] if found and found.rows | length else none -%}
    {{ return(none if value is none else value | int) }}
{%- endmacro %}

{#-
    The same limit for a singular test that compares facts and gold key by key:
    on a daily build, `where <key> in (...)`, the keys of the rows the build
    changed (source_load_id above the ceiling) in any of the tables compared,
    each given as [relation, its key column]; nothing on a whole build. A key
    changed in one table is compared on both sides, so a row added, lost or
    changed on one side fails as it does on the whole table; what no changed
    row points to is left to the weekly full test.
-#}
{% macro where_key_changed(key, tables) -%}
    {%- set since = tests_since_load() if execute else none -%}
    {%- if since is not none -%}
        {%- set changed_keys -%}
            {%- for relation, column in tables -%}
                select {{ column }} from {{ relation }} where source_load_id > {{ since }}
                {%- if not loop.last %} union {% endif -%}
            {%- endfor -%}
        {%- endset -%}
        where {{ key }} in ({{ changed_keys }})
        /* changed rows: {{ key }} of the rows loaded after {{ since }} */
    {%- endif -%}
{%- endmacro %}
