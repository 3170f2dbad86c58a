"""Import Hugging Face model cards: create or update models, with placeholders for unknown bases and datasets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api.domain import model_cards
from api.domain.errors import DomainError
from api.domain.limits import model_limit_errors
from api.domain.vocabulary import is_repo_id
from api.store import datasets as dataset_store
from api.store import models as model_store
from api.store.common import resolve_licence_names, resolve_model_id, resolve_model_ids
from api.store.tables import Dataset, LanguageModel

HF_OTHER = "LicenseRef-HF-other"
BATCH_SECONDS = 0.25  # a non-atomic import commits (and lets other writers in) at least this often
SQLITE_HANDOVER_SECONDS = 0.2


@dataclass
class CardInput:
    id: str
    content: str
    source_url: str | None = None


@dataclass
class CardResult:
    id: str
    status: str = "error"  # created | updated | error
    reason: str | None = None
    license: str | None = None
    parents: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    placeholders: dict[str, list[str]] = field(default_factory=lambda: {"models": [], "datasets": []})
    warnings: list[str] = field(default_factory=list)


def _licence_expression(session: Session, card: model_cards.ModelCard, result: CardResult) -> str | None:
    if not card.license_names:
        result.warnings.append("the card declares no licence: its terms are unknown")
        return None
    known = resolve_licence_names(session, [name.lower() for name in card.license_names])
    ids = []
    for name in card.license_names:
        licence_id = known.get(name.lower())
        if licence_id is None:
            result.warnings.append(f"licence '{name}' is not known: recorded as {HF_OTHER} (terms unknown)"
                                   + (f"; the card links {card.license_link}" if card.license_link else ""))
            licence_id = known.get("other") or HF_OTHER
        ids.append(licence_id)
    return " AND ".join(dict.fromkeys(ids))


def _ensure_placeholder_model(session: Session, model_id: str, result: CardResult) -> None:
    if resolve_model_id(session, model_id) is None:
        model_store.create_model(session, {"id": model_id, "placeholder": True, "sources": {},
                                           "source_url": f"https://huggingface.co/{model_id}"})
        result.placeholders["models"].append(model_id)


def _ensure_placeholder_dataset(session: Session, dataset_id: str, result: CardResult) -> None:
    if session.get(Dataset, dataset_id) is None:
        dataset_store.create_dataset(session, {"id": dataset_id, "placeholder": True, "sources": {},
                                               "source_url": f"https://huggingface.co/datasets/{dataset_id}"})
        result.placeholders["datasets"].append(dataset_id)


UNSTATED = {HF_OTHER, "LicenseRef-HF-unknown"}


def _keep_what_the_card_does_not_say(existing: LanguageModel, data: dict[str, Any], result: CardResult) -> None:
    """A card updates what it states; it never erases lineage or a concrete licence it is silent about."""
    parents = {edge["id"]: edge for edge in existing.parents}
    parents.update({edge["id"]: edge for edge in data["parents"]})
    data["parents"] = [parents[key] for key in sorted(parents)]
    datasets = {edge["id"]: edge for edge in existing.datasets}
    for edge in data["datasets"]:
        datasets.setdefault(edge["id"], edge)
    data["datasets"] = [datasets[key] for key in sorted(datasets)]
    declared = data["license"]
    current = existing.license
    if current and (declared is None or (declared in UNSTATED and current not in UNSTATED)):
        result.warnings.append(f"the card names no concrete licence; kept the recorded {current}")
        del data["license"]
    else:
        data["sources"] = {**(existing.sources or {}), "license": data["source_url"]}
    if existing.source_url:
        data["source_url"] = existing.source_url


def import_card(session: Session, item: CardInput) -> CardResult:
    """Apply one card inside the caller's transaction; raise DomainError or CardError when it cannot be used."""
    result = CardResult(id=item.id)
    if not is_repo_id(item.id):
        raise model_cards.CardError(f"'{item.id}' is not a valid Hub repo id")
    card = model_cards.parse(item.content)
    result.warnings += card.warnings
    if item.id in card.base_models:
        raise model_cards.CardError("the card names the model itself as its base_model")
    source = item.source_url or f"https://huggingface.co/{item.id}"
    expression = _licence_expression(session, card, result)
    over = model_limit_errors(parents=len(card.base_models), datasets=len(card.datasets), name=card.name,
                              expression=expression)
    if over:  # the limits the API enforces on a model, checked before any placeholder is made
        raise model_cards.CardError("; ".join(over))
    current = resolve_model_ids(session, card.base_models)  # renamed repos and other cases name known models
    card.base_models = [current.get(base, base) for base in card.base_models]
    for base in card.base_models:
        _ensure_placeholder_model(session, base, result)
    for dataset in card.datasets:
        _ensure_placeholder_dataset(session, dataset, result)
    data: dict[str, Any] = {
        "license": expression,
        "source_url": source,
        "placeholder": False,
        "parents": [{"id": base, "relation": card.relation, "source": source} for base in card.base_models],
        "datasets": [{"id": d, "stage": "finetuning", "source": source} for d in card.datasets],
    }
    if card.name:
        data["name"] = card.name
    existing = session.get(LanguageModel, resolve_model_id(session, item.id) or item.id)
    if existing is None:
        data["sources"] = {"license": source}
        model_store.create_model(session, {"id": item.id, **data})
        result.status = "created"
    else:
        _keep_what_the_card_does_not_say(existing, data, result)
        model_store.update_model(session, existing.id, data)
        result.status = "updated"
        expression = data.get("license", existing.license)
    result.license = expression
    result.parents = data["parents"]
    result.datasets = card.datasets
    return result


def _let_other_writers_in(session: Session) -> None:
    """Commit, releasing the writer lock. PostgreSQL queues waiters on it; SQLite's waiters poll (every
    100 ms at most), so there the importer pauses long enough for one of them to take its turn."""
    session.commit()
    if session.get_bind().dialect.name == "sqlite":
        time.sleep(SQLITE_HANDOVER_SECONDS)


def import_cards(session: Session, items: list[CardInput], *, atomic: bool,
                 deadline: float | None = None) -> tuple[list[CardResult], bool]:
    """Import every card; the caller commits. Returns the results and whether anything failed.

    Not atomic: each card is its own savepoint, so a bad card leaves the good ones in, and the work is
    committed in batches of at most BATCH_SECONDS, so the writer lock is released between batches and
    other writers wait at most that long. Cards not started before `deadline` (a time.monotonic()
    value) are reported as not imported, to send again. Atomic: the first failure is reported and the
    caller must roll everything back.
    """
    results: list[CardResult] = []
    failed = False
    seen: set[str] = set()
    batch_started = time.monotonic()
    for item in items:
        if deadline is not None and time.monotonic() > deadline:
            results.append(CardResult(id=item.id, reason="not imported: the request ran out of time before "
                                      "this card; send it again"))
            failed = True
            continue
        if not atomic and time.monotonic() - batch_started > BATCH_SECONDS:
            _let_other_writers_in(session)
            batch_started = time.monotonic()
        if item.id in seen:
            results.append(CardResult(id=item.id, reason="the same model id appears twice in this request"))
            failed = True
            continue
        seen.add(item.id)
        savepoint = session.begin_nested()
        try:
            result = import_card(session, item)
            savepoint.commit()
        except (model_cards.CardError, DomainError) as error:
            savepoint.rollback()
            reason = error.detail if isinstance(error, DomainError) else str(error)
            result = CardResult(id=item.id, reason=reason)
            failed = True
        results.append(result)
    return results, failed
