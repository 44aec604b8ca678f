"""The baseline the generator is measured against: the naive approach, one
Faker call per value and csv.writer, producing the same customer and order
columns (timed on a sample)."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

BASELINE_ROWS = 20_000


def faker_loop_rate(rows: int = BASELINE_ROWS) -> float:
    """Rows per second of the naive approach: one Faker call per value, csv.writer."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "x.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        started = time.perf_counter()
        for i in range(rows // 2):
            out.writerow(
                [
                    f"CUS-{i:07d}",
                    fake.first_name(),
                    fake.last_name(),
                    fake.email(),
                    fake.phone_number(),
                    fake.date_of_birth().isoformat(),
                    fake.random_element(["F", "M"]),
                    fake.street_address(),
                    fake.city(),
                    fake.state_abbr(),
                    fake.zipcode(),
                    "US",
                    fake.date_between("-3y").isoformat(),
                    fake.random_element(["Basic", "Standard", "Premium", "VIP"]),
                    "Active",
                    fake.date_time_between("-3y").isoformat(sep=" "),
                ]
            )
            out.writerow(
                [
                    f"ORD-{i:08d}",
                    str(100_000_000 + i),
                    f"CUS-{i:07d}",
                    fake.date_time_between("-2y").isoformat(sep=" "),
                    fake.random_element(["placed", "shipped", "delivered"]),
                    fake.random_element(["web", "mobile", "store"]),
                    "USD",
                    f"{fake.pyfloat(min_value=0, max_value=10, right_digits=2):.2f}",
                    f"{fake.pyfloat(min_value=0, max_value=50, right_digits=2):.2f}",
                    fake.date_time_between("-2y").isoformat(sep=" "),
                ]
            )
        return rows / (time.perf_counter() - started)
