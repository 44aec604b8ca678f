"""The data mapping: every source column, the staging column that cleans it,
and the intermediate, mart and gold columns it feeds, with the rule applied at
each step. Derived from dbt's own artifacts, never written by hand:

- manifest.json gives each model's compiled SQL and what every relation is
  (source, seed, model, snapshot, and its folder: staging, marts, gold ...);
- catalog.json gives the columns of every built relation (for ``select *``);
  without it, the columns declared in the yml files;
- sqlglot's column lineage reads each model's compiled SQL and says which
  upstream columns each output column is computed from. A table joined to
  find a value (a seed's canonical spelling, a dimension's key) is followed
  back to the column that was looked up, so the rule says ``lookup``.

The rule of one step is named from the functions on the way from the
upstream column to the output column: cast, clean (trim, case, replace),
lookup (a join), aggregate, window, hash, derive (case, arithmetic), copy.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlglot import exp, parse_one
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage
from sqlglot.optimizer.qualify import qualify

DIALECT = "postgres"
LOOKUP_KEY = "__lookup_key"
#: sqlglot's name of a query's WITH clause (``with_`` since sqlglot 28).
WITH = "with_" if "with_" in exp.Select.arg_types else "with"
#: Columns that record the quality of a row: every column of its source feeds
#: them (a check reads it), so the mapping leaves them out.
QUALITY_COLUMNS = frozenset({"data_issues", "standardised_values", "rejection_reason",
                             "too_long_column", "reason", "order_data_issues",
                             "mismatch_reason"})  # fmt: skip
#: Layers in flow order, by the folder under models/ (or the resource type).
LAYERS = ("source", "staging", "intermediate", "marts", "gold")

#: Sources the warehouse writes itself (load bookkeeping, audit), not a source system's.
WAREHOUSE_SOURCES = frozenset({"audit", "ingestion"})

Column = tuple[str, str]  # (relation unique_id, column name)

CLEAN = (exp.Trim, exp.Lower, exp.Upper, exp.Initcap, exp.RegexpReplace, exp.Replace)
AGGREGATE = (exp.AggFunc,)
HASH = (exp.MD5, exp.SHA, exp.SHA2)


@dataclass(frozen=True)
class Relation:
    unique_id: str
    name: str  # source.table, or the model's name
    layer: str


@dataclass
class Mapping:
    relations: dict[str, Relation]
    #: upstream column -> {downstream column: rules}
    edges: dict[Column, dict[Column, set[str]]] = field(default_factory=dict)
    unparsed: dict[str, str] = field(default_factory=dict)  # model -> why

    def downstream(self, column: Column) -> dict[Column, set[str]]:
        return self.edges.get(column, {})


def _layer(node: dict[str, Any]) -> str:
    if node["resource_type"] == "source":
        return "source"
    if node["resource_type"] in ("seed", "snapshot"):
        return node["resource_type"]
    parts = Path(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else "models"


def relations(manifest: dict[str, Any]) -> dict[tuple[str, str], Relation]:
    """Every relation dbt builds or reads, by (schema, table)."""
    found: dict[tuple[str, str], Relation] = {}
    for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        if node["resource_type"] not in ("model", "seed", "snapshot", "source"):
            continue
        if node["resource_type"] == "source":
            table, name = node["identifier"], f"{node['source_name']}.{node['name']}"
        else:
            table, name = node.get("alias") or node["name"], node["name"]
        found[(node["schema"].lower(), table.lower())] = Relation(
            node["unique_id"], name, _layer(node)
        )
    return found


def schema_of(manifest: dict[str, Any], catalog: dict[str, Any] | None) -> dict[str, Any]:
    """{database: {schema: {table: {column: type}}}} for sqlglot: the catalog's
    columns when there is one, the yml's otherwise."""
    schema: dict[str, Any] = defaultdict(lambda: defaultdict(dict))
    if catalog:
        for node in [*catalog.get("nodes", {}).values(), *catalog.get("sources", {}).values()]:
            meta = node["metadata"]
            schema[meta["database"]][meta["schema"]][meta["name"]] = {
                name: column["type"] for name, column in node["columns"].items()
            }
    for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        if node["resource_type"] not in ("model", "seed", "snapshot", "source"):
            continue
        table = node.get("identifier") or node.get("alias") or node["name"]
        known = schema[node["database"]][node["schema"]]
        if table not in known and node.get("columns"):
            columns = node["columns"].items()
            known[table] = {name: c.get("data_type") or "text" for name, c in columns}
    return {db: dict(schemas) for db, schemas in schema.items()}


