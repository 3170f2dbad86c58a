"""A Hub model's metadata as a model card, so that it goes through the same parsing as an imported card."""

from __future__ import annotations

from typing import Any

import yaml

from api.domain import model_cards
from api.hub.client import HubModel

HUB_RELATION_TAG = "base_model:"


def card_text(model: HubModel) -> str:
    """The card's metadata as front matter, with the relation the Hub inferred when the card states none."""
    meta: dict[str, Any] = dict(model.card)
    hub_tags = [t for t in model.tags if ":" not in t]
    card_tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    meta["tags"] = list(dict.fromkeys([*card_tags, *hub_tags]))
    if "base_model_relation" not in meta:
        relations = {tag.split(":")[1] for tag in model.tags
                     if tag.startswith(HUB_RELATION_TAG) and tag.count(":") == 2}
        if len(relations) == 1 and (relation := relations.pop()) in model_cards.HUB_RELATIONS:
            bases = meta.get("base_model")
            if relation == "merge" or isinstance(bases, str) or (isinstance(bases, list) and len(bases) == 1):
                meta["base_model_relation"] = relation
    return "---\n" + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True) + "---\n"
