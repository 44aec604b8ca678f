"""Vectorised text formatting of values as the contract writes them.

Money is carried as integer cents everywhere and only turned into text here,
as fixed two-decimal strings, so no float artefact (19.990000000001) can appear.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """'CUS-0000042' style identifiers."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width=width, padding="0"
    )
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def integers(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())


def money(cents: np.ndarray) -> pa.Array:
    """Integer cents -> '1234.50' / '-0.99'."""
    cents = np.asarray(cents, dtype=np.int64)
    absolute = np.abs(cents)
    whole = pa.array(absolute // 100).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(absolute % 100).cast(pa.string()), width=2, padding="0")
    sign = pc.if_else(pa.array(cents < 0), "-", "")
    return pc.binary_join_element_wise(sign, whole, ".", frac, "")


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS'."""
    return pa.array(np.asarray(seconds, dtype=np.int64)).cast(pa.timestamp("s")).cast(pa.string())


def dates(days: np.ndarray) -> pa.Array:
    """Epoch days -> 'YYYY-MM-DD'."""
    return pa.array(np.asarray(days, dtype=np.int32)).cast(pa.date32()).cast(pa.string())


def nullify(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """Values with NULL where ``mask`` is true (written as an empty field)."""
    return pc.if_else(pa.array(mask), pa.nulls(len(values), pa.string()), values)


def constant(value: str, n: int) -> pa.Array:
    return pa.array(np.full(n, value, dtype=object), pa.string())
