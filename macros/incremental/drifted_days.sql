{#- A select of the days (day_column) an incremental daily model must rebuild
    because its count of fact rows disagrees with the facts: a row moved to
    another day (or left) since the day was built. fact: the fact rows, one per
    row counted; summarised: the model's rows so far, count_column their count
    (summed per day). -#}
{% macro drifted_days(fact, summarised, count_column, day_column='order_date') -%}
    select coalesce(fact_counts.{{ day_column }}, summarised_counts.{{ day_column }})
                                                                as {{ day_column }}
    from (
        select {{ day_column }}, count(*) as row_count
        from {{ fact }}
        group by {{ day_column }}
    ) as fact_counts
    full outer join (
        select {{ day_column }}, sum({{ count_column }}) as row_count
        from {{ summarised }}
        group by {{ day_column }}
    ) as summarised_counts
        on fact_counts.{{ day_column }} = summarised_counts.{{ day_column }}
    where coalesce(fact_counts.row_count, 0) <> coalesce(summarised_counts.row_count, 0)
{%- endmacro %}
