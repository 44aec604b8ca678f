"""The landing-zone contract (docs/landing-contract.md), as data.

This module is the one place that names the entities, their files, keys and
columns. The generator writes them, the ingestion reads them, and the tests
check the dbt sources and the docs copy of the contract against them, so the
three cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CONTRACT_VERSION = 1

#: A batch folder is named by its batch date.
BATCH_DIR_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # what the text should parse to: text, date, timestamp, numeric, integer
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    name: str  # also the file stem and the raw table name
    source: str  # the source system (dbt source name)
    key: str
    columns: tuple[Column, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "customers",
        "crm",
        "customer_id",
        _cols(
            ("customer_id", "text"),
            ("first_name", "text"),
            ("last_name", "text"),
            ("email", "text"),
            ("phone", "text"),
            ("date_of_birth", "date"),
            ("gender", "text"),
            ("address", "text"),
            ("city", "text"),
            ("state", "text"),
            ("postal_code", "text"),
            ("country", "text"),
            ("registration_date", "date"),
            ("customer_segment", "text", ("Basic", "Standard", "Premium", "VIP")),
            ("account_status", "text", ("Active", "Inactive")),
            ("updated_at", "timestamp"),
        ),
    ),
    Entity(
        "products",
        "catalog",
        "product_id",
        _cols(
            ("product_id", "text"),
            ("product_name", "text"),
            ("category", "text"),
            ("subcategory", "text"),
            ("brand", "text"),
            ("unit_cost", "numeric"),
            ("retail_price", "numeric"),
            ("product_status", "text", ("Active", "Discontinued")),
            ("updated_at", "timestamp"),
        ),
    ),
    Entity(
        "orders",
        "shop",
        "order_id",
        _cols(
            ("order_id", "text"),
            ("order_number", "text"),
            ("customer_id", "text"),
            ("order_ts", "timestamp"),
            (
                "order_status",
                "text",
                ("placed", "shipped", "delivered", "cancelled", "returned"),
            ),
            ("sales_channel", "text", ("web", "mobile", "store")),
            ("currency_code", "text"),
            ("shipping_amount", "numeric"),
            ("tax_amount", "numeric"),
            ("updated_at", "timestamp"),
        ),
    ),
    Entity(
        "order_lines",
        "shop",
        "order_line_id",
        _cols(
            ("order_line_id", "text"),
            ("order_id", "text"),
            ("product_id", "text"),
            ("quantity", "integer"),
            ("unit_price", "numeric"),
            ("discount_amount", "numeric"),
            ("updated_at", "timestamp"),
        ),
    ),
    Entity(
        "payments",
        "payments",
        "payment_id",
        _cols(
            ("payment_id", "text"),
            ("order_id", "text"),
            (
                "payment_method",
                "text",
                ("credit_card", "debit_card", "paypal", "gift_card", "bank_transfer"),
            ),
            ("payment_status", "text", ("pending", "completed", "failed", "refunded")),
            ("amount", "numeric"),
            ("paid_at", "timestamp"),
            ("updated_at", "timestamp"),
        ),
    ),
    Entity(
        "campaigns",
        "marketing",
        "campaign_id",
        _cols(
            ("campaign_id", "text"),
            ("campaign_name", "text"),
            ("channel", "text", ("email", "social", "display", "search")),
            ("start_date", "date"),
            ("end_date", "date"),
            ("budget_amount", "numeric"),
            ("target_audience", "text"),
            ("updated_at", "timestamp"),
        ),
    ),
    Entity(
        "campaign_responses",
        "marketing",
        "response_id",
        _cols(
            ("response_id", "text"),
            ("campaign_id", "text"),
            ("customer_id", "text"),
            ("response_ts", "timestamp"),
            ("response_type", "text", ("opened", "clicked", "converted")),
            ("conversion_value", "numeric"),
            ("updated_at", "timestamp"),
        ),
    ),
)

ENTITY_BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}

#: Load order inside a batch: dimensions before the facts that reference them.
LOAD_ORDER: tuple[str, ...] = tuple(e.name for e in ENTITIES)

#: Metadata columns the ingestion adds to every raw table, after the source columns.
RAW_METADATA_COLUMNS: tuple[str, ...] = (
    "_batch_date",
    "_source_file",
    "_source_line",
    "_load_id",
    "_loaded_at",
    "_row_hash",
    "_extra_columns",
)


def parse_batch_date(name: str) -> date | None:
    """The batch date a landing folder name stands for, or None if it is not one."""
    if not BATCH_DIR_PATTERN.match(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None
