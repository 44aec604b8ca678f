"""The run's structured log: one JSON object per line in
WAREHOUSE_HOME/logs/<run_id>.jsonl (time, run, event and its fields), for
machines and for what the console did not show. A listener (the console)
sees every event too."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Listener = Callable[[str, dict[str, Any]], None]


class EventLog:
    def __init__(self, folder: Path, run_id: str, listener: Listener | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{run_id}.jsonl"
        self.run_id = run_id
        self.listener = listener

    def emit(self, event: str, **fields: Any) -> None:
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "run_id": self.run_id,
            "event": event,
            **fields,
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")
        if self.listener is not None:
            self.listener(event, fields)
