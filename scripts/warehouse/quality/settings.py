"""The data-quality settings, kept with the dbt project (dbt_project.yml, vars:
data_quality) so analysts and engineers change them in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from warehouse.quality.artifacts import DIMENSIONS


@dataclass(frozen=True)
class QualitySettings:
    score_thresholds: dict[str, float] = field(default_factory=dict)
    quarantine_warn_percent: float = 1.0
    quarantine_error_percent: float = 5.0
    min_rows_checked: int = 100  # rates on fewer rows are reported, not judged


def load_quality_settings(project_dir: Path) -> QualitySettings:
    """vars.data_quality of the project's dbt_project.yml (defaults when absent)."""
    document = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    quality = (document.get("vars") or {}).get("data_quality") or {}
    thresholds = {
        name: float(value)
        for name, value in (quality.get("score_thresholds") or {}).items()
        if name == "overall" or name in DIMENSIONS
    }
    return QualitySettings(
        score_thresholds=thresholds,
        quarantine_warn_percent=float(quality.get("quarantine_warn_percent", 1)),
        quarantine_error_percent=float(quality.get("quarantine_error_percent", 5)),
        min_rows_checked=int(quality.get("min_rows_checked", 100)),
    )
