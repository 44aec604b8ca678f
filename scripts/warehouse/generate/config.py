"""Generator configuration: every knob, its default and its validation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from warehouse.errors import WarehouseError

GENERATOR_VERSION = "1.0.0"

#: Longest run of daily batches the generator plans for. Random access into the
#: fixed-horizon arrays (daily counts) stays valid up to this many days.
MAX_DAYS = 3650

#: Defect kinds and their default rate: the probability that a row of an
#: eligible file carries the defect (a row carries at most one defect).
DEFAULT_DIRT_RATES: dict[str, float] = {
    "duplicate_row": 0.003,
    "whitespace_case": 0.01,
    "invalid_email": 0.01,
    "state_variant": 0.03,
    "null_required": 0.003,
    "bad_date_format": 0.004,
    "impossible_date": 0.001,
    "future_timestamp": 0.001,
    "bad_quantity": 0.003,
    "negative_amount": 0.002,
    "orphan_reference": 0.002,
    "wrong_field_count": 0.0005,
    "unterminated_quote": 0.0003,
    "invalid_utf8": 0.0005,
}

DEFECT_KINDS: tuple[str, ...] = tuple(DEFAULT_DIRT_RATES)


class GeneratorError(WarehouseError):
    """A problem the user can fix; the CLI prints it as one line."""


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate.

    Everything that shapes the data is here; ``days`` only says how many daily
    batches follow the initial one, so growing it appends batches and never
    changes the earlier ones.
    """

    scale: float = 1.0
    days: int = 7
    seed: int = 42
    clean: bool = False
    #: Last day covered by the initial (history) batch; the batch folder is
    #: named by it and daily batches start the day after. Fixed, never today.
    history_end: date = date(2025, 6, 30)
    #: Length of the order history in the initial batch, in days.
    history_days: int = 730
    #: Multiplies every defect rate (0 = none, 2 = twice as dirty).
    dirt_multiplier: float = 1.0
    #: Per-kind rate overrides (kind -> rate), applied before the multiplier.
    dirt_rates: dict[str, float] = field(default_factory=dict)
    #: Share of orders first sent 1-5 days after they were placed.
    late_order_rate: float = 0.02
    #: Share of customers whose CRM record is first sent 1-4 days after they
    #: registered (their first orders may arrive before them).
    late_customer_rate: float = 0.03

    def __post_init__(self) -> None:
        if not 0 < self.scale <= 100:
            raise GeneratorError(f"scale must be in (0, 100], got {self.scale}")
        if not 0 <= self.days <= MAX_DAYS:
            raise GeneratorError(f"days must be in [0, {MAX_DAYS}], got {self.days}")
        if not 60 <= self.history_days <= 3650:
            raise GeneratorError(f"history_days must be in [60, 3650], got {self.history_days}")
        if self.seed < 0:
            raise GeneratorError(f"seed must be >= 0, got {self.seed}")
        if self.dirt_multiplier < 0:
            raise GeneratorError(f"dirt multiplier must be >= 0, got {self.dirt_multiplier}")
        for kind, rate in self.dirt_rates.items():
            if kind not in DEFAULT_DIRT_RATES:
                known = ", ".join(DEFECT_KINDS)
                raise GeneratorError(f"unknown defect kind {kind!r} (known: {known})")
            if not 0 <= rate <= 1:
                raise GeneratorError(f"rate of {kind} must be in [0, 1], got {rate}")
        for name in ("late_order_rate", "late_customer_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise GeneratorError(f"{name} must be in [0, 1], got {getattr(self, name)}")

    @property
    def first_daily(self) -> date:
        return self.history_end + timedelta(days=1)

    @property
    def history_start(self) -> date:
        return self.history_end - timedelta(days=self.history_days - 1)

    @property
    def batch_dates(self) -> list[date]:
        """The initial batch date followed by one date per daily batch."""
        return [self.history_end + timedelta(days=k) for k in range(self.days + 1)]

    def rate(self, kind: str) -> float:
        """Effective rate of one defect kind (0 when clean)."""
        if self.clean:
            return 0.0
        base = self.dirt_rates.get(kind, DEFAULT_DIRT_RATES[kind])
        return min(1.0, base * self.dirt_multiplier)

    def manifest_dict(self) -> dict[str, Any]:
        """The config as recorded in manifests: without ``days``, so that appending
        a day does not rewrite the manifests of earlier batches."""
        d = asdict(self)
        d.pop("days")
        d["history_end"] = self.history_end.isoformat()
        d["effective_dirt_rates"] = {k: self.rate(k) for k in DEFECT_KINDS}
        return d
