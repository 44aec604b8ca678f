"""Counter-based randomness: every random attribute is a pure function of
(seed, stream, index).

An order's customer, its shipping delay or its return are decided by hashing
the order's global index, so they do not depend on which chunk or which run
(``--days 7`` or ``--days 8``) computes them. That is what keeps batches
byte-identical when days are appended, and lets a daily batch recompute the
orders of the last weeks without replaying history.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

_MASK = (1 << 64) - 1
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = (np.uint64(n) for n in (30, 27, 31, 11))


def _mix_int(x: int) -> int:
    """splitmix64 finaliser on a Python int (for keys)."""
    x &= _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    return x


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wraps modulo 2**64)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


@dataclass(frozen=True)
class Rand:
    """Random streams keyed by name, evaluated at integer indices."""

    seed: int

    def key(self, stream: str) -> np.uint64:
        return np.uint64(_mix_int(self.seed * 0x100000001B3 + zlib.crc32(stream.encode())))

    def uniform(self, stream: str, idx: np.ndarray | int) -> np.ndarray:
        """Uniform floats in [0, 1), one per index."""
        i = np.asarray(idx, dtype=np.int64).astype(np.uint64)
        with np.errstate(over="ignore"):
            h = _mix(i * _GOLDEN + self.key(stream))
        return (h >> _S11).astype(np.float64) * (1.0 / (1 << 53))

    def integers(self, stream: str, idx: np.ndarray | int, low: int, high: int) -> np.ndarray:
        """Integers in [low, high)."""
        return low + np.floor(self.uniform(stream, idx) * (high - low)).astype(np.int64)

    def choice(self, stream: str, idx: np.ndarray | int, probs: np.ndarray) -> np.ndarray:
        """Category indices drawn with the given probabilities."""
        cum = np.cumsum(np.asarray(probs, dtype=np.float64))
        cum /= cum[-1]
        return np.minimum(
            np.searchsorted(cum, self.uniform(stream, idx), side="right"), len(cum) - 1
        )

    def bernoulli(self, stream: str, idx: np.ndarray | int, p: float | np.ndarray) -> np.ndarray:
        return self.uniform(stream, idx) < p

    def exponential(self, stream: str, idx: np.ndarray | int, mean: float) -> np.ndarray:
        return -np.log1p(-self.uniform(stream, idx)) * mean

    def normal(self, stream: str, idx: np.ndarray | int) -> np.ndarray:
        """Standard normal draws (Box-Muller on two streams)."""
        u1 = self.uniform(stream + ".a", idx)
        u2 = self.uniform(stream + ".b", idx)
        return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)

    def rng(self, *parts: int | str) -> np.random.Generator:
        """A numpy Generator for one (batch, entity, ...) unit of work, e.g. dirt."""
        words = [self.seed] + [p if isinstance(p, int) else zlib.crc32(p.encode()) for p in parts]
        return np.random.default_rng(np.random.SeedSequence(words))
