"""The dbt project checked against dbt-project-evaluator's rules, over the
manifest `dbt parse` writes (target/manifest.json); no database, no package.

Rules (the evaluator's names in brackets):

- ``primary_key_test``: every model has a primary-key test: ``unique`` and
  ``not_null`` on one column, or ``unique_combination_of_columns``, unfiltered
  [missing_primary_key_tests].
- ``documentation``: every model has a description, and so has every column
  its yml declares [undocumented_models, documentation_coverage].
- ``direct_source_join``: no model reads a source and a model
  [direct_join_to_source]; ``multiple_sources_joined``: no model reads more
  than one source [multiple_sources_joined].
- ``staging_to_staging``: a stg_ model reads no stg_ model, a base_ model no
  model at all; staging reads nothing downstream of it
  [staging_dependent_on_staging, staging_dependent_on_downstream_models].
- ``rejoining_upstream_concepts``: no A -> B -> C with A -> C as well, where C
  is B's only child [rejoining_of_upstream_concepts].
- ``too_many_joins``: at most JOIN_LIMIT direct parents [too_many_joins];
  ``model_fanout``: at most FANOUT_LIMIT direct children that nothing reads
  (no model, exposure or semantic model) [model_fanout].
- ``naming``: the prefix of the model's layer (its folder), docs/models.md
  [model_naming_conventions, model_directories].
- ``exposure_public``: exposures read public models only
  [exposures_dependent_on_private_models].
- ``public_contract``: public models enforce a contract
  [public_models_without_contract].

A model may be excepted from a rule only with a reason, in its yml:
``config: {meta: {project_check_exceptions: {<rule>: <why>}}}``. An exception
for a rule the model does not break, or without a reason, is itself reported,
so the list cannot go stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JOIN_LIMIT = 7
FANOUT_LIMIT = 3
EXCEPTIONS_KEY = "project_check_exceptions"

#: Folder (under models/) -> the name a model there must have.
NAMING: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...] = (
    (
        re.compile(r"^staging/(?P<source>[a-z]+)/base/"),
        re.compile(r"^base_(?P<source>[a-z]+)__[a-z][a-z_]*$"),
        "base_<source>__<entity>",
    ),
    (
        re.compile(r"^staging/(?P<source>[a-z]+)/[^/]+\.sql$"),
        re.compile(r"^stg_(?P<source>[a-z]+)__[a-z][a-z_]*$"),
        "stg_<source>__<entity>",
    ),
    (re.compile(r"^intermediate/"), re.compile(r"^int_[a-z][a-z_]*$"), "int_<entity>s_<verb>"),
    (
        re.compile(r"^marts/"),
        re.compile(r"^(dim|fct)_[a-z][a-z_]*$"),
        "dim_<entity> or fct_<event>",
    ),
    (
        re.compile(r"^gold/"),
        re.compile(r"^(?!(base|stg|int|dim|fct)_)[a-z][a-z0-9_]*$"),
        "a business name, without another layer's prefix",
    ),
)

RULES = (
    "primary_key_test",
    "documentation",
    "direct_source_join",
    "multiple_sources_joined",
    "staging_to_staging",
    "rejoining_upstream_concepts",
    "too_many_joins",
    "model_fanout",
    "naming",
    "exposure_public",
    "public_contract",
)


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    node: str  # the model's (or exposure's) name
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.node}: {self.message}"


class Project:
    """The parts of a manifest the rules read."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        nodes = manifest["nodes"]
        self.models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
        self.tests = [n for n in nodes.values() if n["resource_type"] == "test"]
        self.exposures = manifest.get("exposures", {})
        self.parents: dict[str, list[str]] = manifest.get("parent_map", {})
        self.children: dict[str, list[str]] = manifest.get("child_map", {})

    def name(self, uid: str) -> str:
        return uid.split(".")[-1]

    def model_parents(self, uid: str) -> list[str]:
        return sorted({p for p in self.parents.get(uid, []) if p in self.models})

    def source_parents(self, uid: str) -> list[str]:
        return sorted({p for p in self.parents.get(uid, []) if p.startswith("source.")})

    def model_children(self, uid: str) -> list[str]:
        return sorted({c for c in self.children.get(uid, []) if c in self.models})

    def is_read(self, uid: str) -> bool:
        """True when a model, an exposure or a semantic model reads the model."""
        return any(
            c in self.models or c.startswith(("exposure.", "semantic_model.", "metric."))
            for c in self.children.get(uid, [])
        )

    def layer(self, uid: str) -> str:
        name = self.name(uid)
        return name.split("_", 1)[0] if "_" in name else ""


def _primary_key(project: Project) -> Iterator[Violation]:
    unique: dict[str, set[str]] = {}
    not_null: dict[str, set[str]] = {}
    combined: set[str] = set()
    for test in project.tests:
        meta = test.get("test_metadata") or {}
        model = test.get("attached_node")
        if not model or (test.get("config") or {}).get("where"):
            continue
        kind, column = meta.get("name"), test.get("column_name")
        if kind == "unique_combination_of_columns":
            combined.add(model)
        elif kind == "unique" and column:
            unique.setdefault(model, set()).add(column)
        elif kind == "not_null" and column:
            not_null.setdefault(model, set()).add(column)
    for uid in project.models:
        if uid in combined or unique.get(uid, set()) & not_null.get(uid, set()):
            continue
        yield Violation(
            "primary_key_test",
            project.name(uid),
            "no unique + not_null column and no unique_combination_of_columns test",
        )


