{#-
    The whole of a base_ model, rendered from its spec: one row per raw row of
    the current loads above the model's own watermark (macro current_raw_rows),
    cleaned and cast column by column, checked, flagged, and rejected with the
    reason when it cannot be used. Incremental (append, dbt_project.yml): a run
    cleans only the new loads; the pre-hook delete_replaced_loads deletes the
    rows of loads a reload replaced.

    columns:      {column: its value}, in the output's order: SQL over the raw
                  row `source`, or a lookup of its spelling (spelling_lookup,
                  us_state_lookup). The key comes first, updated_at last.
    rejections:   [condition, reason] pairs, checked in order after the rules
                  every base_ model shares: a value too long for any source, no
                  key, no usable updated_at, an updated_at after the batch.
                  An entry may also be a list of such pairs (macros missing_or,
                  timestamp_checks).
    issues:       [condition, issue] pairs, the same way: data_issues (macro
                  issue_list).
    standardised: the raw columns whose value cleaning changed, listed in
                  standardised_values: a name, or [raw column, cleaned column];
                  none: the model has no standardised_values.
    nulled:       {column: condition}: NULL in the output where the condition
                  holds on the cleaned value (it is still checked above).
    Conditions read the cleaned columns, and the raw values as source_<column>.
-#}
{% macro base_model(source_name, table_name, key, columns, rejections=[], issues=[],
    standardised=none, nulled={}) -%}
{%- set lookups = [] -%}
{%- for value in columns.values() if value is mapping and value.relation not in lookups -%}
    {%- do lookups.append(value.relation) -%}
{%- endfor -%}
{%- set rejection_checks = base_model_checks([timestamp_checks('updated_at')] + rejections) -%}
{%- set issue_checks = base_model_checks(issues) -%}
{%- set changed = [] -%}
{%- for entry in standardised or [] -%}
    {%- set raw_column, column = [entry, entry] if entry is string else entry -%}
    {%- do changed.append(['source_' ~ raw_column, column, raw_column]) -%}
{%- endfor -%}
{#- the raw values the checks read, as source_<column> -#}
{%- set conditions = (rejection_checks + issue_checks) | map('first') | list
    + changed | map('first') | list + nulled.values() | list -%}
{%- set raw_columns = [] -%}
{%- for raw_column in modules.re.findall('\\bsource_(\\w+)', conditions | join(' '))
    if raw_column not in raw_columns -%}
    {%- do raw_columns.append(raw_column) -%}
{%- endfor -%}
with

source as (
    {{ current_raw_rows(source_name, table_name) }}
),
{%- for relation in lookups %}
{{ lookup_ctes(relation) }}
{%- endfor %}

cleaned as (
    select
        {%- for column, value in columns.items() %}
        {%- if value is mapping %}
        {{ column }}_spelling.{{ value.value_column }} as {{ column }},
        {%- else %}
        {{ value }} as {{ column }},
        {%- endif %}
        {%- endfor %}
        -- the raw values the checks read
        {%- for raw_column in raw_columns %}
        source.{{ raw_column }} as source_{{ raw_column }},
        {%- endfor %}
        -- a value longer than any source sends (rejected below)
        {{ first_too_long(source_name, table_name) }} as too_long_column,
        -- load metadata
        {{ load_metadata('source.') }}
    from source
    {%- for column, value in columns.items() if value is mapping %}
    {%- set alias = column ~ '_spelling' %}
    left join {{ value.relation }} as {{ alias }}
        on {% if value.domain %}{{ alias }}.domain = '{{ value.domain }}'
        and {% endif %}{{ alias }}.spelling = {{ enum_key(value.column) }}
    {%- endfor %}
),

validated as (
    select
        cleaned.*,
        case
            when too_long_column is not null
                then {{ dbt.concat(["'too_long_'", 'too_long_column']) }}
            when {{ key }} is null then 'missing_{{ key }}'
            {%- for condition, reason in rejection_checks %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as rejection_reason,
        {{ issue_list(issue_checks) }} as data_issues
        {%- if standardised is not none %},
        {{ standardised_list(changed) }} as standardised_values
        {%- endif %}
    from cleaned
),

final as (
    select
        {%- for column in columns %}
        {%- if column in nulled %}
        case when {{ nulled[column] }} then null else {{ column }} end as {{ column }},
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- endfor %}
        -- quality
        data_issues,
        {%- if standardised is not none %}
        standardised_values,
        {%- endif %}
        rejection_reason,
        -- load metadata
        {{ load_metadata() }}
    from validated
)

select * from final
{%- endmacro %}

{#- The import CTEs of a lookup relation of base_model, each followed by a comma. -#}
{% macro lookup_ctes(relation) -%}
{%- if relation == 'enum_spellings' %}

enum_spellings as (
    select * from {{ ref('enum_spellings') }}
),
{%- elif relation == 'state_spellings' %}

us_states as (
    select * from {{ ref('us_states') }}
),

state_spellings as (
    -- every way a state is written: its code, its name, its AP abbreviation
    select {{ enum_key('state_code') }} as spelling, state_code from us_states
    union
    select {{ enum_key('state_name') }} as spelling, state_code from us_states
    union
    select {{ enum_key('ap_abbreviation') }} as spelling, state_code from us_states
),
{%- else %}
    {{ exceptions.raise_compiler_error('base_model has no lookup relation ' ~ relation) }}
{%- endif %}
{%- endmacro %}

{#- A column of base_model: the canonical value of the raw column's spelling in
    the seed enum_spellings, for its domain; NULL when the spelling is unknown. -#}
{% macro spelling_lookup(domain, column) -%}
    {{ return({'relation': 'enum_spellings', 'domain': domain, 'column': column,
        'value_column': 'canonical_value'}) }}
{%- endmacro %}

{#- A column of base_model: the two-letter code of the US state the raw column
    spells (code, name or AP abbreviation, seed us_states); NULL when none. -#}
{% macro us_state_lookup(column) -%}
    {{ return({'relation': 'state_spellings', 'domain': none, 'column': column,
        'value_column': 'state_code'}) }}
{%- endmacro %}

{#- The checks of a raw value: missing (blank), or sent but unusable (problem:
    unparseable, unrecognised, invalid: the cleaned column is NULL). A list of
    two [condition, code] pairs for base_model's rejections or issues. -#}
{% macro missing_or(problem, raw_column, column=none) -%}
    {{ return([
        [is_blank('source_' ~ raw_column), 'missing_' ~ raw_column],
        [is_unparseable('source_' ~ raw_column, column or raw_column),
            problem ~ '_' ~ raw_column],
    ]) }}
{%- endmacro %}

{#- The checks of a raw timestamp a row cannot do without: missing, unparseable
    (macro missing_or), or after the batch that carried it (is_after_batch). -#}
{% macro timestamp_checks(raw_column, column=none) -%}
    {{ return(missing_or('unparseable', raw_column, column)
        + [[is_after_batch(column or raw_column), 'future_' ~ raw_column]]) }}
{%- endmacro %}

{#- base_model's checks, [condition, code] pairs, with the lists of pairs among
    them (macro missing_or) spliced in, in order. -#}
{% macro base_model_checks(checks) -%}
    {%- set pairs = [] -%}
    {%- for check in checks -%}
        {%- if check[0] is string -%}
            {%- do pairs.append(check) -%}
        {%- else -%}
            {%- do pairs.extend(check) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}
