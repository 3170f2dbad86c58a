"""Bulk import: many records in one transaction, the new ones by set-wise inserts (COPY on PostgreSQL).

Records are the API's own request bodies, validated by the same schemas. A record whose id is new is
inserted table by table, with the checks the API's writes make (references exist, no cycle, no alias
clash, licence expressions known) done over the whole set at once; a record that already exists is
updated through the store, as the API would update it. The caller commits, or rolls everything back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session, selectinload

from api.domain.errors import DomainError
from api.store import audit, closure, conflict_index
from api.store import datasets as dataset_store
from api.store import licences as licence_store
from api.store import models as model_store
from api.store.common import lock_graph, normalise_expression, one_of, prefer_index_walks, resolve_model_ids
from api.store.tables import (
    AuditEvent,
    Dataset,
    DatasetLicence,
    LanguageModel,
    Licence,
    LicenceAlias,
    LicenceAssignment,
    ModelAlias,
    ModelLicence,
    ParentEdge,
    TrainingEdge,
    utcnow,
)
from schemas.datasets import DatasetSchema
from schemas.licences import LicenceSchema
from schemas.models import LanguageModelSchema

KINDS = ("license", "dataset", "model")
_SCHEMAS = {"license": LicenceSchema, "dataset": DatasetSchema, "model": LanguageModelSchema}
_LOADERS: dict[str, Any] = {}  # one schema instance per kind: building one (and its nested schemas) costs more than a load
CHUNK = 5000


class BulkImportError(ValueError):
    """A record cannot be imported; the message names its line (or record) and why. Nothing was written."""


@dataclass
class Item:
    """One validated record and where it came from."""

    kind: str
    data: dict[str, Any]
    where: str  # "line 12", or "model 'org/name'" for records that came from no file

    def fail(self, why: str) -> BulkImportError:
        return BulkImportError(f"{self.where}: {self.kind} '{self.data.get('id')}': {why}")


@dataclass
class Counts:
    """Records created, updated and found unchanged, by kind."""

    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]


def validate(kind: str, record: dict[str, Any], where: str) -> Item:
    """The record as the API's schema loads it, or a BulkImportError naming `where`."""
    if kind not in _SCHEMAS:
        raise BulkImportError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    try:
        loader = _LOADERS.get(kind) or _LOADERS.setdefault(kind, _SCHEMAS[kind]())
        return Item(kind, loader.load(record), where)
    except ValidationError as error:
        raise BulkImportError(f"{where}: {kind} '{record.get('id')}': {error.messages}") from None


