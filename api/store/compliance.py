"""The batch compliance check against the database: one snapshot for the whole batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from api.domain import expressions
from api.domain.compliance import check, policy_from_data
from api.store.common import prefer_index_walks, resolve_licence_names, resolve_model_ids
from api.store.snapshots import load_snapshot


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


def check_batch(session: Session, model_ids: list[str], policy_data: dict[str, Any],
                today: str | None = None) -> dict[str, Any]:
    prefer_index_walks(session)
    known = resolve_licence_names(session, _policy_names(policy_data))
    known.update(resolve_licence_names(session, _expression_names(policy_data)))
    policy = policy_from_data(policy_data, lambda name: known.get(name.lower()))
    current_ids = resolve_model_ids(session, model_ids)
    snapshot = load_snapshot(session, list(dict.fromkeys(current_ids.values())))
    return check(snapshot, model_ids, policy, today or dt.date.today().isoformat(), current_ids)
