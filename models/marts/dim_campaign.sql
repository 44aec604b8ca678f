{{ config(indexes=[
    {'columns': ['campaign_key'], 'unique': true},
    {'columns': ['campaign_id', 'valid_from'], 'unique': true},
]) }}

{#-
    Campaigns as a type 2 slowly changing dimension: every staged version (a
    budget top-up makes one) valid from its updated_at to the next version's,
    plus the unknown member for responses whose campaign never arrived.
-#}

with

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

{%- set duration_days -%}
    case
        when end_date >= start_date
            then cast({{ dbt.datediff("start_date", "end_date", "day") }} + 1 as {{ dbt.type_int() }})
    end
{%- endset %}

{{ scd2_dimension('campaigns', 'campaign_id', 'campaign_key', columns=[
    'campaign_name', 'channel', 'target_audience',
    'start_date', 'end_date', ['duration_days', duration_days],
    'budget_amount',
    'data_issues', 'updated_at',
], unknown_member={'campaign_name': "'Unknown'", 'channel': "'unknown'"}) }}
