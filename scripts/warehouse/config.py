"""Settings of one warehouse installation, read once from the environment.

Nothing here connects to anything: it only says where things are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from warehouse.errors import WarehouseError

#: The repository root: the folder holding dbt_project.yml.
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PROJECT_DIR = PACKAGE_DIR.parent.parent

DEFAULT_DATABASE = "warehouse"
DEFAULT_TEST_DATABASE = "warehouse_test"
DEFAULT_EMBEDDED_PORT = 55432
DBT_PROFILE_NAME = "ecommerce_warehouse"


class ConfigError(WarehouseError):
    """A setting the user gave cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    home: Path  # WAREHOUSE_HOME: embedded server data, generated profile, run state
    landing_dir: Path  # the demo's landing zone
    embedded_port: int
    database: str  # the database the pipeline builds in
    dbt_target: str

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def profiles_dir(self) -> Path:
        return self.home / "dbt"

    @property
    def profiles_example(self) -> Path:
        return self.project_dir / "profiles.yml.example"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    project_dir = Path(env.get("WAREHOUSE_PROJECT_DIR", DEFAULT_PROJECT_DIR)).resolve()
    home = Path(env.get("WAREHOUSE_HOME", project_dir / ".warehouse")).resolve()
    landing = Path(env.get("WAREHOUSE_LANDING", project_dir / "data" / "landing")).resolve()
    port_text = env.get("WAREHOUSE_PG_PORT", str(DEFAULT_EMBEDDED_PORT))
    try:
        port = int(port_text)
        if not 1024 <= port <= 65535:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"WAREHOUSE_PG_PORT={port_text!r} is not a port number between 1024 and 65535"
        ) from None
    return Settings(
        project_dir=project_dir,
        home=home,
        landing_dir=landing,
        embedded_port=port,
        database=env.get("PGDATABASE") or DEFAULT_DATABASE,
        dbt_target=env.get("DBT_TARGET", "dev"),
    )
