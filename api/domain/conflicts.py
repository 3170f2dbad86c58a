"""Declared-versus-inherited conflicts: a model whose own licence is looser than what it inherits."""

from __future__ import annotations

from typing import Any

from api.domain import lattice
from api.domain.terms import EffectiveTerms
from api.domain.vocabulary import TERM_NAMES, UNKNOWN

# Terms where a looser declaration misleads a user: all but the notices, licence text and name prefixes.
CHECKED_TERMS = tuple(t for t in TERM_NAMES if t not in ("attribution", "include_license_text", "derivative_name_prefix"))


def namespace(record_id: str) -> str | None:
    """The Hub organisation of an id (`meta-llama/Llama-2-7b-hf` → `meta-llama`); None for legacy ids."""
    return record_id.split("/", 1)[0].lower() if "/" in record_id else None


def conflicts(effective: EffectiveTerms) -> list[dict[str, Any]]:
    """Each term where the declared licence permits what an ancestor or dataset forbids.

    Records published under the model's own Hub organisation are left out: a rights holder may
    relicense its own work (Meta's Llama 3.2 distilled from its Llama 3.1), which is no hand-off.
    """
    declared_group = effective.declared_group()
    own = namespace(effective.model)
    inherited_groups = [g for g in effective.inherited_groups() if own is None or namespace(g.carrier) != own]
    if declared_group is None or not inherited_groups:
        return []
    found = []
    for term in CHECKED_TERMS:
        declared, _ = declared_group.value(term)
        inherited = effective.term(term, inherited_groups)
        if declared == UNKNOWN or inherited["value"] == UNKNOWN:
            continue
        if lattice.at_least_as_strict(term, declared, inherited["value"]):
            continue
        sources = [s for s in inherited["sources"]
                   if s["value"] != UNKNOWN and not lattice.at_least_as_strict(term, declared, s["value"])]
        found.append({
            "term": term,
            "declared": declared,
            "declared_licence": declared_group.expression,
            "inherited": inherited["value"],
            "sources": sources,
            "message": f"declares {term.replace('_', ' ')} {declared!r} but inherits {inherited['value']!r} from "
            + ", ".join(sorted({f"{s['licence']} on {s['imposed_by']['id']}" for s in sources})),
        })
    return found
