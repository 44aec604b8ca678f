"""Source-data generator: writes the landing zone (docs/generator.md).

Public API::

    from warehouse.generate import GeneratorConfig, generate_landing, GenerateResult
    result = generate_landing(GeneratorConfig(scale=1.0, days=7, seed=42), out=Path("data/landing"))
"""

from .config import (
    DEFAULT_DIRT_RATES,
    DEFECT_KINDS,
    GENERATOR_VERSION,
    GeneratorConfig,
    GeneratorError,
)
from .core import MANIFEST, GenerateResult, generate_landing

__all__ = [
    "DEFAULT_DIRT_RATES",
    "DEFECT_KINDS",
    "GENERATOR_VERSION",
    "MANIFEST",
    "GenerateResult",
    "GeneratorConfig",
    "GeneratorError",
    "generate_landing",
]
