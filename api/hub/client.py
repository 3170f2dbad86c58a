"""The Hub client: the official `huggingface_hub` HfApi, held to one endpoint, with Retry-After honoured."""

from __future__ import annotations

import contextvars
import email.utils
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import _http as hf_http

from api.domain.vocabulary import is_repo_id
from api.hub.settings import HubSettings

DEFAULT_RETRY_AFTER = 5.0
MAX_ATTEMPTS = 3


class HubError(Exception):
    """The Hub could not give the answer; the message says why, naming the Hub."""


class HubUnavailable(HubError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HubNotFound(HubError):
    pass


class HubGated(HubError):
    """The repo exists but its metadata is not public (gated or private)."""


class ForeignHostRefused(HubError):
    """A request (a redirect, a next page) would have left the configured endpoint."""


@dataclass
class HubModel:
    id: str                      # the current id, as the Hub spells it
    sha: str | None
    card: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    gated: str | None = None     # "auto" / "manual" when the repo asks users to accept terms
    private: bool = False


# --- every request huggingface_hub makes goes through this guard --------------------------------

_allowed_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar("pedigree_hub_origin", default=None)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _guard(request: httpx2.Request) -> None:
    allowed = _allowed_origin.get()
    if allowed is None or _origin(str(request.url)) != allowed:
        raise ForeignHostRefused(f"refused a request to {request.url.scheme}://{request.url.host}: "
                                 "Pedigree only talks to the configured Hub endpoint")


def _client_factory() -> httpx2.Client:
    hooks = [_guard]
    if hasattr(hf_http, "hf_request_event_hook"):
        hooks.append(hf_http.hf_request_event_hook)
    return httpx2.Client(event_hooks={"request": hooks}, follow_redirects=True, timeout=None)


hf_http.set_client_factory(_client_factory)


# --- rate limits: one cool-down per process, shared by every thread ------------------------------

class _Cooldown:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def remaining(self, origin: str) -> float:
        with self._lock:
            return max(0.0, self._until.get(origin, 0.0) - time.monotonic())

    def start(self, origin: str, seconds: float) -> None:
        with self._lock:
            self._until[origin] = max(self._until.get(origin, 0.0), time.monotonic() + seconds)


COOLDOWN = _Cooldown()


def retry_after_seconds(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return max(0.0, when.timestamp() - time.time())


class HubClient:
    """Reads model metadata from one Hub endpoint; every failure is a HubError subclass."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint.rstrip("/")
        self.origin = _origin(self.endpoint)
        self.api = HfApi(endpoint=self.endpoint, token=settings.token or False, library_name="pedigree")

    def page_url(self, repo_id: str, sha: str | None = None) -> str:
        """Where a reader sees the card: at the commit when it is known."""
        return f"{self.endpoint}/{repo_id}/blob/{sha}/README.md" if sha else f"{self.endpoint}/{repo_id}"

    def model(self, repo_id: str, *, timeout: float | None = None) -> HubModel:
        """The model's metadata at its current commit; follows the Hub's redirect of a renamed repo."""
        if not is_repo_id(repo_id):
            raise HubNotFound(f"'{repo_id}' is not a Hub repo id: nothing was asked of the Hub")
        info = self._call(repo_id, lambda: self.api.model_info(
            repo_id, timeout=timeout or self.settings.timeout,
            expand=["cardData", "sha", "tags", "gated", "private"]))
        card = info.card_data.to_dict() if info.card_data is not None else {}
        gated = info.gated if isinstance(info.gated, str) else None
        return HubModel(id=info.id, sha=info.sha, card=card, tags=list(info.tags or []), gated=gated,
                        private=bool(info.private))

    def list_ids(self, *, filter: str | None = None, author: str | None = None,
                 limit: int | None = None) -> Iterator[str]:
        """Model ids matching a Hub filter (`base_model:…`) or an author, in the Hub's order."""
        items = self._call(filter or author or "the listing", lambda: iter(self.api.list_models(
            filter=filter, author=author, limit=limit, expand=["sha"])))
        while True:
            try:
                item = self._call(filter or author or "the listing", lambda: next(items, None))
            except HubNotFound:
                return
            if item is None:
                return
            yield item.id

    def _call(self, what: str, call):
        attempt = 0
        while True:
            attempt += 1
            self._wait_for_cooldown()
            token = _allowed_origin.set(self.origin)
            try:
                return call()
            except HfHubHTTPError as error:
                status = error.response.status_code if error.response is not None else None
                if status == 429 and attempt < MAX_ATTEMPTS:
                    wait = retry_after_seconds(error.response.headers.get("Retry-After"))
                    COOLDOWN.start(self.origin, wait)
                    continue
                raise self._translate(what, error, status) from None
            except ForeignHostRefused:
                raise
            except httpx2.TimeoutException:
                raise HubUnavailable(f"the Hub at {self.endpoint} did not answer for '{what}' in time") from None
            except (httpx2.HTTPError, OSError) as error:
                raise HubUnavailable(f"the Hub at {self.endpoint} is unreachable: {type(error).__name__}") from None
            finally:
                _allowed_origin.reset(token)

    def _wait_for_cooldown(self) -> None:
        remaining = COOLDOWN.remaining(self.origin)
        if remaining <= 0:
            return
        if remaining > self.settings.max_retry_wait:
            raise HubUnavailable(f"the Hub at {self.endpoint} asked us to wait (429 Too Many Requests); "
                                 f"retry in {int(remaining) + 1} s", retry_after=remaining)
        time.sleep(remaining)

    def _translate(self, what: str, error: HfHubHTTPError, status: int | None) -> HubError:
        code = error.response.headers.get("X-Error-Code") if error.response is not None else None
        if status == 429:
            remaining = COOLDOWN.remaining(self.origin) or DEFAULT_RETRY_AFTER
            return HubUnavailable(f"the Hub at {self.endpoint} keeps answering 429 Too Many Requests; "
                                  f"retry in {int(remaining) + 1} s", retry_after=remaining)
        if status == 404 or (status == 401 and code == "RepoNotFound"):
            private = "" if status == 404 else "; the Hub answers 401 for a private repo too" + \
                ("" if self.settings.token else ": set HF_TOKEN if it is one you may read")
            return HubNotFound(f"the Hub at {self.endpoint} has no public model '{what}' ({status}{private})")
        if status in (401, 403):
            kind = "gated" if code == "GatedRepo" else "private or gated"
            return HubGated(f"the Hub at {self.endpoint} answered {status}: the repo is {kind} and its card "
                            "is not public" + ("" if self.settings.token else " (no HF_TOKEN is set)"))
        return HubUnavailable(f"the Hub at {self.endpoint} answered {status} for '{what}'")
