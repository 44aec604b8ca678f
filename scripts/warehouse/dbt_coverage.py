"""Documentation and test coverage of the dbt project, from dbt's artifacts.

A model is tested when a data test or a unit test depends on it. A column is
documented when its yml entry has a description; the columns counted are the
ones the built table has (catalog.json), so a column added to the SQL and
forgotten in the yml counts as undocumented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProjectCoverage:
    models: int
    tested: int
    columns: int
    documented: int
    untested: list[str] = field(default_factory=list)
    undocumented: list[str] = field(default_factory=list)  # model.column

    @property
    def tested_share(self) -> float:
        return self.tested / self.models if self.models else 1.0

    @property
    def documented_share(self) -> float:
        return self.documented / self.columns if self.columns else 1.0

    def line(self) -> str:
        return (
            f"dbt project: {self.tested}/{self.models} models tested "
            f"({self.tested_share:.1%}), {self.documented}/{self.columns} columns documented "
            f"({self.documented_share:.1%})"
        )


def measure(manifest: dict[str, Any], catalog: dict[str, Any]) -> ProjectCoverage:
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == manifest_project(manifest)
    }
    tested: set[str] = set()
    for node in [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]:
        if node["resource_type"] in ("test", "unit_test"):
            tested.update(node.get("depends_on", {}).get("nodes", []))
    untested = sorted(node["name"] for uid, node in models.items() if uid not in tested)
    columns = documented = 0
    undocumented = []
    for uid, node in sorted(models.items()):
        built = catalog.get("nodes", {}).get(uid)
        names = list(built["columns"]) if built else list(node["columns"])
        declared = {name.lower(): column for name, column in node["columns"].items()}
        for name in names:
            columns += 1
            if (declared.get(name.lower()) or {}).get("description", "").strip():
                documented += 1
            else:
                undocumented.append(f"{node['name']}.{name}")
    return ProjectCoverage(
        len(models), len(models) - len(untested), columns, documented, untested, undocumented
    )


def manifest_project(manifest: dict[str, Any]) -> str:
    return manifest["metadata"].get("project_name") or "ecommerce_warehouse"
