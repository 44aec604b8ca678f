"""Load landing batches into the raw layer with PostgreSQL COPY.

Every file loads in one transaction (all of it or none of it), is recorded in
audit.load_manifest with its content hash, and is skipped when loaded before;
a loaded file whose content changed is refused unless its batch is reloaded.

A clean file costs one streamed COPY straight into raw.<entity>: the load's
metadata (batch date, file, load id, loaded-at) are column defaults set inside
the load's transaction, the line number comes from a sequence, and the row
hash is a generated column, so COPY is the only thing that touches the rows.
When COPY refuses the file, the transaction rolls back to before it and the
split path takes over: ``csvlines.Scanner`` finds the bad lines, which go to
audit.quarantine with their line number and reason, and the runs of valid
records between them are written to COPY as they are in the file. Data lines =
raw rows + quarantined lines, checked for every file before it commits.

A file with columns beyond the contract goes through a temporary table first,
so the extra values can be kept as JSON in ``_extra_columns``.

Files of different entities load in parallel, on one connection per worker;
the files of one entity load one after the other, in batch-date order.

Hostile input (docs/ingestion.md): a line longer than ``MAX_LINE_BYTES`` is
quarantined without being held; entries of the landing zone that do not load
come back with their reasons (symlinks out of the zone refused); a late batch
is refused unless allowed; a load that would fill the server's disk is
refused before it writes, and a failed load's dead rows are vacuumed.
"""

from warehouse.ingest.load import DATA_ERRORS, file_digest, load_file
from warehouse.ingest.raw_tables import RAW_SCHEMA, ensure_raw_tables, raw_table_ddl
from warehouse.ingest.results import FileResult, IngestError, IngestResult
from warehouse.ingest.run import DEFAULT_WORKERS, ingest_landing, pending_files

__all__ = [
    "DATA_ERRORS",
    "DEFAULT_WORKERS",
    "RAW_SCHEMA",
    "FileResult",
    "IngestError",
    "IngestResult",
    "ensure_raw_tables",
    "file_digest",
    "ingest_landing",
    "load_file",
    "pending_files",
    "raw_table_ddl",
]
