"""What a failed dbt build tells the user: the nodes that failed, each with
dbt's first line, and for the errors a user meets when changing a model, the
command that fixes them.

Two of those come from this project's settings (docs/models.md):

- an incremental model with ``on_schema_change: fail`` whose columns changed:
  dbt refuses to add the column to the existing table (it checks this before
  the contract); the table must be rebuilt with ``--full-refresh``, and
  reverting the change needs the same;
- a model with an enforced contract whose SELECT no longer matches the
  columns of its yml: the contract (name and data_type of every column) must
  be updated, or the SQL put back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SCHEMA_CHANGE = re.compile(r"schemas on this incremental model are out of sync", re.IGNORECASE)
CONTRACT = re.compile(r"enforced contract (that )?failed|contract.*(mismatch|does not match)", re.I)
MAX_LISTED = 10


@dataclass(frozen=True)
class NodeFailure:
    unique_id: str
    status: str  # error, fail
    message: str

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[-1]

    @property
    def hint(self) -> str | None:
        if SCHEMA_CHANGE.search(self.message):
            return (
                f"its columns changed and it is incremental (on_schema_change: fail): rebuild "
                f"it and what reads it with `warehouse build --full-refresh --select "
                f"{self.name}+` (after reverting a change too); a model with an enforced "
                f"contract needs the column in its yml first (name and data_type)"
            )
        if CONTRACT.search(self.message):
            return (
                f"its SELECT no longer matches its contract: add, rename or retype the column "
                f"under `{self.name}` in the folder's yml (name and data_type), or put the SQL "
                f"back, then `warehouse build --select {self.name}`"
            )
        return None

    def line(self) -> str:
        first = next((ln.strip() for ln in self.message.splitlines() if ln.strip()), "")
        text = f"{self.status} in {self.unique_id}: {first[:300]}"
        hint = self.hint
        return f"{text}\n    to fix: {hint}" if hint else text


def failed_nodes(target_dir: Path) -> list[NodeFailure]:
    """The nodes of an invocation that errored or failed (run_results.json)."""
    path = target_dir / "run_results.json"
    if not path.exists():
        return []
    results = json.loads(path.read_text()).get("results", [])
    return [
        NodeFailure(r["unique_id"], r["status"], r.get("message") or "")
        for r in results
        if r["status"] in ("error", "fail")
    ]


def explain(target_dir: Path, output: str) -> list[str]:
    """One line per failed node (the first MAX_LISTED), with what to do; when
    dbt stopped before running any node (a compilation error), its error
    lines from ``output``."""
    failures = failed_nodes(target_dir)
    if failures:
        lines = [f.line() for f in failures[:MAX_LISTED]]
        if len(failures) > MAX_LISTED:
            lines.append(f"... and {len(failures) - MAX_LISTED} more")
        return lines
    errors = [ln.strip() for ln in output.splitlines() if "error" in ln.lower() and ln.strip()]
    return errors[-5:]
