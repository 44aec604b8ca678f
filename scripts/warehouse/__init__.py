"""E-commerce analytics warehouse: generate source extracts, load them, build the dbt project."""

__version__ = "0.1.0"
