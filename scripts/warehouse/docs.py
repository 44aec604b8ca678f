"""dbt's documentation site: generated from the warehouse database, served over HTTP.

The site (index.html, manifest.json, catalog.json) is written to
WAREHOUSE_HOME/docs, one folder that `dbt docs serve` then serves; the
wrapper sets dbt's connection and profile itself, so neither needs
`eval "$(warehouse env)"` first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warehouse import db
from warehouse.config import Settings
from warehouse.dbt_runner import DbtError, run_dbt

DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"


def docs_dir(settings: Settings) -> Path:
    return settings.home / "docs" / "target"


def generate(settings: Settings, conn: db.Connection, echo: bool = False) -> Path:
    """``dbt docs generate`` on the warehouse database (its catalog holds the
    columns the tables have); returns the folder of the site."""
    db.ensure_database(settings, conn)
    target = docs_dir(settings)
    result = run_dbt(["docs", "generate"], settings, conn, echo=echo, target_dir=target)
    if result.returncode != 0:
        tail = "\n".join(result.output.strip().splitlines()[-5:])
        raise DbtError(
            f"dbt docs generate failed (exit {result.returncode}): {tail}\n"
            f"log: {result.log_dir / 'dbt.log'}"
        )
    return target


def require_site(settings: Settings) -> Path:
    """The generated site's folder; an error naming the fix when there is none."""
    target = docs_dir(settings)
    if not (target / "index.html").exists():
        raise DbtError("no documentation generated yet: run `warehouse docs` without --no-generate")
    return target


def serve(
    settings: Settings,
    conn: db.Connection,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    browser: bool = False,
) -> int:
    """``dbt docs serve`` of the generated site until interrupted; its exit code."""
    target = require_site(settings)
    args = ["docs", "serve", "--port", str(port), "--host", host]
    args.append("--browser" if browser else "--no-browser")
    return run_dbt(args, settings, conn, echo=True, target_dir=target).returncode


def load_artifact(folder: Path, name: str) -> dict[str, Any]:
    """manifest.json or catalog.json of a generated site."""
    path = folder / name
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DbtError(f"{path} does not exist: run `warehouse docs --no-serve` first") from None
