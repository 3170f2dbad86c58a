"""Effective terms: a model's own licence combined with what its ancestors and training data impose.

Each licence expression met on the way (the model's, each ancestor's, each dataset's) is a *group*;
an `OR` gives the licensee a choice of *alternatives*, an `AND` puts several licences in one
alternative. Every value keeps its provenance: the licence, the record carrying it, and the path
from the queried model to that record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.domain import expressions, lattice
from api.domain.lineage import Hop, LicenceRecord, Lineage, Superseded, binding_paths
from api.domain.vocabulary import TERM_NAMES, UNKNOWN

# What a licence that does not bind derivatives still passes on (Apache-2.0, MIT: notices and text).
NOTICE_TERMS = ("attribution", "include_license_text")
# What the licence of a model whose outputs became training data passes on to the trained model.
OUTPUT_TERMS = ("outputs_train_other_models", "use_restrictions", "attribution", "derivative_name_prefix")

BOTTOM = {
    "commercial_use": "allowed",
    "redistribution": "allowed",
    "outputs_train_other_models": "allowed",
    "research_only": False,
    "share_alike": False,
    "include_license_text": False,
    "max_monthly_active_users": None,
    "attribution": [],
    "derivative_name_prefix": [],
    "use_restrictions": [],
    "derivatives": "allowed",
}
# Roles whose unknown terms are caveats rather than unknowns, unless training data is judged strictly.
DATA_ROLES = ("training_data", "generator")

ROLE_WORDS = {
    "declared": "declared licence of",
    "ancestor": "ancestor",
    "training_data": "training data",
    "generator": "generator of training data",
}


@dataclass(slots=True)
class Contribution:
    """One term's value as one licence (or the lack of one) imposes it. Not changed once made; not frozen,
    because a frozen dataclass is made about five times slower and a batch check makes some ten thousand."""

    term: str
    value: Any
    licence: str | None
    role: str  # declared | ancestor | training_data | generator
    carrier_kind: str  # model | dataset
    carrier: str
    path: tuple[Hop, ...]
    source: str | None = None
    note: str | None = None

    def provenance(self) -> dict[str, Any]:
        ids = [hop.id for hop in self.path]
        via = [hop.via for hop in self.path[1:]]
        return {
            "value": self.value,
            "license": self.licence,
            "role": self.role,
            "imposed_by": {"kind": self.carrier_kind, "id": self.carrier},
            "path": ids,
            "via": via,
            "source": self.source,
            "note": self.note,
            "explanation": self.explain(),
        }

    def explain(self) -> str:
        """A sentence a user can read: what, which licence, on which record, reached how."""
        what = f"{self.term.replace('_', ' ')} {_show(self.value)}"
        where = f"{self.carrier_kind} {self.carrier}"
        ids = [hop.id for hop in self.path]
        route = f", via {' → '.join(ids)}" if len(ids) > 1 else ""
        if self.value == UNKNOWN:
            if self.licence is None:
                return f"{what} — {where} has {self.note or 'no licence on record'}{route}"
            reason = self.note if self.note == "licence not on record" else "states no value for this term"
            return f"{what} — {self.licence} on {where} {reason}{route}"
        return f"{what} — imposed by {self.licence} on {where}{route}"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class Group:
    """One licence expression on the way: the model's own, an ancestor's, a dataset's."""

    role: str
    carrier_kind: str
    carrier: str
    expression: str | None
    path: tuple[Hop, ...]
    alternatives: list[list[Contribution]] = field(default_factory=list)
    licence_sets: list[list[str | None]] = field(default_factory=list)
    caveat: dict[str, Any] | None = None
    placeholder: bool = False  # the carrier is a placeholder record: its terms are unknown

    def value(self, term: str) -> tuple[Any, int]:
        """The loosest alternative's value for the term, and that alternative's index."""
        values = [self.alternative_value(index, term) for index in range(len(self.alternatives))]
        best = lattice.loosest(term, values)
        return best, values.index(best)

    def alternative_value(self, index: int, term: str) -> Any:
        values = [c.value for c in self.alternatives[index] if c.term == term]
        return lattice.strictest(term, values) if values else BOTTOM[term]


