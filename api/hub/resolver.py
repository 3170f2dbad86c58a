"""On-demand resolution: bring a model the database lacks (or holds as a placeholder, or holds stale) in from
the Hub, with its base models up to the roots, bounded in depth and count.

The network is used outside any write transaction: every card is fetched first, then everything is written
in one short transaction, bases before the models that name them.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from api.domain.errors import DomainError
from api.domain.vocabulary import is_repo_id
from api.http.errors import Problem
from api.hub import records
from api.hub.client import HubClient, HubError, HubGated, HubModel, HubNotFound, HubUnavailable
from api.hub.settings import HubSettings
from api.store import audit
from api.store.common import transaction


@dataclass
class Outcome:
    model_id: str | None = None                           # the current id of the model asked for
    fetched: list[str] = field(default_factory=list)      # models written from the Hub by this call
    stale: dict[str, str] = field(default_factory=dict)   # model → why its stored answer was served
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Fetched:
    requested: str
    model: HubModel | None = None
    gated_reason: str | None = None
    url: str = ""


class HubNotHeld(Problem):
    """404: the id names no model here and none on the Hub."""


HUB_DOWN_PAUSE = 30.0  # seconds


class _NotOnHub:
    """Ids the Hub said it does not have, remembered for a while so that repeated asks do not reach it."""

    def __init__(self, seconds: float = 600, size: int = 10_000) -> None:
        self.seconds, self.size = seconds, size
        self._until: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> str | None:
        with self._lock:
            entry = self._until.get(model_id.lower())
            if entry is None or entry[0] < time.monotonic():
                self._until.pop(model_id.lower(), None)
                return None
            return entry[1]

    def add(self, model_id: str, reason: str) -> None:
        with self._lock:
            if len(self._until) >= self.size:
                self._until.clear()
            self._until[model_id.lower()] = (time.monotonic() + self.seconds, reason)


class Resolver:
    def __init__(self, settings: HubSettings, reader: sessionmaker, writer: sessionmaker,
                 client: HubClient | None = None) -> None:
        self.settings = settings
        self.client = client or HubClient(settings)
        self.reader = reader
        self.writer = writer
        self.not_on_hub = _NotOnHub()
        self._hub_down_until = 0.0  # after a failure, stored answers are served without asking for a while

    def _stale(self, fetched_at: dt.datetime | None) -> bool:
        return fetched_at is not None and fetched_at < records.cutoff(self.settings.ttl_seconds)

    def ensure(self, model_id: str, session: Session | None = None) -> Outcome:
        """Make the model and its ancestors answerable; raise Problem (404 / 503) when it cannot be had.

        Reads with `session` when given (the request's own), so that a cached answer costs one query.
        """
        outcome = Outcome()
        if session is None:
            with self.reader() as own:
                current, root_needs, ancestors = records.survey(own, model_id, self.settings.ttl_seconds,
                                                                self.settings.max_depth)
        else:
            current, root_needs, ancestors = records.survey(session, model_id, self.settings.ttl_seconds,
                                                            self.settings.max_depth)
        targets: list[tuple[str, bool]] = []  # (id, held already?)
        if root_needs:
            targets.append((current or model_id, current is not None))
        targets += [(ancestor, True) for ancestor in ancestors]
        outcome.model_id = current
        if not targets:
            return outcome
        for target, held in targets[: self.settings.max_models]:
            remembered = self.not_on_hub.get(target)
            if remembered and not held:
                raise self._problem(model_id, HubNotFound(remembered))
            if held and (remembered or time.monotonic() < self._hub_down_until):
                outcome.stale[target] = remembered or "the Hub failed moments ago: not asked again yet"
                continue  # a stored answer is served without waiting on a Hub that just failed
            try:
                written = self.resolve(target, refresh=held, outcome=outcome)
            except HubError as error:
                if isinstance(error, HubNotFound):
                    self.not_on_hub.add(target, str(error))
                elif isinstance(error, HubUnavailable):
                    self._hub_down_until = time.monotonic() + HUB_DOWN_PAUSE
                if not held:
                    raise self._problem(model_id, error) from None
                outcome.stale[target] = str(error)
                continue
            if target == (current or model_id):
                outcome.model_id = written
        return outcome

    def resolve(self, model_id: str, *, refresh: bool = False, outcome: Outcome | None = None,
                force: bool = False) -> str:
        """Fetch the model and the bases it needs, write them; the current id. Raises HubError."""
        outcome = outcome or Outcome()
        timeout = self.settings.refresh_timeout if refresh else self.settings.timeout
        order: list[_Fetched] = []
        self._collect(model_id, 0, {}, order, timeout, outcome, force=force)
        reset = audit.current_actor.set("hub")
        try:
            with self.writer() as session, transaction(session):
                written = None
                for item in order:
                    written = self._write(session, item, outcome)
        finally:
            audit.current_actor.reset(reset)
        return written

    def _needs(self, session: Session, model_id: str) -> bool:
        current, placeholder, fetched_at = records.lookup(session, model_id)
        return current is None or placeholder or self._stale(fetched_at)

    def _collect(self, model_id: str, depth: int, seen: dict[str, str], order: list[_Fetched], timeout: float,
                 outcome: Outcome, *, force: bool = False) -> None:
        """Depth first: the model's bases are appended before the model (the root raises, bases warn)."""
        item = _Fetched(requested=model_id)
        try:
            item.model = self.client.model(model_id, timeout=timeout)
        except HubGated as error:
            item.gated_reason = str(error)
            item.url = self.client.page_url(model_id)
            seen[model_id.lower()] = model_id
            order.append(item)
            return
        current = item.model.id
        item.url = self.client.page_url(current, item.model.sha)
        seen[model_id.lower()] = current
        seen[current.lower()] = current
        with self.reader() as session:
            held, placeholder, fetched_at = records.lookup(session, current)
            curated = held is not None and not placeholder and fetched_at is None
            if curated and not force:
                order.append(_Fetched(requested=model_id, url=item.url))  # curated facts win: only the alias
                return
            bases = self._bases(item.model)
            wanted = [b for b in bases if b.lower() not in seen and self._needs(session, b)]
        for base in wanted:
            if depth + 1 > self.settings.max_depth or len(seen) >= self.settings.max_models:
                outcome.warnings.append(f"stopped at '{base}': more than {self.settings.max_depth} levels or "
                                        f"{self.settings.max_models} models; it stays a placeholder")
                continue
            try:
                self._collect(base, depth + 1, seen, order, timeout, outcome)
            except HubError as error:  # the base stays a placeholder and resolves itself later
                outcome.warnings.append(f"base model '{base}': {error}")
        order.append(item)

    @staticmethod
    def _bases(model: HubModel) -> list[str]:
        value = model.card.get("base_model")
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [name.strip() for name in names if isinstance(name, str) and is_repo_id(name.strip())]

    def _write(self, session: Session, item: _Fetched, outcome: Outcome) -> str:
        savepoint = session.begin_nested()
        try:
            if item.model is None and item.gated_reason is None:
                current = records.resolve_model_id(session, item.requested)
                records.alias_former_id(session, item.requested, current)
            elif item.model is None:
                current = records.write_unreadable(session, item.requested, item.requested, item.url,
                                                   item.gated_reason)
            else:
                current, warnings = records.write_model(session, item.requested, item.model, item.url)
                outcome.warnings += [f"{current}: {w}" for w in warnings]
            savepoint.commit()
        except DomainError as error:  # e.g. another request wrote the same model meanwhile
            savepoint.rollback()
            outcome.warnings.append(f"{item.requested}: {error.detail}")
            return records.resolve_model_id(session, item.requested) or item.requested
        outcome.fetched.append(current)
        return current

    def _problem(self, model_id: str, error: HubError) -> Problem:
        if isinstance(error, HubNotFound):
            return HubNotHeld(404, f"model '{model_id}' is neither in Pedigree nor on the Hub at "
                              f"{self.settings.endpoint}: {error}", kind="not-found")
        headers = {}
        if isinstance(error, HubUnavailable) and error.retry_after:
            headers["Retry-After"] = str(int(error.retry_after) + 1)
        return Problem(503, f"model '{model_id}' is not in Pedigree and the Hugging Face Hub could not be "
                       f"asked: {error}", kind="hub-unavailable", title="Hub Unavailable", headers=headers,
                       hub=self.settings.endpoint)