def _rules(expressions: Iterable[exp.Expression]) -> set[str]:
    rules: set[str] = set()
    for expression in expressions:
        for found in expression.walk():
            if isinstance(found, exp.Cast):
                rules.add("cast")
            elif isinstance(found, CLEAN):
                rules.add("clean")
            elif isinstance(found, AGGREGATE):
                rules.add("aggregate")
            elif isinstance(found, exp.Window):
                rules.add("window")
            elif isinstance(found, HASH):
                rules.add("hash")
            elif isinstance(found, exp.Case | exp.Binary | exp.Coalesce) and not isinstance(
                found, exp.Connector | exp.Predicate
            ):
                rules.add("derive")
    return rules


def _projection(expression: exp.Expression) -> exp.Expression:
    return expression.this if isinstance(expression, exp.Alias) else expression


def _lookup_keys(
    step: Node, tree: exp.Expression, schema: dict[str, Any]
) -> list[tuple[Node, set[str]]]:
    """The columns a table was joined on, when ``step`` reads a joined table
    (a seed's spelling, a dimension's key): their lineage within the same
    query, and the rules of the join condition (the cleaning of the key)."""
    source = step.source
    column = _projection(step.expression)
    if not isinstance(source, exp.Select) or not isinstance(column, exp.Column):
        return []
    alias = column.table
    keys: list[tuple[Node, set[str]]] = []
    for join in source.args.get("joins") or []:
        if join.alias_or_name != alias or not join.args.get("on"):
            continue
        for key in join.args["on"].find_all(exp.Column):
            if key.table == alias:
                continue
            probe = source.copy()
            probe.set("expressions", [exp.alias_(key.copy(), LOOKUP_KEY)])
            ctes = tree.args.get(WITH)
            if ctes:
                probe.set(WITH, ctes.copy())
            try:
                found = lineage(LOOKUP_KEY, probe, schema=schema, dialect=DIALECT)
                keys.append((found, _rules([join.args["on"]])))
            except SqlglotError:
                continue
    return keys


def _leaves(
    node: Node, tree: exp.Expression, schema: dict[str, Any], path: tuple[exp.Expression, ...] = ()
) -> Iterable[tuple[exp.Table, str, set[str]]]:
    """(table, column, rules) of every base-table column ``node`` is computed from."""
    path = (*path, _projection(node.expression))
    if isinstance(node.expression, exp.Table):
        yield node.expression, node.name.split(".")[-1].strip('"'), _rules(path[:-1])
        return
    for child in node.downstream:
        yield from _leaves(child, tree, schema, path)
    for key, on_rules in _lookup_keys(node, tree, schema):
        for table, column, rules in _leaves(key, tree, schema, path):
            yield table, column, rules | on_rules | {"lookup"}


def _qualified(code: str, schema: dict[str, Any]) -> exp.Expression:
    """The model's SQL with every column qualified. A table dbt does not know
    (one a macro creates, such as the pseudonym keys) gets the columns the
    query reads from it when it is the only table of its SELECT."""
    parsed = parse_one(code, dialect=DIALECT)
    for select in parsed.find_all(exp.Select):
        source = select.args.get("from_") or select.args.get("from")
        table = source.this if source is not None else None
        if not isinstance(table, exp.Table) or select.args.get("joins") or not table.db:
            continue
        known = schema.setdefault(table.catalog, {}).setdefault(table.db, {})
        if table.name not in known:
            read = {c.name for c in select.find_all(exp.Column) if not c.table}
            known[table.name] = dict.fromkeys(sorted(read), "text")
    return qualify(parsed, schema=schema, dialect=DIALECT, validate_qualify_columns=False)