@dataclass
class EffectiveTerms:
    model: str
    groups: list[Group]
    include_training_data: bool
    training_data: str = "caveat"
    superseded: list[Superseded] = field(default_factory=list)

    def caveats(self) -> list[dict[str, Any]]:
        """Training data whose licence (or some of its terms) is unknown: shown beside every answer."""
        return [group.caveat for group in self.groups if group.caveat]

    def inherited_groups(self) -> list[Group]:
        return [g for g in self.groups if g.role != "declared"]

    def declared_group(self) -> Group | None:
        return next((g for g in self.groups if g.role == "declared"), None)

    def term(self, term: str, groups: list[Group] | None = None) -> dict[str, Any]:
        """Combined value of one term, with the restrictions behind it."""
        chosen = [(group, *group.value(term)) for group in (self.groups if groups is None else groups)]
        value = lattice.strictest(term, [value for _, value, _ in chosen]) if chosen else BOTTOM[term]
        sources = [
            c.provenance()
            for group, _, index in chosen
            for c in group.alternatives[index]
            if c.term == term and lattice.is_restrictive(term, c.value)
        ]
        sources.sort(key=lambda s: s["value"] != value)  # the sources that decide the value first
        return {"value": value, "sources": sources}

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "include_training_data": self.include_training_data,
            "training_data": self.training_data,
            "terms": {name: self.term(name) for name in TERM_NAMES},
            "caveats": self.caveats(),
            "licenses": [
                {"role": g.role, "kind": g.carrier_kind, "id": g.carrier, "expression": g.expression,
                 "path": [hop.id for hop in g.path]}
                for g in self.groups
            ],
            "superseded": [
                {"id": s.id, "rights_holder": s.holder, "superseded_by": s.by, "path": [hop.id for hop in s.path],
                 "message": f"{s.id}'s licence stops at {s.by}: its rights holder ({s.holder}) released {s.by} "
                            "under its own licence"}
                for s in self.superseded
            ],
        }


def _terms_for(role: str, binds: Any) -> tuple[str, ...]:
    if role == "declared":
        return TERM_NAMES
    if role == "generator":
        return OUTPUT_TERMS if binds is not False else ()
    return TERM_NAMES if binds is not False else NOTICE_TERMS


def _unknown_alternative(role: str, kind: str, carrier: str, path: tuple[Hop, ...], why: str,
                         licence: str | None = None) -> list[Contribution]:
    names = OUTPUT_TERMS if role == "generator" else TERM_NAMES
    return [Contribution(term, UNKNOWN, licence, role, kind, carrier, path, None, why) for term in names]


def _group(lineage: Lineage, role: str, kind: str, carrier: str, expression: str | None,
           placeholder: bool, path: tuple[Hop, ...]) -> Group:
    group = Group(role, kind, carrier, expression, path, placeholder=placeholder)
    if placeholder:
        group.alternatives.append(_unknown_alternative(role, kind, carrier, path, "placeholder record, not yet described"))
        group.licence_sets.append([None])
        return group
    if not expression:
        group.alternatives.append(_unknown_alternative(role, kind, carrier, path, "no licence declared"))
        group.licence_sets.append([None])
        return group
    try:
        choices = expressions.alternatives(expression)
    except expressions.InvalidExpression as error:
        group.alternatives.append(_unknown_alternative(role, kind, carrier, path, f"unreadable licence: {error}"))
        group.licence_sets.append([None])
        return group
    for licence_ids in choices:
        contributions: list[Contribution] = []
        for licence_id in licence_ids:
            record = lineage.licences.get(licence_id)
            if record is None:
                contributions += _unknown_alternative(role, kind, carrier, path, "licence not on record", licence_id)
                continue
            binds = (record.binds_derivatives or {}).get("value", UNKNOWN)
            for term in _terms_for(role, binds):
                fact = record.terms.get(term) or {"value": UNKNOWN}
                contributions.append(Contribution(term, fact.get("value", UNKNOWN), licence_id, role, kind, carrier,
                                                  path, fact.get("source"), fact.get("note")))
        group.alternatives.append(contributions)
        group.licence_sets.append(list(licence_ids))
    return group


