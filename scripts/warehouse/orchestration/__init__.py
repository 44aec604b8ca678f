"""Optional orchestrator integrations (the `orchestration` extra).

dagster_defs: the landing-zone ingestion and the dbt project as Dagster assets,
with a daily schedule. Nothing else in the package imports this one: `warehouse
run` needs no orchestrator.
"""
