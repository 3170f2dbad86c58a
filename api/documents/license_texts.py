"""Licence texts and acceptable-use policies shipped with the catalogue (api/data/licence-texts, api/data/use-policies).

Plain file reads: no Flask, no SQLAlchemy, so the offline CLI uses them too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from api.catalogue import DATA_DIR

TEXTS_DIR = DATA_DIR / "licence-texts"


@lru_cache(maxsize=1)
def shipped_text_ids() -> frozenset[str]:
    """Ids of the licences whose full text ships with the catalogue."""
    return frozenset(path.stem for path in TEXTS_DIR.glob("*.txt"))


def licence_text(licence_id: str) -> str | None:
    """The full text of a licence, or None when only a link can be given."""
    if licence_id not in shipped_text_ids():  # never build a path from an id that is not a shipped file
        return None
    return (TEXTS_DIR / f"{licence_id}.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def use_policies() -> dict[str, dict[str, Any]]:
    """Known acceptable-use policies by name: url, source, and the shipped text's path (if any)."""
    records = yaml.safe_load((DATA_DIR / "use-policies.yaml").read_text(encoding="utf-8")) or []
    return {record["name"]: record for record in records}


def use_policy_text(name: str) -> str | None:
    record = use_policies().get(name)
    if not record or not record.get("text"):
        return None
    return (DATA_DIR / record["text"]).read_text(encoding="utf-8")
