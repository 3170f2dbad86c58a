"""The batch compliance check against the database: the stored bindings of the models not already kept."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.orm import Session

from api.domain import expressions
from api.domain.compliance import Policy, model_results, policy_from_data, report, walked_terms
from api.domain.terms import EffectiveTerms, from_binding_groups
from api.store import data_generation, model_bindings
from api.store.common import prefer_index_walks, resolve_licence_names, resolve_model_ids
from api.store.snapshots import load_licences, load_snapshot


def _policy_names(data: dict[str, Any]) -> list[str]:
    names = []
    for section in ("allow", "deny"):
        names += [n.lower() for n in (data.get(section) or {}).get("licenses", [])]
    names += [w["license"].lower() for w in data.get("waivers", []) if w.get("license")]
    return names


def _expression_names(data: dict[str, Any]) -> list[str]:
    """The licence names the policy's expressions mention, read by the expression parser."""
    names: list[str] = []
    for section in ("allow", "deny"):
        for text_value in (data.get(section) or {}).get("expressions", []):
            try:
                names += [name.lower() for name in expressions.licence_names(text_value)]
            except expressions.InvalidExpression:
                continue  # an expression that does not parse matches nothing; it is kept as written
    return names


class KeptResults:
    """Per-model results kept per process, each with the data generation it was computed at, and reused only
    while the generation has not moved (any committed write moves it): a pipeline that checks the same models
    against the same policy build after build is answered without walking their lineage again. A least
    recently used map bounded in models; safe across threads."""

    def __init__(self, max_models: int) -> None:
        self.max_models = max_models
        self.entries: OrderedDict[tuple, tuple[int, dict[str, Any]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, generation: int) -> dict[str, Any] | None:
        with self.lock:
            kept = self.entries.get(key)
            if kept is None or kept[0] != generation:
                return None
            self.entries.move_to_end(key)
            return kept[1]

    def put(self, key: tuple, generation: int, result: dict[str, Any]) -> None:
        with self.lock:
            self.entries[key] = (generation, result)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_models:
                self.entries.popitem(last=False)


def _terms_source(session: Session, model_ids: list[str], policy: Policy):
    """`terms_of`, the licences and the current ids for `model_results`. Each model's effective terms come from its
    stored bindings: one query for the ids as asked (a current id has its row under that id), then, only for ids
    without a row, the current ids they name (another case, a former id) and those models' rows. A model without a
    stored row (none, unless written around the ORM's hooks) is walked on a snapshot of its lineage. Then one query
    for the licences the bindings name."""
    stored = model_bindings.load(session, model_ids)
    current_ids = {model_id: model_id for model_id in stored}
    rest = [m for m in model_ids if m not in stored]
    if rest:
        current_ids.update(resolve_model_ids(session, rest))
        named = [c for c in dict.fromkeys(current_ids[m] for m in rest if m in current_ids) if c not in stored]
        stored.update(model_bindings.load(session, named))
    unstored = [c for c in dict.fromkeys(current_ids.values()) if c not in stored]
    snapshot = None
    if unstored:
        prefer_index_walks(session)
        snapshot = load_snapshot(session, unstored, kept_closure=True)
    licences = load_licences(session, model_bindings.expressions_in(stored))
    walked = walked_terms(snapshot, policy) if snapshot else None
    if snapshot:
        licences.update(snapshot.licences)

    def terms_of(model_id: str) -> EffectiveTerms | None:
        if model_id in stored:
            return from_binding_groups(model_id, stored[model_id], licences, policy.include_training_data,
                                       policy.training_data)
        return walked(model_id) if walked else None

    return terms_of, licences, current_ids


def check_batch(session: Session, model_ids: list[str], policy_data: dict[str, Any], today: str | None = None,
                detail: str = "full", kept: KeptResults | None = None) -> dict[str, Any]:
    """The report for the models against the policy; `detail` "full" or "findings" (`ModelResult.compact`).

    With `kept`, a model's result computed for the same policy, day and detail at the current data generation
    is reused; only the others are computed. The generation is read before any data, so a result
    is never kept under a generation older than the data it was computed from would allow. A result is kept under
    the id as asked: which model an id names (another case, a former id) changes only by a write, which moves the
    generation. Each model's effective terms are rebuilt from its stored bindings (`_terms_source`), not walked.
    """
    today = today or dt.date.today().isoformat()
    generation = data_generation.current_outside_transaction(session.get_bind()) if kept else None
    known = resolve_licence_names(session, _policy_names(policy_data))
    known.update(resolve_licence_names(session, _expression_names(policy_data)))
    policy = policy_from_data(policy_data, lambda name: known.get(name.lower()))
    asked = list(dict.fromkeys(model_ids))
    policy_key = (json.dumps(policy_data, sort_keys=True, default=str), today, detail)

    def key(model_id: str) -> tuple:
        return (*policy_key, model_id)

    results = {m: kept.get(key(m), generation) for m in asked} if generation is not None else dict.fromkeys(asked)
    missing = [m for m in asked if results[m] is None]
    if missing:
        terms_of, licences, current_ids = _terms_source(session, missing, policy)
        computed = model_results(terms_of, licences, missing, policy, today, current_ids, detail)
        for model_id, result in zip(missing, computed, strict=True):
            results[model_id] = result
            if generation is not None:
                kept.put(key(model_id), generation, results[model_id])
    return report([results[m] for m in asked], policy.name, detail)
