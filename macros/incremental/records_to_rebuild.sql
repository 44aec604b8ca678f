{#-
    A select of the keys (key_column) a staging version model rebuilds on an
    incremental run: records with a usable base row from a load above the
    model's own watermark (a new version, or the same version sent again: the
    row loaded last wins, and is_latest_version may move), and records whose
    row here came from a load a reload replaced (another version or row takes
    its place, or the record is gone).
-#}
{% macro records_to_rebuild(base_relation, key_column) -%}
    select base.{{ key_column }}
    from {{ base_relation }} as base
    where base.rejection_reason is null
        and {{ above_own_watermark('base._load_id', '_load_id') }}
    union
    select staged.{{ key_column }}
    from {{ this }} as staged
    where staged._load_id in ({{ replaced_load_ids() }})
{%- endmacro %}