def items_from_lines(lines: Iterable[str]) -> Iterator[Item]:
    """JSON Lines in: one record an object a line, `"kind"` one of KINDS (default `model`); blank lines skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise BulkImportError(f"line {number}: not valid JSON: {error}") from None
        if not isinstance(record, dict):
            raise BulkImportError(f"line {number}: expected a JSON object, got {type(record).__name__}")
        yield validate(record.pop("kind", "model"), record, f"line {number}")


def import_items(session: Session, items: Iterable[Item]) -> Counts:
    """Create the new records in bulk and update the changed existing ones through the store; the caller commits."""
    lock_graph(session)
    prefer_index_walks(session)
    items = list(items)
    _refuse_repeats(items)
    new, old = _split_new_from_existing(session, items)
    changed = {"license": _changed_licences(session, old["license"])}
    _LicenceRows(session, new["license"]).insert()
    _update_existing(session, changed["license"], licence_store.update_licence)
    datasets = _DatasetRows(session, new["dataset"])
    datasets.insert()
    changed["model"] = _parents_first(_changed_models(session, old["model"]))
    model_rows = _ModelRows(session, new["model"])
    model_rows.insert()
    _update_existing(session, changed["model"], model_store.update_model)
    datasets.link_generators()  # the models that generated them exist now
    changed["dataset"] = _changed_datasets(session, old["dataset"])
    _update_existing(session, changed["dataset"], dataset_store.update_dataset)
    created = [item.data["id"] for item in new["model"]]
    _fresh_statistics(session, len(created), ("language_models", "parent_edges", "training_edges", "datasets"))
    closure.add_created(session, model_rows.parents_of())
    _fresh_statistics(session, len(created), ("lineage_closure",))
    conflict_index.refresh(session, created, without_rows=created)
    return Counts(created={kind: len(new[kind]) for kind in KINDS},
                  updated={kind: len(changed[kind]) for kind in KINDS},
                  unchanged={kind: len(old[kind]) - len(changed[kind]) for kind in KINDS})


def _refuse_repeats(items: list[Item]) -> None:
    seen: dict[tuple[str, str], Item] = {}
    for item in items:
        key = (item.kind, item.data["id"].lower() if item.kind == "model" else item.data["id"])
        if key in seen:
            raise item.fail(f"the same {item.kind} is also at {seen[key].where}")
        seen[key] = item


# Above this many new models, the planner is told what the import wrote before the walks that follow.
STATISTICS_AFTER = 10_000


def _fresh_statistics(session: Session, created: int, tables: tuple[str, ...]) -> None:
    """PostgreSQL plans the closure and conflict walks from table statistics that autovacuum cannot refresh
    while this transaction is open: after writing many rows, ANALYZE them here (it samples this transaction's
    own rows). Without it, a million-model import spent most of its time in sequential scans."""
    if created >= STATISTICS_AFTER and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE " + ", ".join(tables)))


def _split_new_from_existing(session: Session, items: list[Item]) -> tuple[dict[str, list[Item]], dict[str, list[Item]]]:
    """Per kind, the records to create and the records that exist (by exact id) and are updated."""
    new: dict[str, list[Item]] = {kind: [] for kind in KINDS}
    old: dict[str, list[Item]] = {kind: [] for kind in KINDS}
    tables = {"license": Licence, "dataset": Dataset, "model": LanguageModel}
    for kind in KINDS:
        ids = [item.data["id"] for item in items if item.kind == kind]
        present = _present(session, tables[kind].id, ids)
        for item in items:
            if item.kind == kind:
                (old if item.data["id"] in present else new)[kind].append(item)
    elsewhere = _resolved(session, [item.data["id"] for item in new["model"]])
    for item in new["model"]:
        if item.data["id"] in elsewhere:
            raise item.fail(f"already exists as '{elsewhere[item.data['id']]}' (Hub ids match case-insensitively "
                            "and through former ids)")
    return new, old


def _resolved(session: Session, ids: list[str]) -> dict[str, str]:
    """resolve_model_ids in chunks (each chunk's ids go as one value; the chunks bound one statement's size)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(resolve_model_ids(session, ids[start:start + CHUNK]))
    return found


