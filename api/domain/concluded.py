"""The licence expression a model is concluded to be under: its own and everything it inherits, joined by AND."""

from __future__ import annotations

from api.domain.terms import EffectiveTerms

# Generators pass on only what their outputs' terms say, not their licence; they are not part of the expression.
_CONCLUDED_ROLES = ("declared", "ancestor", "training_data")


def _wrapped(expression: str) -> str:
    return f"({expression})" if " OR " in expression.upper() else expression


def concluded_expression(effective: EffectiveTerms) -> str | None:
    """`declared AND each ancestor's AND each known training-data licence`, or None when a model's is unknown.

    Training data with no licence on record is left out (a caveat, not a licence); a model in the lineage
    with none makes the conclusion impossible.
    """
    parts: list[str] = []
    raw: list[str] = []
    for group in effective.groups:
        if group.role not in _CONCLUDED_ROLES:
            continue
        if not group.expression or group.licence_sets == [[None]]:
            if group.carrier_kind == "model":
                return None
            continue
        part = _wrapped(group.expression)
        if part not in parts:
            parts.append(part)
            raw.append(group.expression)
    if not parts:
        return None
    return raw[0] if len(parts) == 1 else " AND ".join(parts)
