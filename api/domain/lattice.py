"""How each term's values order and combine: `strictest` (AND, down the tree) and `loosest` (an OR choice).

Unknown is never permitted: combining with an unknown gives unknown, unless the known values already
settle the answer (one `forbidden` forbids whatever else is unknown).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.domain.vocabulary import BOOLEAN_TERMS, COUNT_TERMS, LEVEL_TERMS, LIST_TERMS, UNKNOWN

_RANK = {"allowed": 0, "conditional": 1, "restricted": 1, "forbidden": 2}


def rank(term: str, value: Any) -> float:
    """Restrictiveness of a known value: higher is stricter. Lists by size; caps by smallness."""
    if term in LEVEL_TERMS:
        return _RANK[value]
    if term in BOOLEAN_TERMS:
        return 1 if value else 0
    if term in COUNT_TERMS:
        return 0 if value is None else 1 / (1 + value)
    return len(value)


def strictest(term: str, values: Iterable[Any]) -> Any:
    """All values apply together."""
    values = list(values)
    known = [v for v in values if v != UNKNOWN]
    unknown = len(known) < len(values)
    if term in LEVEL_TERMS:
        if "forbidden" in known:
            return "forbidden"
        return UNKNOWN if unknown else max(known, key=lambda v: _RANK[v], default="allowed")
    if term in BOOLEAN_TERMS:
        if True in known:
            return True
        return UNKNOWN if unknown else False
    if term in COUNT_TERMS:
        if unknown:
            return UNKNOWN
        caps = [v for v in known if v is not None]
        return min(caps) if caps else None
    if term in LIST_TERMS:
        if unknown:
            return UNKNOWN
        return sorted({item for value in known for item in value})
    raise KeyError(term)


def loosest(term: str, values: Iterable[Any]) -> Any:
    """The licensee may choose any one of the values."""
    values = list(values)
    known = [v for v in values if v != UNKNOWN]
    unknown = len(known) < len(values)
    if not values:
        raise ValueError("no values to choose from")
    if term in LEVEL_TERMS:
        if "allowed" in known:
            return "allowed"
        return UNKNOWN if unknown else min(known, key=lambda v: _RANK[v])
    if term in BOOLEAN_TERMS:
        if False in known:
            return False
        return UNKNOWN if unknown else True
    if term in COUNT_TERMS:
        if None in known:
            return None
        return UNKNOWN if unknown else max(known)
    if term in LIST_TERMS:
        if unknown:
            return UNKNOWN
        return min((sorted(v) for v in known), key=lambda v: (len(v), v))
    raise KeyError(term)


def at_least_as_strict(term: str, value: Any, than: Any) -> bool:
    """True when `value` permits nothing that `than` forbids (unknown counts as possibly strict)."""
    if value == UNKNOWN:
        return True
    if than == UNKNOWN:
        return term in LEVEL_TERMS and value == "forbidden" or term in BOOLEAN_TERMS and value is True
    if term in LIST_TERMS:
        return set(than) <= set(value)
    if term in COUNT_TERMS:
        return than is None or (value is not None and value <= than)
    return rank(term, value) >= rank(term, than)


def is_restrictive(term: str, value: Any) -> bool:
    """True when the value imposes something (or might): anything but the permissive bottom."""
    if value == UNKNOWN:
        return True
    if term in LEVEL_TERMS:
        return value != "allowed"
    if term in BOOLEAN_TERMS:
        return value is True
    if term in COUNT_TERMS:
        return value is not None
    return bool(value)