def _present(session: Session, column, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        found |= set(session.scalars(select(column).where(one_of(session, column, ids[start:start + CHUNK]))))
    return found


def _update_existing(session: Session, items: list[Item], write) -> None:
    for item in items:
        fields = {key: value for key, value in item.data.items() if key != "id"}
        try:
            write(session, item.data["id"], fields)
        except DomainError as problem:
            raise item.fail(problem.detail) from None


def _changed_licences(session: Session, items: list[Item]) -> list[Item]:
    """The stored licences whose record would change."""
    planned = _LicenceRows(session, items)
    planned.plan()
    wanted = {state["id"]: state for state in planned.states}
    stored = {licence.id: audit.licence_state(licence) for licence in session.scalars(
        select(Licence).where(Licence.id.in_(sorted(wanted))).options(selectinload(Licence.alias_records)))}
    return [item for item in items if stored.get(item.data["id"]) != wanted[item.data["id"]]]


def _changed_datasets(session: Session, items: list[Item]) -> list[Item]:
    """The stored datasets whose record would change (a generator left out is left as it is)."""
    planned = _DatasetRows(session, items)
    planned.plan()
    stored = {dataset.id: audit.dataset_state(dataset) for dataset in session.scalars(
        select(Dataset).where(Dataset.id.in_(sorted(planned.states))))}
    for item in items:
        if "generated_by" not in item.data:
            planned.states[item.data["id"]]["generated_by"] = stored[item.data["id"]]["generated_by"]
    return [item for item in items if stored[item.data["id"]] != planned.states[item.data["id"]]]


def _changed_models(session: Session, items: list[Item]) -> list[Item]:
    """The stored models whose record would change: the rest are left alone (a reload of the same data is fast)."""
    if not items:
        return []
    planned = _ModelRows(session, items)
    planned.plan()
    wanted = {state["id"]: state for state in planned.tables["audit"]}
    ids = sorted(wanted)
    stored: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        for model in session.scalars(select(LanguageModel).where(one_of(session, LanguageModel.id, ids[start:start + CHUNK]))
                                     .options(*model_store.LOAD)):
            stored[model.id] = audit.model_state(model)
    return [item for item in items if stored.get(item.data["id"]) != wanted[item.data["id"]]]


def _parents_first(items: list[Item]) -> list[Item]:
    """The records ordered so that a parent in the list comes before its children; a cycle is refused."""
    by_id = {item.data["id"]: item for item in items}
    ordered: list[Item] = []
    state: dict[str, str] = {}
    for start in sorted(by_id):
        stack = [(start, iter(sorted(p["id"] for p in by_id[start].data.get("parents", []))))]
        if state.get(start):
            continue
        state[start] = "open"
        while stack:
            node, parents = stack[-1]
            parent = next((p for p in parents if p in by_id and state.get(p) != "done"), None)
            if parent is None:
                state[node] = "done"
                ordered.append(by_id[node])
                stack.pop()
            elif state.get(parent) == "open":
                trail = [n for n, _ in stack]
                cycle = [*trail[trail.index(parent):], parent]
                raise by_id[node].fail("the parents close a cycle: " + " → ".join(reversed(cycle)))
            else:
                state[parent] = "open"
                stack.append((parent, iter(sorted(p["id"] for p in by_id[parent].data.get("parents", [])))))
    return ordered


def write_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL (JSON columns as JSON text), batched executemany on SQLite."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        columns = tuple(rows[0])
        json_columns = {name for name in columns if table.c[name].type.__class__.__name__ == "JSON"}
        write_tuples(session, table, columns, (
            tuple(json.dumps(row[name]) if name in json_columns and row[name] is not None else row[name]
                  for name in columns) for row in rows))
        return
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start:start + CHUNK])


