"""The quality scorecard of one build: per dimension, per model and overall,
how many checks ran, passed, warned and failed, and the score.

The score is the share of checks that passed outright (a warned check is
tolerated, not passed). A dimension whose score is below its threshold is
named in the alert of the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from warehouse.quality.artifacts import DIMENSIONS, TestOutcome

FAILED = ("fail", "error")


@dataclass(frozen=True)
class Score:
    scope: str  # overall, dimension, model
    name: str
    checks: int
    passed: int
    warned: int
    failed: int
    threshold: float | None = None

    @property
    def score(self) -> float | None:
        return self.passed / self.checks if self.checks else None

    @property
    def below_threshold(self) -> bool:
        return self.threshold is not None and self.score is not None and self.score < self.threshold


def _score(scope: str, name: str, outcomes: list[TestOutcome], threshold: float | None) -> Score:
    ran = [o for o in outcomes if o.status != "skipped"]
    return Score(
        scope=scope,
        name=name,
        checks=len(ran),
        passed=sum(1 for o in ran if o.status == "pass"),
        warned=sum(1 for o in ran if o.status == "warn"),
        failed=sum(1 for o in ran if o.status in FAILED),
        threshold=threshold,
    )


def scorecard(
    outcomes: Iterable[TestOutcome], thresholds: Mapping[str, float] | None = None
) -> list[Score]:
    """Overall first, then every dimension (in DIMENSIONS order, also those
    without checks), then every model by name."""
    outcomes = list(outcomes)
    thresholds = thresholds or {}
    scores = [_score("overall", "overall", outcomes, thresholds.get("overall"))]
    for dimension in DIMENSIONS:
        chosen = [o for o in outcomes if o.dimension == dimension]
        scores.append(_score("dimension", dimension, chosen, thresholds.get(dimension)))
    for model in sorted({o.model for o in outcomes if o.model}):
        scores.append(_score("model", model, [o for o in outcomes if o.model == model], None))
    return scores
