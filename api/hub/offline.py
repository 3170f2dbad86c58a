"""`pedigree check|bom --hub`: models the built-in catalogue lacks are read from the Hub into the snapshot.

No database: each fetched card becomes a catalogue record (curated catalogue records always win).
"""

from __future__ import annotations

from typing import Any

from api.catalogue import current_model_ids
from api.domain import model_cards
from api.hub.cards import card_text
from api.hub.client import HubClient, HubGated, HubModel, HubNotFound
from api.hub.settings import HubSettings


def _record(model: HubModel, requested: str, url: str) -> dict[str, Any]:
    try:
        card = model_cards.parse(card_text(model))
    except model_cards.CardError:
        card = model_cards.ModelCard()
    return {"id": model.id, "license": " AND ".join(card.license_names) or None, "placeholder": False,
            "aliases": [requested] if requested.lower() != model.id.lower() else [],
            "parents": [{"id": base, "relation": card.relation or "finetune", "source": url}
                        for base in card.base_models],
            "datasets": [], "sources": {"license": url}, "provenance": "hub", "commit": model.sha}


def extend_catalogue(catalogue: dict[str, list[dict[str, Any]]], wanted: list[str],  # noqa: C901 - to split (issue 10 follow-up)
                     settings: HubSettings) -> list[str]:
    """Add every wanted model the catalogue lacks, and its bases, from the Hub; returns warnings.

    Raises HubUnavailable when the Hub cannot be asked.
    """
    client = HubClient(settings)
    warnings: list[str] = []
    added: dict[str, dict[str, Any]] = {}

    def known(model_id: str) -> bool:
        return bool(current_model_ids(catalogue, [model_id])) or model_id.lower() in added

    def fetch(model_id: str, depth: int) -> None:
        if known(model_id) or depth > settings.max_depth or len(added) >= settings.max_models:
            return
        try:
            model = client.model(model_id)
        except HubNotFound:
            warnings.append(f"{model_id}: not on the Hub")
            return
        except HubGated as error:
            added[model_id.lower()] = {"id": model_id, "license": None, "parents": [], "datasets": [],
                                       "placeholder": False, "aliases": []}
            catalogue["models"].append(added[model_id.lower()])
            warnings.append(f"{model_id}: {error}")
            return
        record = _record(model, model_id, client.page_url(model.id, model.sha))
        if known(model.id):  # renamed onto a model the catalogue holds: only the former id is new
            current = current_model_ids(catalogue, [model.id]).get(model.id) or model.id
            for existing in catalogue["models"]:
                if existing["id"] == current:
                    existing.setdefault("aliases", []).append(model_id)
            return
        added[model.id.lower()] = record
        for alias in record["aliases"]:
            added[alias.lower()] = record
        catalogue["models"].append(record)
        for parent in record["parents"]:
            fetch(parent["id"], depth + 1)
            current = current_model_ids(catalogue, [parent["id"]]).get(parent["id"])
            parent["id"] = current or added.get(parent["id"].lower(), {}).get("id") or parent["id"]
            if not current_model_ids(catalogue, [parent["id"]]):
                catalogue["models"].append({"id": parent["id"], "placeholder": True, "parents": [], "datasets": []})

    for model_id in wanted:
        fetch(model_id, 0)
    return warnings