def write_tuples(session: Session, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert many rows of plain values given as tuples in `columns` order, straight to the driver: COPY on
    PostgreSQL, executemany on SQLite (SQLAlchemy's per-row parameter handling is most of the cost of millions
    of closure pairs). Values are passed as they are: no JSON or date conversion."""
    connection = session.connection()
    quoted = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    if connection.dialect.name == "postgresql":
        with cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})', rows)
    finally:
        cursor.close()


def _audit_rows(kind: str, states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    actor, now = audit.current_actor.get(), utcnow()
    return [{"at": now, "actor": actor, "action": "create", "resource_type": kind, "resource_id": state["id"],
             "before": None, "after": state} for state in states]


def _stamped(row: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {**row, "version": 1, "created_at": now, "updated_at": now}


class _Expressions:
    """Licence expressions normalised once per distinct text (a catalogue repeats a few hundred)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[tuple[str, str], tuple[str, list[str]]] = {}

    def normalise(self, item: Item, text: str, field_name: str = "license") -> tuple[str, list[str]]:
        key = (text, field_name)
        if key not in self.known:
            try:
                self.known[key] = normalise_expression(self.session, text, field_name)
            except DomainError as problem:
                raise item.fail(problem.detail) from None
        return self.known[key]


class _LicenceRows:
    def __init__(self, session: Session, items: list[Item]) -> None:
        self.session, self.items = session, items

    def plan(self) -> None:
        """Build the rows and logged states of the records; nothing is written."""
        self.aliases = aliases = {
            item.data["id"]: sorted({a.strip().lower() for a in item.data.get("aliases", []) if a.strip()})
            for item in self.items}
        self.rows, self.alias_rows, self.states = rows, alias_rows, states = [], [], []
        for item in self.items:
            data = item.data
            row = {"id": data["id"], "name": data.get("name"), "url": data.get("url"),
                   "version_date": data.get("version_date"), "categories": data.get("categories", []),
                   "terms": data.get("terms", {}), "binds_derivatives": data.get("binds_derivatives", {})}
            rows.append(_stamped(row))
            alias_rows += [{"alias": alias, "licence_id": data["id"]} for alias in aliases[data["id"]]]
            states.append({key: row[key] for key in ("id", "name", "url", "version_date")} | {
                "aliases": aliases[data["id"]], "categories": row["categories"], "terms": row["terms"],
                "binds_derivatives": row["binds_derivatives"]})

    def insert(self) -> None:
        if not self.items:
            return
        self.plan()
        self._refuse_clashes(self.aliases)
        write_rows(self.session, Licence.__table__, self.rows)
        write_rows(self.session, LicenceAlias.__table__, self.alias_rows)
        write_rows(self.session, AuditEvent.__table__, _audit_rows("licence", self.states))

    def _refuse_clashes(self, aliases: dict[str, list[str]]) -> None:
        """An alias may name one licence, and no alias may be another licence's id (as the API refuses)."""
        by_item = {item.data["id"]: item for item in self.items}
        owner: dict[str, str] = {}
        for licence_id, names in aliases.items():
            for name in names:
                if name in owner and owner[name] != licence_id:
                    raise by_item[licence_id].fail(f"alias '{name}' already names licence {owner[name]}")
                owner[name] = licence_id
        ids = {licence_id.lower(): licence_id for licence_id in by_item}
        for (known,) in self.session.execute(select(Licence.id)):
            ids.setdefault(known.lower(), known)
        for alias, known_owner in self.session.execute(select(LicenceAlias.alias, LicenceAlias.licence_id)):
            if alias in owner and owner[alias] != known_owner:
                raise by_item[owner[alias]].fail(f"alias '{alias}' already names licence {known_owner}")
            if alias in ids and ids[alias] in by_item:
                raise by_item[ids[alias]].fail(f"'{ids[alias]}' is already an alias of licence {known_owner}")
        for alias, licence_id in owner.items():
            if alias in ids and ids[alias] != licence_id:
                raise by_item[licence_id].fail(f"alias '{alias}' is the id of licence {ids[alias]}")


class _DatasetRows:
    def __init__(self, session: Session, items: list[Item]) -> None:
        self.session, self.items = session, items
        self.expressions = _Expressions(session)

    def plan(self) -> None:
        """Build the rows and logged states of the records; nothing is written."""
        self.rows, self.links, self.states = [], [], {}
        for item in self.items:
            data = item.data
            license_text, ids = self.expressions.normalise(item, data["license"]) if data.get("license") else (None, [])
            row = {"id": data["id"], "name": data.get("name"), "license": license_text,
                   "source_url": data.get("source_url"), "generated_by": data.get("generated_by"),
                   "placeholder": data.get("placeholder", False), "sources": data.get("sources", {}),
                   "description": data.get("description")}
            self.rows.append(_stamped(row))
            self.links += [{"dataset_id": data["id"], "licence_id": licence_id} for licence_id in ids]
            self.states[data["id"]] = {key: row[key] for key in ("id", "name", "license", "source_url", "generated_by",
                                                                 "placeholder", "sources", "description")}

    def insert(self) -> None:
        """Insert the datasets, each without its generator (linked once the models exist)."""
        self.plan()
        write_rows(self.session, Dataset.__table__, [{**row, "generated_by": None} for row in self.rows])
        write_rows(self.session, DatasetLicence.__table__, self.links)

    def link_generators(self) -> None:
        """Link each new dataset to the model that generated it, and log the creations."""
        generators = {row["id"]: row["generated_by"] for row in self.rows if row["generated_by"]}
        known = _present(self.session, LanguageModel.id, sorted(set(generators.values())))
        table = Dataset.__table__
        for item in self.items:
            generator = generators.get(item.data["id"])
            if generator and generator not in known:
                raise item.fail(f"generated_by: model '{generator}' does not exist")
            if generator:
                self.session.connection().execute(
                    update(table).where(table.c.id == item.data["id"]).values(generated_by=generator))
        write_rows(self.session, AuditEvent.__table__, _audit_rows("dataset", list(self.states.values())))


class _ModelRows:
    def __init__(self, session: Session, items: list[Item]) -> None:
        self.session, self.items = session, _parents_first(items)
        self.expressions = _Expressions(session)
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "models", "aliases", "licences", "assignments", "parents", "training", "audit")}

    def plan(self) -> None:
        """Build every row (and the logged state) of the records, checking them; nothing is written."""
        current = self._current_ids()
        datasets = self._known_datasets()
        for item in self.items:
            self._rows_of(item, current, datasets)

    def insert(self) -> None:
        if not self.items:
            return
        self.plan()
        for name, table in (("models", LanguageModel), ("aliases", ModelAlias), ("licences", ModelLicence),
                            ("assignments", LicenceAssignment), ("parents", ParentEdge), ("training", TrainingEdge)):
            write_rows(self.session, table.__table__, self.tables[name])
        write_rows(self.session, AuditEvent.__table__, _audit_rows("model", self.tables["audit"]))

    def parents_of(self) -> dict[str, list[str]]:
        """Each inserted model's parents, by current id."""
        parents: dict[str, list[str]] = {item.data["id"]: [] for item in self.items}
        for edge in self.tables["parents"]:
            parents[edge["child_id"]].append(edge["parent_id"])
        return parents

    def _current_ids(self) -> dict[str, str]:
        """Every name a parent may be given by, lower-cased, to the current id: new records' ids and aliases,
        then the stored models' (ids, other cases, former ids)."""
        names: dict[str, str] = {}
        for item in self.items:
            names[item.data["id"].lower()] = item.data["id"]
        for item in self.items:
            for alias in item.data.get("aliases") or []:
                key = alias.lower()
                if key in names and names[key] != item.data["id"]:
                    raise item.fail(f"Aliases already in use: '{alias}' names '{names[key]}'")
                names[key] = item.data["id"]
        wanted = sorted({p["id"] for item in self.items for p in item.data.get("parents", [])
                         if p["id"].lower() not in names})
        stored = _resolved(self.session, wanted)
        aliases = sorted({a for item in self.items for a in item.data.get("aliases") or []})
        taken = _resolved(self.session, aliases)
        for item in self.items:
            clash = [f"'{a}' names '{taken[a]}'" for a in item.data.get("aliases") or []
                     if a in taken and taken[a] != item.data["id"]]
            if clash:
                raise item.fail("Aliases already in use: " + "; ".join(sorted(clash)))
        return names | {given.lower(): current for given, current in stored.items()}

    def _known_datasets(self) -> set[str]:
        wanted = sorted({d["id"] for item in self.items for d in item.data.get("datasets", [])})
        return _present(self.session, Dataset.id, wanted)

    def _rows_of(self, item: Item, current: dict[str, str], datasets: set[str]) -> None:
        data = item.data
        model_id = data["id"]
        parents = self._parents(item, current)
        missing = sorted({d["id"] for d in data.get("datasets", [])} - datasets)
        if missing:
            raise item.fail("Unknown references: " + "; ".join(f"dataset '{d}' does not exist" for d in missing))
        license_text, licence_ids, history = self._licence(item)
        aliases = self._aliases(item)
        row = {"id": model_id, **{key: data.get(key) for key in (
            "name", "organisation", "rights_holder", "release_date", "parameters", "source_url")},
            "license": license_text, "placeholder": data.get("placeholder", False), "sources": data.get("sources", {})}
        self.tables["models"].append(_stamped(row))
        self.tables["aliases"] += [{"alias_key": key, "alias": alias, "model_id": model_id} for key, alias in aliases]
        self.tables["licences"] += [{"model_id": model_id, "licence_id": i} for i in licence_ids]
        self.tables["assignments"] += [{**entry, "model_id": model_id, "position": position, "recorded_at": utcnow()}
                                       for position, entry in enumerate(history)]
        self.tables["parents"] += [{"child_id": model_id, **p} for p in parents]
        self.tables["training"] += [{"model_id": model_id, "dataset_id": d["id"], "stage": d["stage"],
                                     "source": d["source"]} for d in data.get("datasets", [])]
        self.tables["audit"].append({key: row[key] for key in (
            "id", "name", "organisation", "rights_holder")} | {"aliases": sorted((alias for _, alias in aliases), key=str.lower)} | {
            key: row[key] for key in ("release_date", "parameters", "license")} | {
            "license_history": [{"license": e["expression"], "effective_from": e["effective_from"],
                                 "source": e["source"]} for e in history]} | {
            key: row[key] for key in ("source_url", "placeholder", "sources")} | {
            "parents": sorted(({"id": p["parent_id"], "relation": p["relation"], "source": p["source"]} for p in parents),
                              key=lambda edge: edge["id"]),
            "datasets": sorted(({"id": d["id"], "stage": d["stage"], "source": d["source"]}
                                for d in data.get("datasets", [])), key=lambda edge: edge["id"])})

    def _parents(self, item: Item, current: dict[str, str]) -> list[dict[str, Any]]:
        refs = item.data.get("parents", [])
        missing = sorted(ref["id"] for ref in refs if ref["id"].lower() not in current)
        if missing:
            raise item.fail("Unknown references: " + "; ".join(f"model '{m}' does not exist" for m in missing))
        return [{"parent_id": current[ref["id"].lower()], "relation": ref["relation"], "source": ref["source"]}
                for ref in refs]

    def _licence(self, item: Item) -> tuple[str | None, list[str], list[dict[str, Any]]]:
        """The declared licence, its licence ids and its history, as the store's create records them."""
        data = item.data
        if "license_history" in data:
            history = [{"expression": self.expressions.normalise(item, e["license"], "license_history")[0]
                        if e["license"] else None, "effective_from": e["effective_from"], "source": e["source"]}
                       for e in data["license_history"]]
            current = history[-1]["expression"] if history else None
            if "license" in data:
                given = self.expressions.normalise(item, data["license"])[0] if data["license"] else None
                if given != current:
                    raise item.fail(f"'license' ({given}) must equal the last entry of 'license_history' ({current})")
            ids = self.expressions.normalise(item, current)[1] if current else []
            return current, ids, history
        if "license" not in data:
            return None, [], []
        text, ids = self.expressions.normalise(item, data["license"]) if data["license"] else (None, [])
        source = (data.get("sources") or {}).get("license")
        return text, ids, [{"expression": text, "effective_from": data.get("license_effective_from"), "source": source}]

    @staticmethod
    def _aliases(item: Item) -> list[tuple[str, str]]:
        keys = {alias.lower(): alias for alias in item.data.get("aliases") or []}
        if item.data["id"].lower() in keys:
            raise item.fail(f"'{keys[item.data['id'].lower()]}' is the model's own id, not a former one")
        return list(keys.items())