def build(manifest: dict[str, Any], catalog: dict[str, Any] | None) -> Mapping:
    by_table = relations(manifest)
    schema = schema_of(manifest, catalog)
    mapping = Mapping({r.unique_id: r for r in by_table.values()})
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node.get("compiled_code"):
            continue
        try:
            tree = _qualified(node["compiled_code"], schema)
        except SqlglotError as exc:
            mapping.unparsed[node["name"]] = str(exc).splitlines()[0][:200]
            continue
        for select in tree.selects:
            output = select.alias_or_name
            if output in QUALITY_COLUMNS:
                continue
            try:
                root = lineage(output, tree, schema=schema, dialect=DIALECT)
            except SqlglotError as exc:
                mapping.unparsed[f"{node['name']}.{output}"] = str(exc).splitlines()[0][:200]
                continue
            for table, column, rules in _leaves(root, tree, schema):
                upstream = by_table.get((table.db.lower(), table.name.lower()))
                if upstream is None:
                    continue
                seed_lookup = mapping.relations[upstream.unique_id].layer == "seed"
                if seed_lookup:
                    continue  # the seed's value: the looked-up column is the input
                target = mapping.edges.setdefault((upstream.unique_id, column), {})
                target.setdefault((node["unique_id"], output), set()).update(rules or {"copy"})
    return mapping


def feeds(mapping: Mapping, column: Column) -> dict[Column, set[str]]:
    """Every column ``column`` feeds, directly or not, with the rules of the
    step into it (the direct steps' rules when several paths lead there)."""
    seen: dict[Column, set[str]] = {}
    frontier = [column]
    while frontier:
        current = frontier.pop()
        for target, rules in mapping.downstream(current).items():
            if target not in seen:
                seen[target] = set(rules)
                frontier.append(target)
            else:
                seen[target] |= rules
    return seen


def _cell(mapping: Mapping, columns: dict[Column, set[str]], layers: tuple[str, ...]) -> str:
    chosen = sorted(
        (mapping.relations[uid].name, name, rules)
        for (uid, name), rules in columns.items()
        if mapping.relations[uid].layer in layers
    )
    return "<br>".join(f"`{rel}.{col}` ({', '.join(sorted(r))})" for rel, col, r in chosen)


def render_markdown(mapping: Mapping, manifest: dict[str, Any]) -> str:
    """docs/data-mapping.md: one table per source, one row per source column."""
    lines = [
        "# Data mapping",
        "",
        "Generated by `warehouse mapping` from dbt's manifest and catalog (column lineage",
        "of each model's compiled SQL): do not edit by hand. For every source column, the",
        "staging column that cleans it and the intermediate, mart and gold columns it feeds,",
        "with the rule of the step into each: cast, clean (trim, case, replace), lookup (a",
        "join: a seed's spelling, a dimension's key), aggregate, window, hash, derive (case,",
        "arithmetic), copy. A column used only to filter or join (a key) feeds no column of",
        "its own; the columns that record a row's quality (`data_issues`,",
        "`rejection_reason`, `standardised_values` ...) read every column and are left out.",
        "",
    ]
    sources = sorted(manifest["sources"].values(), key=lambda s: (s["source_name"], s["name"]))
    for source in sources:
        if source["source_name"] in WAREHOUSE_SOURCES:
            continue
        lines += [
            f"## {source['source_name']}.{source['name']}",
            "",
            "| source column | staging | intermediate | marts | gold |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name in source["columns"]:
            fed = feeds(mapping, (source["unique_id"], name))
            cells = [_cell(mapping, fed, (layer,)) for layer in LAYERS[1:]]
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
        lines.append("")
    if mapping.unparsed:
        lines += ["## Not mapped", "", "sqlglot could not read these; they are left out:", ""]
        lines += [f"- `{name}`: {why}" for name, why in sorted(mapping.unparsed.items())]
        lines.append("")
    return "\n".join(lines)


def write(folder: Path, out: Path) -> Mapping:
    """docs/data-mapping.md from the site ``warehouse docs`` generated in ``folder``."""
    manifest = json.loads((folder / "manifest.json").read_text())
    catalog_path = folder / "catalog.json"
    catalog = json.loads(catalog_path.read_text()) if catalog_path.exists() else None
    mapping = build(manifest, catalog)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(mapping, manifest))
    return mapping
