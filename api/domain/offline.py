"""A lineage snapshot built straight from the catalogue files, for answers with no database at all."""

from __future__ import annotations

from typing import Any

from api.domain import expressions
from api.domain.history import licence_in_force
from api.domain.lineage import DatasetNode, LicenceRecord, Lineage, ModelNode, ParentLink, TrainingLink


def snapshot_from_catalogue(catalogue: dict[str, list[dict[str, Any]]], as_of: str | None = None) -> Lineage:
    """Every catalogue record as one snapshot; set `root` before asking about a model."""
    names: dict[str, str] = {}
    for licence in catalogue["licences"]:
        names[licence["id"].lower()] = licence["id"]
    for licence in catalogue["licences"]:
        for alias in licence.get("aliases", []):
            names.setdefault(alias.lower(), licence["id"])

    def canonical(text: str | None) -> str | None:
        if not text:
            return None
        try:
            return expressions.normalise(text, lambda wanted: {n: names[n] for n in wanted if n in names})[0]
        except (expressions.InvalidExpression, expressions.UnknownLicences):
            return text  # left as written: its unknown licences make the terms unknown

    licences = {
        lic["id"]: LicenceRecord(lic["id"], lic.get("terms", {}), lic.get("binds_derivatives") or {},
                                 lic.get("name"), tuple(lic.get("categories", ())))
        for lic in catalogue["licences"]
    }
    models: dict[str, ModelNode] = {}
    parents: list[ParentLink] = []
    training: list[TrainingLink] = []
    for model in catalogue["models"]:
        history = [{"license": canonical(h["license"]), "effective_from": h.get("effective_from")}
                   for h in model.get("license_history") or []]
        current = canonical(model.get("license"))
        models[model["id"]] = ModelNode(model["id"], licence_in_force(current, history, as_of),
                                        bool(model.get("placeholder")), model.get("name"), model.get("rights_holder"))
        parents += [ParentLink(model["id"], p["id"], p["relation"]) for p in model.get("parents", [])]
        training += [TrainingLink(model["id"], d["id"], d["stage"]) for d in model.get("datasets", [])]
    datasets = {
        d["id"]: DatasetNode(d["id"], canonical(d.get("license")), d.get("generated_by"), bool(d.get("placeholder")))
        for d in catalogue["datasets"]
    }
    return Lineage("", models, parents, datasets, training, licences)


def current_model_ids(catalogue: dict[str, list[dict[str, Any]]], wanted: list[str]) -> dict[str, str]:
    """Map each wanted id to the catalogue id it names: as written, in another case, or a former id (alias)."""
    by_key: dict[str, str] = {}
    for model in catalogue["models"]:
        for alias in model.get("aliases") or []:
            by_key.setdefault(alias.lower(), model["id"])
    exact = {model["id"] for model in catalogue["models"]}
    by_key.update({model_id.lower(): model_id for model_id in exact})
    return {w: (w if w in exact else by_key[w.lower()]) for w in wanted if w in exact or w.lower() in by_key}
