{#- The surrogate key of every dimension's unknown member, which facts point to when
    their dimension row has not arrived (or the source sent no reference). -#}
{% macro unknown_member_key() -%}
    '-1'
{%- endmacro %}
