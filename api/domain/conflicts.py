"""Declared-versus-inherited conflicts: a model whose own licence is looser than what it inherits."""

from __future__ import annotations

from typing import Any

from api.domain import lattice
from api.domain.terms import Contribution, EffectiveTerms, Group
from api.domain.vocabulary import TERM_NAMES, UNKNOWN

# Terms where a looser declaration misleads a user: all but the notices, licence text and name prefixes.
CHECKED_TERMS = tuple(t for t in TERM_NAMES if t not in ("attribution", "include_license_text", "derivative_name_prefix"))


def _known_inherited(group: Group, term: str) -> tuple[Any, list[Contribution]] | None:
    """What the group certainly imposes on the term, from its known values; None when that is open.

    Within a licence set (AND) the known values apply whatever the unknown ones are; across an OR the
    licensee picks, so every branch must say something known about the term.
    """
    branches = []
    for alternative in group.alternatives:
        known = [c for c in alternative if c.term == term and c.value != UNKNOWN]
        if not known:
            return None
        branches.append((lattice.strictest(term, [c.value for c in known]), known))
    value = lattice.loosest(term, [value for value, _ in branches])
    return value, next(known for branch_value, known in branches if branch_value == value)


def conflicts(effective: EffectiveTerms) -> list[dict[str, Any]]:
    """Each term where the declared licence permits what the known inherited terms forbid.

    Unknown inherited terms do not hide a conflict on the known ones (DESIGN §2). Licences a rights
    holder superseded by relicensing are no longer inherited, so they raise no conflict.
    """
    declared_group = effective.declared_group()
    inherited_groups = effective.inherited_groups()
    if declared_group is None or not inherited_groups:
        return []
    found = []
    for term in CHECKED_TERMS:
        declared, _ = declared_group.value(term)
        if declared == UNKNOWN:
            continue
        imposed = [known for group in inherited_groups if (known := _known_inherited(group, term)) is not None]
        if not imposed:
            continue
        inherited = lattice.strictest(term, [value for value, _ in imposed])
        if lattice.at_least_as_strict(term, declared, inherited):
            continue
        sources = [c.provenance() for value, contributions in imposed
                   if not lattice.at_least_as_strict(term, declared, value)
                   for c in contributions if not lattice.at_least_as_strict(term, declared, c.value)]
        found.append({
            "term": term,
            "declared": declared,
            "declared_license": declared_group.expression,
            "inherited": inherited,
            "sources": sources,
            "message": f"declares {term.replace('_', ' ')} {declared!r} but inherits {inherited!r} from "
            + ", ".join(sorted({f"{s['license']} on {s['imposed_by']['id']}" for s in sources})),
        })
    return found
