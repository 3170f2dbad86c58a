"""Load the built-in catalogue (api/data/*.yaml) through the same validation and writes as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from api.catalogue import DATA_DIR, CatalogueError, read_catalogue
from api.domain.errors import DomainError
from api.store import datasets as dataset_store
from api.store import licences as licence_store
from api.store import models as model_store
from api.store.tables import Dataset, LanguageModel, Licence
from schemas.datasets import DatasetSchema
from schemas.licences import LicenceSchema
from schemas.models import LanguageModelSchema

# Keys the catalogue may carry that the API schemas do not take.
CATALOGUE_ONLY_KEYS = ("note", "notes")


def _validated(schema, record: dict[str, Any], kind: str) -> dict[str, Any]:
    clean = {key: value for key, value in record.items() if key not in CATALOGUE_ONLY_KEYS}
    try:
        return schema.load(clean)
    except ValidationError as error:
        raise CatalogueError(f"{kind} '{record.get('id')}': {error.messages}") from None


def _apply(kind: str, record_id: str, write, *args) -> Any:
    try:
        return write(*args)
    except DomainError as problem:
        raise CatalogueError(f"{kind} '{record_id}': {problem.detail}") from None


def parents_first(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order model records so that every parent in the list comes before its children."""
    by_id = {m["id"]: m for m in models}
    ordered: list[dict[str, Any]] = []
    state: dict[str, str] = {}

    def visit(model_id: str, trail: tuple[str, ...]) -> None:
        if state.get(model_id) == "done":
            return
        if state.get(model_id) == "open":
            raise CatalogueError("cycle in catalogue: " + " → ".join((*trail, model_id)))
        state[model_id] = "open"
        for parent in sorted(p["id"] for p in by_id[model_id].get("parents", [])):
            if parent in by_id:
                visit(parent, (*trail, model_id))
        state[model_id] = "done"
        ordered.append(by_id[model_id])

    for model_id in sorted(by_id):
        visit(model_id, ())
    return ordered


def load_catalogue(session: Session, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Create or update every catalogue record; the caller commits. Idempotent."""
    from api.store import audit

    reset = audit.current_actor.set("catalogue")
    try:
        return _load(session, read_catalogue(data_dir))
    finally:
        audit.current_actor.reset(reset)


def _load(session: Session, catalogue: dict[str, list[dict[str, Any]]]) -> dict[str, int]:

    for record in catalogue["licences"]:
        data = _validated(LicenceSchema(), record, "licence")
        if session.get(Licence, data["id"]) is None:
            _apply("licence", data["id"], licence_store.create_licence, session, data)
        else:
            fields = {key: value for key, value in data.items() if key != "id"}
            _apply("licence", data["id"], licence_store.update_licence, session, data["id"], fields)

    generators: dict[str, str | None] = {}
    for record in catalogue["datasets"]:
        data = _validated(DatasetSchema(), record, "dataset")
        generators[data["id"]] = data.pop("generated_by", None)
        if session.get(Dataset, data["id"]) is None:
            _apply("dataset", data["id"], dataset_store.create_dataset, session, data)
        else:
            fields = {key: value for key, value in data.items() if key != "id"}
            _apply("dataset", data["id"], dataset_store.update_dataset, session, data["id"], fields)

    models = [_validated(LanguageModelSchema(), record, "model") for record in catalogue["models"]]
    for data in parents_first(models):
        if session.get(LanguageModel, data["id"]) is None:
            _apply("model", data["id"], model_store.create_model, session, data)
        else:
            fields = {key: value for key, value in data.items() if key != "id"}
            _apply("model", data["id"], model_store.update_model, session, data["id"], fields)

    for dataset_id, generator in generators.items():
        _apply("dataset", dataset_id, dataset_store.update_dataset, session, dataset_id, {"generated_by": generator})

    return {kind: len(records) for kind, records in catalogue.items()}
