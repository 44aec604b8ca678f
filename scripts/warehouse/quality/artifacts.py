"""What one dbt invocation did, read from its artifacts (manifest.json and
run_results.json): every data test with its quality dimension, thresholds and
outcome, and every node's timing. Pure functions over the parsed JSON, so a
test can call them without dbt or a database."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warehouse.errors import WarehouseError

#: The quality dimensions a data test may carry in meta.dimension.
DIMENSIONS: tuple[str, ...] = (
    "completeness",
    "uniqueness",
    "validity",
    "accuracy",
    "consistency",
    "integrity",
    "timeliness",
)


class ArtifactError(WarehouseError):
    """dbt's artifacts are missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class Artifacts:
    manifest: dict[str, Any]
    run_results: dict[str, Any]

    @property
    def invocation_id(self) -> str:
        return self.run_results["metadata"]["invocation_id"]


@dataclass(frozen=True)
class TestOutcome:
    """One data test of one invocation."""

    test_id: str
    name: str
    test_type: str  # the generic test's name (not_null, failure_rate, ...) or "singular"
    model: str | None  # the model or source it checks
    model_relation: str | None  # that model's relation, as dbt renders it
    population_relation: str | None  # what rows_checked counts (the model, or another)
    column: str | None
    dimension: str
    severity: str  # as configured: error or warn
    status: str  # pass, warn, fail, error, skipped
    failures: float | None  # dbt's fail_calc result (a count, or a rate for failure_rate)
    warn_if: str
    error_if: str
    where: str | None
    changed_rows: str | None  # on a daily build, the filter to the rows the build changed
    failures_relation: str | None  # the stored failing rows (store_failures)
    execution_seconds: float
    message: str | None


@dataclass(frozen=True)
class NodeTiming:
    """One node of one invocation: what ran, how it ended and how long it took."""

    unique_id: str
    resource_type: str
    name: str
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    execution_seconds: float
    rows_affected: int | None
    message: str | None


def read_artifacts(target_dir: Path) -> Artifacts:
    """The manifest and run results dbt wrote into ``target_dir``."""
    documents = {}
    for name in ("manifest.json", "run_results.json"):
        path = target_dir / name
        try:
            documents[name] = json.loads(path.read_text())
        except FileNotFoundError:
            raise ArtifactError(f"{path}: dbt wrote no {name} (did the build start?)") from None
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{path}: cannot read dbt's {name} ({exc})") from None
    return Artifacts(documents["manifest.json"], documents["run_results.json"])


def _node(manifest: dict[str, Any], unique_id: str | None) -> dict[str, Any] | None:
    if not unique_id:
        return None
    return manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)


def _checked_nodes(manifest: dict[str, Any], test: dict[str, Any]) -> list[dict[str, Any]]:
    """The models, seeds, snapshots and sources a test reads, in the order it names them."""
    found = []
    for unique_id in test.get("depends_on", {}).get("nodes", []):
        node = _node(manifest, unique_id)
        if node is not None and node["resource_type"] in ("model", "seed", "snapshot", "source"):
            found.append(node)
    return found


#: The marker macro get_where_subquery leaves in a test it limited to the rows
#: a daily build changed (macros/quality/tests_on_changed_rows.sql).
CHANGED_ROWS = re.compile(r"/\* changed rows: (.+?) \*/")


def changed_rows(compiled_code: str | None) -> str | None:
    """The filter a daily build's test read its model through, if any."""
    found = CHANGED_ROWS.search(compiled_code or "")
    return found.group(1) if found else None


def data_tests(
    artifacts: Artifacts, failing_rows: Mapping[str, str] | None = None
) -> list[TestOutcome]:
    """Every data test the invocation ran (unit tests are not data tests).
    ``failing_rows``: where each test's failing rows are kept, by test id
    (quality.failing_rows); else where dbt stored them."""
    manifest = artifacts.manifest
    outcomes = []
    for result in artifacts.run_results["results"]:
        test = manifest["nodes"].get(result["unique_id"])
        if test is None or test["resource_type"] != "test":
            continue
        config = test["config"]
        metadata = test.get("test_metadata") or {}
        checked = _checked_nodes(manifest, test)
        attached = _node(manifest, test.get("attached_node")) or (checked[0] if checked else None)
        population = attached
        if metadata.get("name") == "failure_rate":
            others = [n for n in checked if n is not attached]
            population = others[0] if others else attached
        outcomes.append(
            TestOutcome(
                test_id=test["unique_id"],
                name=test["name"],
                test_type=metadata.get("name", "singular"),
                model=attached["name"] if attached else None,
                model_relation=attached.get("relation_name") if attached else None,
                population_relation=(
                    population.get("relation_name") if population and metadata else None
                ),
                column=test.get("column_name") or metadata.get("kwargs", {}).get("column_name"),
                dimension=(config.get("meta") or {}).get("dimension", ""),
                severity=str(config.get("severity", "error")).lower(),
                status=result["status"],
                failures=result.get("failures"),
                warn_if=config.get("warn_if", "!= 0"),
                error_if=config.get("error_if", "!= 0"),
                where=config.get("where"),
                changed_rows=changed_rows(result.get("compiled_code")),
                failures_relation=(
                    failing_rows.get(test["unique_id"])
                    if failing_rows is not None
                    else result.get("relation_name")
                ),
                execution_seconds=float(result.get("execution_time") or 0.0),
                message=result.get("message"),
            )
        )
    return outcomes


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def node_timings(artifacts: Artifacts) -> list[NodeTiming]:
    """Every node of the invocation (models, tests, seeds, snapshots, hooks)."""
    manifest = artifacts.manifest
    timings = []
    for result in artifacts.run_results["results"]:
        unique_id = result["unique_id"]
        node = _node(manifest, unique_id) or {}
        execute = next((t for t in result.get("timing", []) if t["name"] == "execute"), None)
        compile_ = next((t for t in result.get("timing", []) if t["name"] == "compile"), None)
        started = (compile_ or execute or {}).get("started_at")
        completed = (execute or compile_ or {}).get("completed_at")
        rows = (result.get("adapter_response") or {}).get("rows_affected")
        timings.append(
            NodeTiming(
                unique_id=unique_id,
                resource_type=node.get("resource_type", unique_id.split(".", 1)[0]),
                name=node.get("name", unique_id.rsplit(".", 1)[-1]),
                status=result["status"],
                started_at=_parse_time(started),
                completed_at=_parse_time(completed),
                execution_seconds=float(result.get("execution_time") or 0.0),
                rows_affected=int(rows) if isinstance(rows, int) and rows >= 0 else None,
                message=result.get("message"),
            )
        )
    return timings


def undimensioned_tests(manifest: dict[str, Any]) -> list[str]:
    """Data tests whose meta.dimension is missing or not one of DIMENSIONS."""
    return sorted(
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node["config"].get("meta") or {}).get("dimension") not in DIMENSIONS
    )
