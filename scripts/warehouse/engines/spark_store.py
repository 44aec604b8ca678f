"""The raw and audit tables in a local Spark warehouse (parquet, Hive's
metastore): records read by ``spark.read.csv`` with an explicit schema of
text columns and PostgreSQL's NULL rules.

Parquet tables have no transactions: a load's rows, quarantined lines,
replaced loads and manifest row are held until ``commit`` and written then,
the manifest last, so a load that fails before its commit writes nothing.
A process killed in a commit is mended when the next ingestion opens the
tables (``recover``): rows of loads the manifest never recorded are taken out,
so the file loads once. A table is changed whole only by writing its new rows
to a table beside it, then dropping the old one and renaming the new, so a
kill leaves either table complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date
from typing import Any

from warehouse.config import Settings
from warehouse.contract import ENTITIES, RAW_METADATA_COLUMNS, Entity
from warehouse.engines import spark_session
from warehouse.engines.local import MANIFEST_COLUMNS, QUARANTINE_COLUMNS, Load, quarantine_rows
from warehouse.engines.reading import Part
from warehouse.ingest.raw_tables import RAW_SCHEMA, REPLACED_LOADS

#: What an empty unquoted field reads as before it becomes NULL: no landing
#: value can hold it (csvlines refuses NUL), so a quoted "" stays ''.
NULL_TOKEN = "\x00null\x00"

METADATA_TYPES = {
    "_batch_date": "date",
    "_source_file": "string",
    "_source_line": "bigint",
    "_load_id": "bigint",
    "_loaded_at": "timestamp",
    "_row_hash": "string",
    "_extra_columns": "string",
}
MANIFEST_TYPES = {
    "load_id": "bigint",
    "batch_date": "date",
    "entity": "string",
    "file_path": "string",
    "file_size": "bigint",
    "content_hash": "string",
    "data_lines": "bigint",
    "rows_loaded": "bigint",
    "rows_quarantined": "bigint",
    "status": "string",
    "load_path": "string",
    "drift": "string",
    "error": "string",
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "replaced_by": "bigint",
    "source_path": "string",
    "late_batch": "boolean",
}
QUARANTINE_TYPES = {
    "quarantine_id": "bigint",
    "load_id": "bigint",
    "batch_date": "date",
    "entity": "string",
    "file_path": "string",
    "line_number": "bigint",
    "reason": "string",
    "raw_line": "string",
    "quarantined_at": "timestamp",
    "byte_offset": "bigint",
}
REPLACED_TYPES = {
    "load_id": "bigint",
    "entity": "string",
    "replaced_by": "bigint",
    "replaced_at": "timestamp",
}
assert tuple(MANIFEST_TYPES) == MANIFEST_COLUMNS
assert tuple(QUARANTINE_TYPES) == QUARANTINE_COLUMNS


#: The table a rewrite writes beside the one it replaces (``_rewrite``).
REWRITE_SUFFIX = "__rewrite"


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def table_ddl(table: str, types: dict[str, str]) -> str:
    columns = ", ".join(f"{quote_ident(name)} {kind}" for name, kind in types.items())
    return f"create table if not exists {table} ({columns}) using parquet"


def raw_types(entity: Entity) -> dict[str, str]:
    return {**{name: "string" for name in entity.column_names}, **METADATA_TYPES}


def ddl_schema(types: dict[str, str]) -> str:
    """A DataFrame schema in Spark's DDL form."""
    return ", ".join(f"{quote_ident(name)} {kind}" for name, kind in types.items())