def _set_aside_unknowns(group: Group) -> None:
    """Training data: known terms bind; the unknown ones become one caveat for the group (DESIGN §2)."""
    unknown_terms: set[str] = set()
    known_count = 0
    for alternative in group.alternatives:
        unknown_terms |= {c.term for c in alternative if c.value == UNKNOWN}
        alternative[:] = [c for c in alternative if c.value != UNKNOWN]
        known_count += len(alternative)
    if not unknown_terms:
        return
    ids = [hop.id for hop in group.path]
    route = " → ".join(ids)
    terms = sorted(unknown_terms, key=TERM_NAMES.index)
    if group.role == "generator":
        dataset = group.path[-2].id if len(group.path) > 1 else None
        kind, what = "generator_terms_unknown", f"the model {group.carrier} that generated training data {dataset}"
    else:
        dataset = group.carrier
        whole = known_count == 0
        kind = "training_data_license_unknown" if whole else "training_data_terms_unknown"
        what = f"training data {dataset}"
    licence = group.expression or "no licence on record"
    detail = "its licence is unknown" if kind == "training_data_license_unknown" else \
        f"{licence} leaves {', '.join(t.replace('_', ' ') for t in terms)} unknown"
    group.caveat = {
        "kind": kind,
        "dataset": dataset,
        "model": group.carrier if group.role == "generator" else None,
        "license": group.expression,
        "terms": terms,
        "path": ids,
        "message": f"{what} ({licence}): {detail}; the weights' licences are taken to govern "
                   f"(reached via {route}; ask with training_data=strict to count these terms as unknown)",
    }


def _meets_training_data(lineage: Lineage, ancestor_paths: dict, superseded: list[Superseded]) -> bool:
    """Whether any model the parent-edge walk met has training data: if none has, the walk with training
    data would meet nothing more, and is skipped."""
    data = lineage.steps()[1]
    return bool(data) and (any(carrier in data for _, carrier in ancestor_paths)
                           or any(s.id in data for s in superseded))


def effective_terms(lineage: Lineage, include_training_data: bool = True,
                    training_data: str = "caveat") -> EffectiveTerms:
    """Combine the model's licence with the binding terms of every ancestor and (optionally) dataset.

    `training_data="caveat"`: data whose licence or some of its terms are unknown adds a caveat and
    binds with what is known; `"strict"`: those terms are unknown, as for the weights.
    """
    ancestry = lineage.without_training()
    ancestor_paths, superseded = binding_paths(ancestry)
    groups: list[Group] = []
    for (kind, carrier), path in sorted(ancestor_paths.items()):
        node = lineage.models.get(carrier)
        role = "declared" if carrier == lineage.root else "ancestor"
        groups.append(_group(lineage, role, "model", carrier, node.license if node else None,
                             node.placeholder if node else True, tuple(path)))
    if include_training_data and _meets_training_data(lineage, ancestor_paths, superseded):
        for (kind, carrier), path in sorted(binding_paths(lineage)[0].items()):
            if kind == "dataset":
                node = lineage.datasets.get(carrier)
                groups.append(_group(lineage, "training_data", "dataset", carrier, node.license if node else None,
                                     node.placeholder if node else True, tuple(path)))
            elif (kind, carrier) not in ancestor_paths:
                node = lineage.models.get(carrier)
                groups.append(_group(lineage, "generator", "model", carrier, node.license if node else None,
                                     node.placeholder if node else True, tuple(path)))
    if training_data != "strict":
        for group in groups:
            if group.role in DATA_ROLES:
                _set_aside_unknowns(group)
    groups.sort(key=lambda g: (list(ROLE_WORDS).index(g.role), len(g.path), g.carrier))
    return EffectiveTerms(lineage.root, groups, include_training_data, training_data, superseded)


def binding_groups(effective: EffectiveTerms) -> list[list[Any]]:
    """What the effective terms were built from, as plain JSON: each group's role, record kind and id, licence
    expression, placeholder flag and path (`[id, kind, via]` hops). The walk's result without the licences'
    terms, so `from_binding_groups` rebuilds the same effective terms from it under the licences as they are."""
    return [[g.role, g.carrier_kind, g.carrier, g.expression, g.placeholder, [[h.id, h.kind, h.via] for h in g.path]]
            for g in effective.groups]


def from_binding_groups(model: str, stored: list[list[Any]], licences: dict[str, LicenceRecord],
                        include_training_data: bool = True, training_data: str = "caveat") -> EffectiveTerms:
    """`effective_terms` from the groups `binding_groups` gave for the model with training data included (the
    stored form), without walking its lineage again. Without training data, the data groups are left out: the
    parent-edge walk reaches the same ancestors either way. Superseded records are not stored, so the result
    lists none: for checks that do not report them (the batch compliance check)."""
    licensed = Lineage(model, {}, licences=licences)
    groups = [_group(licensed, role, kind, carrier, expression, placeholder, tuple(Hop(*hop) for hop in path))
              for role, kind, carrier, expression, placeholder, path in stored
              if include_training_data or role not in DATA_ROLES]
    if training_data != "strict":
        for group in groups:
            if group.role in DATA_ROLES:
                _set_aside_unknowns(group)
    return EffectiveTerms(model, groups, include_training_data, training_data)
