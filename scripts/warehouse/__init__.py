"""E-commerce analytics warehouse: generate source extracts, load them, build the dbt project."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ecommerce-warehouse")  # pyproject.toml holds the one number
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "unknown"