def _documentation(project: Project) -> Iterator[Violation]:
    for uid, model in project.models.items():
        if not (model.get("description") or "").strip():
            yield Violation("documentation", project.name(uid), "the model has no description")
        for column, spec in sorted(model.get("columns", {}).items()):
            if not (spec.get("description") or "").strip():
                yield Violation("documentation", project.name(uid), f"column {column} has none")


def _sources(project: Project) -> Iterator[Violation]:
    for uid in project.models:
        sources, models = project.source_parents(uid), project.model_parents(uid)
        if sources and models:
            yield Violation(
                "direct_source_join",
                project.name(uid),
                f"reads source(s) {_names(sources)} and model(s) {_names(models)}",
            )
        if len(sources) > 1:
            yield Violation(
                "multiple_sources_joined", project.name(uid), f"reads {_names(sources)}"
            )


def _staging(project: Project) -> Iterator[Violation]:
    for uid in project.models:
        layer = project.layer(uid)
        if layer not in ("base", "stg"):
            continue
        for parent in project.model_parents(uid):
            parent_layer = project.layer(parent)
            if layer == "base" or parent_layer != "base":
                yield Violation(
                    "staging_to_staging",
                    project.name(uid),
                    f"reads {project.name(parent)} ({parent_layer}_)",
                )


def _rejoining(project: Project) -> Iterator[Violation]:
    for child in project.models:
        parents = set(project.model_parents(child))
        for middle in parents:
            if project.model_children(middle) != [child]:
                continue
            for again in sorted(set(project.model_parents(middle)) & parents):
                yield Violation(
                    "rejoining_upstream_concepts",
                    project.name(child),
                    f"reads {project.name(again)} directly and through "
                    f"{project.name(middle)}, which only it reads",
                )


def _limits(project: Project) -> Iterator[Violation]:
    for uid in project.models:
        parents = project.model_parents(uid) + project.source_parents(uid)
        if len(parents) > JOIN_LIMIT:
            yield Violation(
                "too_many_joins",
                project.name(uid),
                f"{len(parents)} direct parents (limit {JOIN_LIMIT})",
            )
        unread = [c for c in project.model_children(uid) if not project.is_read(c)]
        if len(unread) > FANOUT_LIMIT:
            yield Violation(
                "model_fanout",
                project.name(uid),
                f"{len(unread)} children that nothing reads: {_names(unread)}",
            )


def _naming(project: Project) -> Iterator[Violation]:
    for model in project.models.values():
        path, name = model.get("path", ""), model["name"]
        for folder, pattern, wanted in NAMING:
            where = folder.match(path)
            if not where:
                continue
            named = pattern.match(name)
            source = where.groupdict().get("source")
            if not named or (source and named.group("source") != source):
                yield Violation("naming", name, f"{path}: should be named {wanted}")
            break
        else:
            yield Violation("naming", name, f"{path}: not in a layer's folder")


def _exposures(project: Project) -> Iterator[Violation]:
    for exposure in project.exposures.values():
        for uid in exposure.get("depends_on", {}).get("nodes", []):
            model = project.models.get(uid)
            if model is not None and model.get("access") != "public":
                yield Violation(
                    "exposure_public",
                    exposure["name"],
                    f"reads {model['name']} ({model.get('access')})",
                )


def _contracts(project: Project) -> Iterator[Violation]:
    for uid, model in project.models.items():
        contract = (model.get("config") or {}).get("contract") or {}
        if model.get("access") == "public" and not contract.get("enforced"):
            yield Violation("public_contract", project.name(uid), "public without a contract")


CHECKS = (
    _primary_key,
    _documentation,
    _sources,
    _staging,
    _rejoining,
    _limits,
    _naming,
    _exposures,
    _contracts,
)


def _names(uids: Iterable[str]) -> str:
    return ", ".join(uid.split(".")[-1] for uid in uids)


def _exceptions(project: Project) -> dict[str, dict[str, object]]:
    """model name -> {rule: reason}, from each model's config.meta."""
    found = {}
    for model in project.models.values():
        meta = (model.get("config") or {}).get("meta") or {}
        if EXCEPTIONS_KEY in meta:
            found[model["name"]] = dict(meta[EXCEPTIONS_KEY] or {})
    return found


def check(manifest: dict[str, Any]) -> list[Violation]:
    """Every rule's violations that no justified exception covers, plus every
    exception that is unknown, unjustified or unneeded."""
    project = Project(manifest)
    found = sorted({v for rule in CHECKS for v in rule(project)})
    exceptions = _exceptions(project)
    broken = {(v.node, v.rule) for v in found}
    problems = [v for v in found if not str(exceptions.get(v.node, {}).get(v.rule, "")).strip()]
    for node, rules in sorted(exceptions.items()):
        for rule, reason in sorted(rules.items()):
            if rule not in RULES:
                problems.append(Violation(rule, node, "excepted from a rule that does not exist"))
            elif not str(reason or "").strip():
                problems.append(Violation(rule, node, "excepted without a reason"))
            elif (node, rule) not in broken:
                problems.append(Violation(rule, node, "excepted, but breaks no such rule"))
    return problems


def check_file(path: Path) -> list[Violation]:
    return check(json.loads(path.read_text()))
