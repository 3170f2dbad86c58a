"""A small stand-in for the Hugging Face Hub: the REST shapes of /api/models/{id} and /api/models?filter=…,
served on 127.0.0.1 from the real model cards in tests/fixtures/, for the real `huggingface_hub` client.

It knows what the Hub does that matters to Pedigree: ids match case-insensitively, a renamed repo answers
307 to its new id, a gated repo answers 403 with X-Error-Code GatedRepo, a missing one 404 RepoNotFound, a
rate limit 429 with Retry-After, and a slow answer. Every request it receives is logged.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, quote, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
CARD_DIRS = (FIXTURES / "model_cards", FIXTURES / "hub")
PAGE_SIZE = 2
QUANTIZED = {"gguf", "ggml", "gptq", "awq", "exl2"}


def front_matter(text: str) -> dict[str, Any]:
    lines = text.lstrip("\ufeff").splitlines()
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    return yaml.safe_load("\n".join(lines[1:end])) or {}


@dataclass
class Repo:
    id: str
    card: dict[str, Any]
    sha: str
    gated: str | bool = False

    def bases(self) -> list[str]:
        value = self.card.get("base_model")
        return [value] if isinstance(value, str) else list(value or [])

    def relation(self) -> str | None:
        """As the Hub infers it when the card does not say."""
        if not self.bases():
            return None
        if self.card.get("base_model_relation"):
            return self.card["base_model_relation"]
        tags = {str(t).lower() for t in self.card.get("tags") or []}
        if len(self.bases()) > 1:
            return "merge"
        if self.card.get("library_name") == "peft" or {"lora", "peft"} & tags:
            return "adapter"
        if QUANTIZED & tags or self.card.get("quantized_by"):
            return "quantized"
        return "finetune"

    def tags(self) -> list[str]:
        tags = [str(t) for t in self.card.get("tags") or []]
        if self.card.get("library_name"):
            tags.append(self.card["library_name"])
        licence = self.card.get("license")
        for name in [licence] if isinstance(licence, str) else licence or []:
            tags.append(f"license:{name}")
        for base in self.bases():
            tags += [f"base_model:{base}", f"base_model:{self.relation()}:{base}"]
        return tags + ["region:us"]

    def info(self) -> dict[str, Any]:
        author = self.id.split("/")[0] if "/" in self.id else None
        return {"_id": hashlib.sha1(self.id.encode()).hexdigest()[:24], "id": self.id, "modelId": self.id,
                "author": author, "sha": self.sha, "lastModified": "2024-09-25T14:10:08.000Z",
                "createdAt": "2024-07-18T08:56:00.000Z", "private": False, "gated": self.gated,
                "disabled": False, "downloads": 1000, "likes": 10, "library_name": self.card.get("library_name"),
                "tags": self.tags(), "pipeline_tag": self.card.get("pipeline_tag"), "cardData": self.card,
                "siblings": [{"rfilename": "README.md"}, {"rfilename": "config.json"}]}


@dataclass
class StandInHub:
    repos: dict[str, Repo] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)          # former id → current id (307)
    redirect_elsewhere: dict[str, str] = field(default_factory=dict)  # id → absolute URL on another origin
    forbidden: set[str] = field(default_factory=set)               # 403 GatedRepo
    private: set[str] = field(default_factory=set)                 # 401 RepoNotFound, as for an anonymous reader
    rate_limited: dict[str, list[str]] = field(default_factory=dict)  # id → Retry-After values, one per 429
    slow: dict[str, float] = field(default_factory=dict)           # id → seconds before answering
    failing_after: int | None = None                               # model_info calls answered before 503s
    log: list[str] = field(default_factory=list)
    base: str = ""

    @classmethod
    def from_fixtures(cls) -> StandInHub:
        hub = cls()
        for directory in CARD_DIRS:
            for path in sorted(directory.glob("*__*.md")):
                repo_id = path.stem.replace("__", "/", 1)
                hub.add(repo_id, front_matter(path.read_text(encoding="utf-8")))
        hub.renamed["meta-llama/Meta-Llama-3.1-8B-Instruct"] = "meta-llama/Llama-3.1-8B-Instruct"
        hub.renamed["meta-llama/Meta-Llama-3.1-8B"] = "meta-llama/Llama-3.1-8B"
        hub.forbidden.add("mistralai/Mistral-Large-Instruct-2407")
        hub.repos["meta-llama/llama-3.1-8b"].gated = "manual"
        return hub

    def add(self, repo_id: str, card: dict[str, Any]) -> None:
        self.repos[repo_id.lower()] = Repo(repo_id, card, self._sha(repo_id, card))

    def set_card(self, repo_id: str, **changes: Any) -> str:
        """Commit a change to a card; returns the new sha."""
        repo = self.repos[repo_id.lower()]
        repo.card = {**repo.card, **changes}
        repo.sha = self._sha(repo_id, repo.card)
        return repo.sha

    @staticmethod
    def _sha(repo_id: str, card: dict[str, Any]) -> str:
        return hashlib.sha1((repo_id + json.dumps(card, sort_keys=True, default=str)).encode()).hexdigest()

    def model_requests(self, repo_id: str | None = None) -> list[str]:
        prefix = "/api/models/" + (repo_id or "")
        return [line for line in self.log if line.split("?")[0].startswith(prefix)]

    # --- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        self.log.append(path + (f"?{query}" if query else ""))
        status, headers, body = self.answer(environ["REQUEST_METHOD"], path, parse_qs(query))
        payload = json.dumps(body).encode() if body is not None else b""
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                                *headers])
        return [payload]

    def answer(self, method: str, path: str, query: dict[str, list[str]]):
        if method != "GET":
            return "405 Method Not Allowed", [], {"error": "method not allowed"}
        if path == "/api/models":
            return self.listing(query)
        if path.startswith("/api/models/"):
            return self.model(path[len("/api/models/"):], query)
        return "404 Not Found", [("X-Error-Code", "EntryNotFound")], {"error": "not found"}

    def model(self, repo_id: str, query: dict[str, list[str]]):
        key = repo_id.lower()
        if key in self.slow:
            time.sleep(self.slow[key])
        if self.rate_limited.get(key):
            return "429 Too Many Requests", [("Retry-After", self.rate_limited[key].pop(0))], \
                {"error": "You have exceeded our rate limit."}
        if self.failing_after is not None:
            if self.failing_after <= 0:
                return "503 Service Unavailable", [], {"error": "Service Unavailable"}
            self.failing_after -= 1
        if key in self.redirect_elsewhere:
            return "307 Temporary Redirect", [("Location", self.redirect_elsewhere[key])], None
        renamed = {old.lower(): new for old, new in self.renamed.items()}
        if key in renamed:
            location = "/api/models/" + quote(renamed[key], safe="/") + (f"?{urlencode(query, doseq=True)}" if query else "")
            return "307 Temporary Redirect", [("Location", location)], None
        if key in {f.lower() for f in self.forbidden}:
            return "403 Forbidden", [("X-Error-Code", "GatedRepo"), ("X-Error-Message", "Access to model "
                                     f"{repo_id} is restricted and you are not in the authorized list.")], \
                {"error": "Access restricted"}
        repo = self.repos.get(key)
        if key in {p.lower() for p in self.private}:
            return "401 Unauthorized", [("X-Error-Code", "RepoNotFound"), ("X-Error-Message", "Invalid username "
                                        "or password.")], {"error": "Invalid username or password."}
        if repo is None:
            return "404 Not Found", [("X-Error-Code", "RepoNotFound"),
                                     ("X-Error-Message", "Repository not found")], {"error": "Repository not found"}
        info = repo.info()
        expand = query.get("expand[]") or query.get("expand")
        if expand:
            info = {key: value for key, value in info.items() if key in {"_id", "id", *expand}}
        return "200 OK", [], info

    def listing(self, query: dict[str, list[str]]):
        repos = sorted(self.repos.values(), key=lambda r: r.id.lower())
        renamed = {old.lower(): new.lower() for old, new in self.renamed.items()}

        def names(repo: Repo, base: str) -> bool:
            return base.lower() in {renamed.get(b.lower(), b.lower()) for b in repo.bases()}

        for wanted in query.get("filter", []):
            parts = wanted.split(":")
            if parts[0] != "base_model":
                continue
            if len(parts) == 3:
                repos = [r for r in repos if names(r, parts[2]) and r.relation() == parts[1]]
            else:
                repos = [r for r in repos if names(r, parts[1])]
        if query.get("author"):
            repos = [r for r in repos if r.id.lower().startswith(query["author"][0].lower() + "/")]
        start = int(query.get("cursor", ["0"])[0])
        page = repos[start:start + PAGE_SIZE]
        headers = []
        if start + PAGE_SIZE < len(repos):
            rest = {key: values for key, values in query.items() if key != "cursor"}
            link = f"{self.base}/api/models?{urlencode({**rest, 'cursor': [str(start + PAGE_SIZE)]}, doseq=True)}"
            headers.append(("Link", f'<{link}>; rel="next"'))
        return "200 OK", headers, [{"_id": r.info()["_id"], "id": r.id, "sha": r.sha} for r in page]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Served:
    """The stand-in served on 127.0.0.1 in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        if hasattr(app, "base"):
            app.base = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Recorder:
    """Another origin that only records what reaches it (nothing should)."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def __call__(self, environ, start_response):
        self.log.append(environ.get("PATH_INFO", ""))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"id": "evil/model", "sha": "0", "cardData": {"license": "mit"}}']
