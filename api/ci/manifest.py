"""Read the list of models a product uses: plain text, JSON, YAML, or Hub references in a requirements-like file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from api.domain.vocabulary import is_repo_id

_PREFIXES = re.compile(r"^(?:hf://|https?://(?:www\.)?huggingface\.co/|huggingface\.co/)", re.IGNORECASE)
_HUB_REFERENCE = re.compile(
    r"(?:hf://|https?://(?:www\.)?huggingface\.co/|\bhuggingface\.co/)([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)"
)


class ManifestError(ValueError):
    """The manifest cannot be read; the message says where and why."""


@dataclass(frozen=True)
class ManifestEntry:
    id: str
    line: int  # 1-based line in the manifest, for SARIF locations


def _clean(token: str) -> str:
    token = _PREFIXES.sub("", token.strip().strip("'\""))
    for separator in ("==", "@"):
        token = token.split(separator, 1)[0]
    token = token.split("/tree/", 1)[0].split("/blob/", 1)[0]
    return token.rstrip("/")


def _line_of(text: str, model_id: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if model_id in line:
            return number
    return 1


def parse_manifest(path: str | Path, kind: str | None = None) -> list[ManifestEntry]:
    """Entries in file order; kind is text, json, yaml or requirements (default: from the file name)."""
    path = Path(path)
    text = _read(path)
    kind = kind or _kind_of(path)
    if kind in ("json", "yaml"):
        entries = _listed_entries(path, text, kind)
    elif kind == "requirements":
        entries = _hub_references(text)
    elif kind == "text":
        entries = _first_words(text)
    else:
        raise ManifestError(f"unknown manifest kind {kind!r}")
    bad = [f"line {e.line}: '{e.id}'" for e in entries if not is_repo_id(e.id)]
    if bad:
        raise ManifestError(f"{path}: not Hugging Face model ids: " + ", ".join(bad))
    unique: dict[str, ManifestEntry] = {}
    for entry in entries:
        unique.setdefault(entry.id, entry)
    return list(unique.values())


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read manifest {path}: {error}") from None


def _kind_of(path: Path) -> str:
    """json, yaml, requirements or text, from the file's name."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "requirements" if "requirements" in path.name.lower() else "text"


def _listed_entries(path: Path, text: str, kind: str) -> list[ManifestEntry]:
    """A JSON or YAML list of ids or `{"id": ...}`, alone or under `models`."""
    try:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ManifestError(f"{path}: not valid {kind.upper()}: {error}") from None
    if isinstance(data, dict):
        data = data.get("models")
    if not isinstance(data, list):
        raise ManifestError(f"{path}: expected a list of model ids or {{\"models\": [...]}}")
    entries = []
    for item in data:
        model_id = item.get("id") if isinstance(item, dict) else item
        if not isinstance(model_id, str):
            raise ManifestError(f"{path}: every model must be an id string or {{\"id\": ...}}")
        entries.append(ManifestEntry(_clean(model_id), _line_of(text, model_id)))
    return entries


def _hub_references(text: str) -> list[ManifestEntry]:
    """Every Hub reference (hf://, huggingface.co/...) on every line of a requirements-like file."""
    return [ManifestEntry(_clean(match), number)
            for number, line in enumerate(text.splitlines(), start=1) for match in _HUB_REFERENCE.findall(line)]


def _first_words(text: str) -> list[ManifestEntry]:
    """The first word of every line that is not blank or a comment."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            entries.append(ManifestEntry(_clean(content.split()[0]), number))
    return entries