class SparkStore:
    """The Spark warehouse, open for one ingestion."""

    def __init__(self, session: Any) -> None:
        self.spark = session
        self._pending: list[tuple[str, Any]] = []  # (table, DataFrame) to append at commit
        self._manifest_updates: dict[int, tuple[str, int]] = {}  # load -> status, by

    @classmethod
    @contextmanager
    def open(cls, settings: Settings) -> Iterator[SparkStore]:
        session = spark_session.start(spark_session.session_parameters(settings))
        try:
            yield cls(session)
        finally:
            spark_session.stop(session)

    def _rows(self, query: str) -> list[Any]:
        return self.spark.sql(query).collect()

    def ensure_tables(self, entities: list[Entity]) -> None:
        for schema in ("audit", RAW_SCHEMA):
            self.spark.sql(f"create database if not exists {schema}")
        for table in self._load_tables():
            self._finish_rewrite(table[0])
        self.spark.sql(table_ddl("audit.load_manifest", MANIFEST_TYPES))
        self.spark.sql(table_ddl("audit.quarantine", QUARANTINE_TYPES))
        self.spark.sql(table_ddl(f"{RAW_SCHEMA}.{REPLACED_LOADS}", REPLACED_TYPES))
        for entity in entities:
            table = f"{RAW_SCHEMA}.{quote_ident(entity.name)}"
            wanted = [*entity.column_names, *RAW_METADATA_COLUMNS]
            if self.spark.catalog.tableExists(f"{RAW_SCHEMA}.{entity.name}"):
                columns = self.spark.table(table).columns
                if columns == wanted or self.spark.table(table).limit(1).count():
                    continue
                self.spark.sql(f"drop table {table}")  # dbt's empty placeholder
            self.spark.sql(table_ddl(table, raw_types(entity)))
        self.recover()

    def _load_tables(self) -> list[tuple[str, str]]:
        """Every table a load writes, with the column that holds its load id
        (a replaced load's row belongs to the load that replaced it)."""
        tables = [
            ("audit.load_manifest", "load_id"),
            ("audit.quarantine", "load_id"),
            (f"{RAW_SCHEMA}.{REPLACED_LOADS}", "replaced_by"),
        ]
        return tables + [(f"{RAW_SCHEMA}.{entity.name}", "_load_id") for entity in ENTITIES]

    def recover(self) -> None:
        """Take out the rows of loads the manifest does not record: a load
        killed while its commit wrote them, before the manifest row (written
        last). Without this, its file would load again under the same load id."""
        from pyspark.sql import functions as F

        recorded = self.spark.table("audit.load_manifest").select(
            F.col("load_id").alias("_recorded")
        )
        for table, column in self._load_tables():
            if table == "audit.load_manifest" or not self.spark.catalog.tableExists(table):
                continue
            rows = self.spark.table(table)
            unrecorded = rows.join(recorded, rows[column] == recorded["_recorded"], "left_anti")
            if unrecorded.limit(1).count():
                kept = rows.join(recorded, rows[column] == recorded["_recorded"], "left_semi")
                self._rewrite(table, kept)

    def _rewrite(self, table: str, frame: Any) -> None:
        """``table`` replaced by ``frame``'s rows: written to a table beside it,
        then the old dropped and the new renamed. A kill before the drop leaves
        the old table (the new one is dropped next time), after it the complete
        new one (renamed next time: ``_finish_rewrite``)."""
        beside = f"{table}{REWRITE_SUFFIX}"
        self.spark.sql(f"drop table if exists {beside}")
        frame.write.format("parquet").saveAsTable(beside)
        self.spark.sql(f"drop table {table}")
        self.spark.sql(f"alter table {beside} rename to {table}")

    def _finish_rewrite(self, table: str) -> None:
        """Finish or undo a rewrite of ``table`` that a kill cut short."""
        beside = f"{table}{REWRITE_SUFFIX}"
        if not self.spark.catalog.tableExists(beside):
            return
        if self.spark.catalog.tableExists(table):
            self.spark.sql(f"drop table {beside}")  # cut before the drop: maybe partial
        else:
            self.spark.sql(f"alter table {beside} rename to {table}")

    def _manifest_exists(self) -> bool:
        return self.spark.catalog.tableExists("audit.load_manifest")

    def previous_loads(self, file_path: str) -> list[tuple[int, str]]:
        if not self._manifest_exists():
            return []
        frame = self.spark.table("audit.load_manifest")
        rows = (
            frame.where((frame.file_path == file_path) & (frame.status == "loaded"))
            .orderBy("load_id")
            .select("load_id", "content_hash")
            .collect()
        )
        return [(row[0], row[1]) for row in rows]

    def newest_batch(self, entity: str, after: date) -> date | None:
        if not self._manifest_exists():
            return None
        frame = self.spark.table("audit.load_manifest")
        row = (
            frame.where(
                (frame.status == "loaded") & (frame.entity == entity) & (frame.batch_date > after)
            )
            .agg({"batch_date": "max"})
            .collect()
        )
        return row[0][0] if row else None

    def batch_loaded(self, batch: date) -> list[str]:
        if not self._manifest_exists():
            return []
        frame = self.spark.table("audit.load_manifest")
        rows = (
            frame.where((frame.batch_date == batch) & (frame.status == "loaded"))
            .select("file_path")
            .distinct()
            .orderBy("file_path")
            .collect()
        )
        return [row[0] for row in rows]

    def next_load_id(self) -> int:
        if not self._manifest_exists():
            return 1
        value = self.spark.table("audit.load_manifest").agg({"load_id": "max"}).collect()[0][0]
        return (value or 0) + 1

    def begin(self) -> None:
        self._pending.clear()
        self._manifest_updates.clear()

    def rollback(self) -> None:
        self.begin()

    def commit(self) -> None:
        """Append what the load wrote, the manifest last."""
        pending, self._pending = self._pending, []
        for table, frame in pending:
            frame.write.insertInto(table)
        if self._manifest_updates:
            self._rewrite_manifest(dict(self._manifest_updates))
        self._manifest_updates.clear()

    def write_rows(self, load: Load) -> int:
        entity = load.file.entity
        frames = [self._part_frame(load, part) for part in load.reading.parts]
        rows = 0
        for frame in frames:
            frame = frame.cache()
            rows += frame.count()
            self._pending.append((f"{RAW_SCHEMA}.{quote_ident(entity.name)}", frame))
        return rows

    def _part_frame(self, load: Load, part: Part) -> Any:
        from pyspark.sql import functions as F

        header = load.reading.header
        entity = load.file.entity
        positional = [f"c{i}" for i in range(1, len(header) + 1)]
        frame = self.spark.read.csv(
            str(part.path),
            schema=ddl_schema({name: "string" for name in positional}),
            header=True,
            multiLine=True,
            quote='"',
            escape='"',
            nullValue=NULL_TOKEN,
            emptyValue="",
            mode="FAILFAST",
            encoding="UTF-8",
            enforceSchema=True,
            # told, the reader keeps a quoted CRLF as it is (as PostgreSQL does)
            lineSep="\r\n" if part.crlf else "\n",
        )
        # multiLine reads a file whole, in one partition: the id is the record's place
        frame = frame.coalesce(1).withColumn("_n", F.monotonically_increasing_id())
        if part.contiguous:
            line = F.col("_n") + F.lit(2)
        else:
            numbers = self.spark.createDataFrame(
                list(enumerate(part.lines)), "_n bigint, _line bigint"
            )
            frame = frame.join(numbers, "_n", "left")
            line = F.col("_line")
        position = {name: F.col(f"c{i}") for i, name in enumerate(header, start=1)}
        values = [
            position.get(name, F.lit(None).cast("string")).alias(name)
            for name in entity.column_names
        ]
        extra = [name for name in header if name not in entity.column_names]
        extra_json = (
            F.to_json(F.create_map(*[x for n in extra for x in (F.lit(n), position[n])]))
            if extra
            else F.lit(None).cast("string")
        )
        return frame.select(
            *values,
            F.lit(load.file.batch_date).cast("date").alias("_batch_date"),
            F.lit(load.source_file).alias("_source_file"),
            line.cast("bigint").alias("_source_line"),
            F.lit(load.load_id).cast("bigint").alias("_load_id"),
            F.lit(load.loaded_at).cast("timestamp").alias("_loaded_at"),
            row_hash([position.get(n, F.lit(None).cast("string")) for n in entity.column_names])
            .alias("_row_hash"),
            extra_json.alias("_extra_columns"),
        )  # fmt: skip

    def write_quarantine(self, load: Load) -> None:
        first = self.spark.table("audit.quarantine").agg({"quarantine_id": "max"}).collect()[0][0]
        rows = quarantine_rows(load, (first or 0) + 1)
        frame = self.spark.createDataFrame(rows, ddl_schema(QUARANTINE_TYPES))
        self._pending.append(("audit.quarantine", frame))

    def replace_loads(self, entity: str, load_ids: tuple[int, ...], replaced_by: int) -> None:
        from datetime import datetime

        now = datetime.now(UTC)
        frame = self.spark.createDataFrame(
            [(load_id, entity, replaced_by, now) for load_id in load_ids],
            ddl_schema(REPLACED_TYPES),
        )
        self._pending.append((f"{RAW_SCHEMA}.{REPLACED_LOADS}", frame))
        for load_id in load_ids:
            self._manifest_updates[load_id] = ("replaced", replaced_by)

    def write_manifest(self, rows: list[dict]) -> None:
        frame = self.spark.createDataFrame(
            [tuple(row[name] for name in MANIFEST_COLUMNS) for row in rows],
            ddl_schema(MANIFEST_TYPES),
        )
        if self._pending or self._manifest_updates:
            self._pending.append(("audit.load_manifest", frame))
        else:  # a failed file's row: no load around it
            frame.write.insertInto("audit.load_manifest")

    def _rewrite_manifest(self, updates: dict[int, tuple[str, int]]) -> None:
        """Parquet has no UPDATE: the (small) manifest is read, changed and
        written again."""
        rows = [row.asDict() for row in self.spark.table("audit.load_manifest").collect()]
        for row in rows:
            if row["load_id"] in updates:
                row["status"], row["replaced_by"] = updates[row["load_id"]]
        frame = self.spark.createDataFrame(
            [tuple(row[name] for name in MANIFEST_COLUMNS) for row in rows],
            ddl_schema(MANIFEST_TYPES),
        )
        self._rewrite("audit.load_manifest", frame)

    def watermarks(self) -> list[tuple[str, date, int, int]]:
        if not self._manifest_exists():
            return []
        rows = self._rows(
            "select entity, max(batch_date), count(*), coalesce(sum(rows_quarantined), 0)"
            " from audit.load_manifest where status = 'loaded' group by entity order by entity"
        )
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def loaded_files(self) -> list[str]:
        if not self._manifest_exists():
            return []
        frame = self.spark.table("audit.load_manifest")
        return [r[0] for r in frame.where(frame.status == "loaded").select("file_path").collect()]


def quote_nullable(column: Any) -> Any:
    """PostgreSQL's quote_nullable() as a Spark column expression."""
    from pyspark.sql import functions as F

    def doubled(col: Any, char: str) -> Any:
        return F.replace(col, F.lit(char), F.lit(char * 2))

    return (
        F.when(column.isNull(), F.lit("NULL"))
        .when(
            column.contains("\\"),
            F.concat(F.lit("E'"), doubled(doubled(column, "\\"), "'"), F.lit("'")),
        )
        .otherwise(F.concat(F.lit("'"), doubled(column, "'"), F.lit("'")))
    )


def row_hash(columns: list[Any]) -> Any:
    """The md5 PostgreSQL's generated column _row_hash computes."""
    from pyspark.sql import functions as F

    parts: list[Any] = []
    for column in columns:
        if parts:
            parts.append(F.lit(","))
        parts.append(quote_nullable(column))
    return F.md5(F.concat(*parts))
