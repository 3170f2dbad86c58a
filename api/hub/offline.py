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


def extend_catalogue(catalogue: dict[str, list[dict[str, Any]]], wanted: list[str],
                     settings: HubSettings) -> list[str]:
    """Add every wanted model the catalogue lacks, and its bases, from the Hub; returns warnings.

    Raises HubUnavailable when the Hub cannot be asked.
    """
    reader = _HubReader(catalogue, HubClient(settings), settings)
    for model_id in wanted:
        reader.fetch(model_id, 0)
    return reader.warnings


class _HubReader:
    """Fetches models into the catalogue, each base after the model that names it (depth first)."""

    def __init__(self, catalogue: dict[str, list[dict[str, Any]]], client: HubClient, settings: HubSettings) -> None:
        self.catalogue = catalogue
        self.client = client
        self.settings = settings
        self.warnings: list[str] = []
        self.added: dict[str, dict[str, Any]] = {}  # by lower-cased id and former id

    def known(self, model_id: str) -> bool:
        return bool(current_model_ids(self.catalogue, [model_id])) or model_id.lower() in self.added

    def fetch(self, model_id: str, depth: int) -> None:
        """Read `model_id` and its bases, within the depth and the number of models allowed."""
        if self.known(model_id) or depth > self.settings.max_depth or len(self.added) >= self.settings.max_models:
            return
        try:
            model = self.client.model(model_id)
        except HubNotFound:
            self.warnings.append(f"{model_id}: not on the Hub")
            return
        except HubGated as error:
            self._add_gated(model_id)
            self.warnings.append(f"{model_id}: {error}")
            return
        record = _record(model, model_id, self.client.page_url(model.id, model.sha))
        if self.known(model.id):  # renamed onto a model the catalogue holds: only the former id is new
            self._add_former_id(model.id, model_id)
            return
        self._add(record)
        for parent in record["parents"]:
            self.fetch(parent["id"], depth + 1)
            self._link_base(parent)

    def _add(self, record: dict[str, Any]) -> None:
        self.added[record["id"].lower()] = record
        for alias in record["aliases"]:
            self.added[alias.lower()] = record
        self.catalogue["models"].append(record)

    def _add_gated(self, model_id: str) -> None:
        """A gated model is recorded without a licence or bases (its card cannot be read)."""
        self.added[model_id.lower()] = {"id": model_id, "license": None, "parents": [], "datasets": [],
                                        "placeholder": False, "aliases": []}
        self.catalogue["models"].append(self.added[model_id.lower()])

    def _add_former_id(self, model_id: str, former: str) -> None:
        current = current_model_ids(self.catalogue, [model_id]).get(model_id) or model_id
        for existing in self.catalogue["models"]:
            if existing["id"] == current:
                existing.setdefault("aliases", []).append(former)

    def _link_base(self, parent: dict[str, Any]) -> None:
        """Point the parent edge at the base's current id; a base not read becomes a placeholder."""
        current = current_model_ids(self.catalogue, [parent["id"]]).get(parent["id"])
        parent["id"] = current or self.added.get(parent["id"].lower(), {}).get("id") or parent["id"]
        if not current_model_ids(self.catalogue, [parent["id"]]):
            self.catalogue["models"].append({"id": parent["id"], "placeholder": True, "parents": [], "datasets": []})
