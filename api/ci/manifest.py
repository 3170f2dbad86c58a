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


def parse_manifest(path: str | Path, kind: str | None = None) -> list[ManifestEntry]:  # noqa: C901 - to split (issue 10 follow-up)
    """Entries in file order; kind is text, json, yaml or requirements (default: from the file name)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read manifest {path}: {error}") from None
    suffix = path.suffix.lower()
    kind = kind or ("json" if suffix == ".json" else "yaml" if suffix in (".yaml", ".yml")
                    else "requirements" if "requirements" in path.name.lower() else "text")
    entries: list[ManifestEntry] = []
    if kind in ("json", "yaml"):
        try:
            data = json.loads(text) if kind == "json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as error:
            raise ManifestError(f"{path}: not valid {kind.upper()}: {error}") from None
        if isinstance(data, dict):
            data = data.get("models")
        if not isinstance(data, list):
            raise ManifestError(f"{path}: expected a list of model ids or {{\"models\": [...]}}")
        for item in data:
            model_id = item.get("id") if isinstance(item, dict) else item
            if not isinstance(model_id, str):
                raise ManifestError(f"{path}: every model must be an id string or {{\"id\": ...}}")
            entries.append(ManifestEntry(_clean(model_id), _line_of(text, model_id)))
    elif kind == "requirements":
        for number, line in enumerate(text.splitlines(), start=1):
            entries += [ManifestEntry(_clean(match), number) for match in _HUB_REFERENCE.findall(line)]
    elif kind == "text":
        for number, line in enumerate(text.splitlines(), start=1):
            content = line.split("#", 1)[0].strip()
            if content:
                entries.append(ManifestEntry(_clean(content.split()[0]), number))
    else:
        raise ManifestError(f"unknown manifest kind {kind!r}")
    bad = [f"line {e.line}: '{e.id}'" for e in entries if not is_repo_id(e.id)]
    if bad:
        raise ManifestError(f"{path}: not Hugging Face model ids: " + ", ".join(bad))
    unique: dict[str, ManifestEntry] = {}
    for entry in entries:
        unique.setdefault(entry.id, entry)
    return list(unique.values())
