"""Which licence was in force on a date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def licence_in_force(current: str | None, history: Sequence[dict[str, Any]], as_of: str | None) -> str | None:
    """The expression in force on `as_of` (YYYY-MM-DD); None when none was (terms then unknown).

    Without a date, or without recorded history, the current declaration applies.
    """
    if as_of is None or not history:
        return current
    in_force = [entry for entry in history if entry["effective_from"] is None or entry["effective_from"] <= as_of]
    return in_force[-1]["license"] if in_force else None
