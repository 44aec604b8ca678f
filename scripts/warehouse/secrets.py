"""The embedded server's secrets, under WAREHOUSE_HOME/secrets (a folder only
its owner may enter, files only its owner may read): the superuser's password
(set-up only), the ETL role's password (what the pipeline, dbt and the user's
tools log in with) and a libpq password file holding the latter, for PGPASSFILE.

Passwords reach the server only as SCRAM-SHA-256 verifiers (RFC 5802/7677),
never in clear: the server stores and logs nothing it could give back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
ETL_ROLE = "warehouse_etl"
ITERATIONS = 4096


@dataclass(frozen=True)
class Secrets:
    folder: Path

    @property
    def superuser_password(self) -> str:
        return (self.folder / "postgres.password").read_text().strip()

    @property
    def etl_password(self) -> str:
        return (self.folder / "etl.password").read_text().strip()

    @property
    def pgpass(self) -> Path:
        return self.folder / "pgpass"


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def ensure_secrets(folder: Path) -> Secrets:
    """The installation's secrets, generated the first time (no default exists)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for name in ("postgres.password", "etl.password"):
        path = folder / name
        if not path.exists():
            _write_private(path, secrets.token_urlsafe(32) + "\n")
        os.chmod(path, 0o600)
    return Secrets(folder)


def write_pgpass(found: Secrets, port: int) -> Path:
    """A libpq password file for the ETL role on the embedded server's port;
    replaced whole (never seen half-written by a client reading it), and only
    when its content changes."""
    text = f"127.0.0.1:{port}:*:{ETL_ROLE}:{found.etl_password}\n"
    if found.pgpass.exists() and found.pgpass.read_text() == text:
        return found.pgpass
    draft = found.pgpass.with_name(f".pgpass.{os.getpid()}")
    _write_private(draft, text)
    os.replace(draft, found.pgpass)
    return found.pgpass


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The SCRAM-SHA-256 secret PostgreSQL stores for ``password``, computed here
    so that ALTER/CREATE ROLE ... PASSWORD never carries the password itself."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def verifier_matches(verifier: str | None, password: str) -> bool:
    """True when ``verifier`` (a role's stored SCRAM secret) was made from
    ``password``: recomputed with the verifier's own salt and iterations."""
    try:
        method, rest = (verifier or "").split("$", 1)
        iterations, salt = rest.split("$", 1)[0].split(":", 1)
        if method != "SCRAM-SHA-256":
            return False
        recomputed = scram_verifier(password, base64.b64decode(salt), int(iterations))
    except ValueError:  # no password, another method, or not a verifier at all
        return False
    return hmac.compare_digest(recomputed, verifier or "")
