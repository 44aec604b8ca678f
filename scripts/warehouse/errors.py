"""The one base of every error a user can meet: the CLI prints its message as
one line on stderr and exits with its exit code (1 unless it says otherwise),
never a traceback."""

from __future__ import annotations


class WarehouseError(Exception):
    """A failure the user can act on; the message names the cause and the fix."""

    exit_code: int = 1
