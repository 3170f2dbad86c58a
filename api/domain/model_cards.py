"""Read a Hugging Face model card (README.md with YAML front matter) into Pedigree's terms.

Fields used: `license` (a Hub key, `other` with `license_name` / `license_link`), `base_model` (one or a
list), `base_model_relation` (inferred as the Hub does when absent: several bases → merge), `datasets`,
`model_name`. YAML is parsed safely (no Python objects), with libyaml where available.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from api.domain.vocabulary import is_repo_id

MAX_FRONT_MATTER = 64 * 1024
HUB_RELATIONS = {"adapter": "adapter", "merge": "merge", "quantized": "quantized", "finetune": "finetune"}
QUANTIZED_TAGS = {"gguf", "ggml", "gptq", "awq", "exl2", "quantized", "4-bit", "8-bit", "bitsandbytes", "mlx"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CardError(ValueError):
    """The card cannot be read; the message says why."""


@dataclass
class ModelCard:
    license_names: list[str] = field(default_factory=list)  # Hub keys or licence names, combined with AND
    license_link: str | None = None
    base_models: list[str] = field(default_factory=list)
    relation: str | None = None
    datasets: list[str] = field(default_factory=list)
    name: str | None = None
    warnings: list[str] = field(default_factory=list)


def front_matter(text: str) -> str:
    """The YAML between the opening `---` line and the next `---` line."""
    if not isinstance(text, str):
        raise CardError("the card must be text")
    body = text.lstrip("\ufeff")
    lines = body.splitlines()
    if not lines or lines[0].strip() != "---":
        raise CardError("no YAML front matter: the card must start with a line '---'")
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            block = "\n".join(lines[1:index])
            if len(block.encode()) > MAX_FRONT_MATTER:
                raise CardError(f"front matter larger than {MAX_FRONT_MATTER // 1024} KiB")
            return block
    raise CardError("front matter is not closed by a line '---'")


def _strings(value, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise CardError(f"'{what}' must be a string or a list of strings")


def parse(text: str) -> ModelCard:
    """Parse a model card; raise CardError with a precise reason when it cannot be used."""
    meta = _front_matter_mapping(text)
    card = ModelCard()
    _read_licences(meta, card)
    card.base_models = _repo_ids(meta, "base_model", "base_model '{}' is not a valid Hub repo id")
    card.relation = _relation(meta, card.base_models)
    card.datasets = _repo_ids(meta, "datasets", "dataset '{}' is not a valid Hub dataset id")
    name = meta.get("model_name")
    card.name = name.strip() if isinstance(name, str) and name.strip() else None
    return card


def _front_matter_mapping(text: str) -> dict:
    """The front matter read as YAML (safely); it must be a mapping (an empty one is)."""
    try:
        meta = yaml.load(front_matter(text), Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark else ""
        raise CardError(f"malformed YAML in front matter{where}: {getattr(error, 'problem', None) or error}") from None
    except CardError:
        raise
    except (ValueError, RecursionError, MemoryError):  # an integer of thousands of digits, hostile nesting
        raise CardError("the front matter cannot be read safely (a number too long or nesting too deep)") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CardError("front matter must be a YAML mapping")
    return meta


def _read_licences(meta: dict, card: ModelCard) -> None:
    """`license` (several: all apply); `other` is replaced by `license_name`, with `license_link`."""
    licences = _strings(meta.get("license"), "license")
    if len(licences) > 1:
        card.warnings.append(f"several licences listed ({', '.join(licences)}): all are taken to apply")
    if [name.lower() for name in licences] == ["other"]:
        named = _strings(meta.get("license_name"), "license_name")
        card.license_link = meta.get("license_link") if isinstance(meta.get("license_link"), str) else None
        licences = named or ["other"]
    card.license_names = licences


def _repo_ids(meta: dict, key: str, invalid: str) -> list[str]:
    """The Hub ids under `key` (one or a list); `invalid` names the first that is not one."""
    ids = _strings(meta.get(key), key)
    for repo_id in ids:
        if not is_repo_id(repo_id):
            raise CardError(invalid.format(repo_id))
    return ids


def _relation(meta: dict, bases: list[str]) -> str | None:
    """`base_model_relation` checked against the bases, or inferred as the Hub does; None without bases."""
    relation = meta.get("base_model_relation")
    if relation is None:
        return infer_relation(meta, bases) if bases else None
    if not isinstance(relation, str) or relation not in HUB_RELATIONS:
        raise CardError(f"unknown base_model_relation {relation!r}: use one of {', '.join(HUB_RELATIONS)}")
    if not bases:
        raise CardError("base_model_relation is given but base_model is not")
    if relation != "merge" and len(bases) > 1:
        raise CardError(f"base_model_relation '{relation}' names {len(bases)} base models; only a merge has several")
    return HUB_RELATIONS[relation]


def infer_relation(meta: dict, bases: list[str]) -> str:
    """As the Hub does without `base_model_relation`: several bases → merge; PEFT → adapter; quant tags → quantized."""
    if len(bases) > 1:
        return "merge"
    tags = {t.lower() for t in _strings(meta.get("tags"), "tags")} if meta.get("tags") is not None else set()
    library = meta.get("library_name")
    if library == "peft" or {"peft", "lora", "qlora"} & tags:
        return "adapter"
    if QUANTIZED_TAGS & tags or library in {"gguf", "mlx"} or meta.get("quantized_by"):
        return "quantized"
    if "merge" in tags or "mergekit" in tags:
        return "merge"
    return "finetune"
