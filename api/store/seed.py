"""Load the built-in catalogue (api/data/*.yaml) through the bulk import: the API's validation, set-wise writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.catalogue import DATA_DIR, CatalogueError, read_catalogue
from api.store.bulk_import import BulkImportError, import_items, validate

# Keys the catalogue may carry that the API schemas do not take.
CATALOGUE_ONLY_KEYS = ("note", "notes")
_KINDS = {"licences": "license", "datasets": "dataset", "models": "model"}


def load_catalogue(session: Session, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Create or update every catalogue record; the caller commits. Idempotent."""
    from api.store import audit

    reset = audit.current_actor.set("catalogue")
    try:
        return _load(session, read_catalogue(data_dir))
    finally:
        audit.current_actor.reset(reset)


def _load(session: Session, catalogue: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    try:
        items = [validate(kind, _clean(record), "catalogue")
                 for group, kind in _KINDS.items() for record in catalogue[group]]
        import_items(session, items)
    except BulkImportError as error:
        raise CatalogueError(str(error)) from None
    return {group: len(records) for group, records in catalogue.items()}


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in CATALOGUE_ONLY_KEYS}
