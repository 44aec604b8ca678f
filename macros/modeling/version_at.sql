{#- A select of (event_key, columns of the version): per event, the version of
    an SCD2 dimension valid at the event's time (ranges are half-open,
    [valid_from, valid_to)); an event without one has no row. events and
    versions are CTE names; natural_key names the dimension's record in both. -#}
{% macro version_at(versions, columns, events, event_key, natural_key, event_time) -%}
    select
        {{ events }}.{{ event_key }},
        {%- for column in columns %}
        {{ versions }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ events }}
    inner join {{ versions }}
        on {{ events }}.{{ natural_key }} = {{ versions }}.{{ natural_key }}
        and {{ events }}.{{ event_time }} >= {{ versions }}.valid_from
        and {{ events }}.{{ event_time }} < {{ versions }}.valid_to
{%- endmacro %}
