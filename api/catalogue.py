"""The built-in catalogue (api/data/*.yaml) as plain data: its records, its one alias map, and a lineage snapshot.

Imports neither Flask nor SQLAlchemy: the offline `pedigree` command answers from it with no database.
The database is seeded from the same records by `api.store.seed`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from api.domain import expressions
from api.domain.in_force import licence_in_force
from api.domain.lineage import DatasetNode, LicenceRecord, Lineage, ModelNode, ParentLink, TrainingLink

DATA_DIR = Path(__file__).resolve().parent / "data"
# libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogueError(ValueError):
    """A catalogue record is invalid; the message names the file and record."""


def catalogue_paths(data_dir: Path, kind: str) -> list[Path]:
    """`data/<kind>.yaml`, then every `data/<kind>/*.yaml` in name order (one file per family)."""
    single = data_dir / f"{kind}.yaml"
    return ([single] if single.exists() else []) + sorted((data_dir / kind).glob("*.yaml"))


def read_catalogue(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, Any]]]:
    """The three record lists, as plain data with dates as ISO strings.

    Parsed once per content: the result is kept as JSON in the user's cache folder under a digest of every
    catalogue file, and read from there while no file changes (YAML parsing was most of an offline check).
    """
    digest = _digest(data_dir)
    kept = _cache_folder() / f"catalogue-{digest}.json"
    try:
        return json.loads(kept.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    catalogue = _parse_catalogue(data_dir)
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(catalogue), encoding="utf-8")
        partial.replace(kept)  # atomic: a reader sees the whole file or none
    except OSError:
        pass  # a read-only home: parse every time
    return catalogue


def _cache_folder() -> Path:
    """PEDIGREE_CACHE_DIR, else $XDG_CACHE_HOME/pedigree, else ~/.cache/pedigree."""
    if os.environ.get("PEDIGREE_CACHE_DIR"):
        return Path(os.environ["PEDIGREE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pedigree"


def _digest(data_dir: Path) -> str:
    """A digest of every catalogue file's name and bytes."""
    digest = hashlib.sha256()
    for kind in ("licences", "datasets", "models"):
        for path in catalogue_paths(data_dir, kind):
            digest.update(str(path.relative_to(data_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _parse_catalogue(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    catalogue: dict[str, list[dict[str, Any]]] = {}
    for kind in ("licences", "datasets", "models"):
        catalogue[kind] = []
        for path in catalogue_paths(data_dir, kind):
            with open(path, encoding="utf-8") as handle:
                records = yaml.load(handle, Loader=_YAML_LOADER) or []
            if not isinstance(records, list):
                raise CatalogueError(f"{path}: expected a list of records")
            catalogue[kind] += [_dates_as_text(record) for record in records]
    return catalogue


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def licence_names(catalogue: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The one alias map: every licence id and alias, lower-cased, to the licence id (an id wins over an alias)."""
    names = {licence["id"].lower(): licence["id"] for licence in catalogue["licences"]}
    for licence in catalogue["licences"]:
        for alias in licence.get("aliases", []):
            names.setdefault(alias.lower(), licence["id"])
    return names


def snapshot_from_catalogue(catalogue: dict[str, list[dict[str, Any]]], as_of: str | None = None) -> Lineage:
    """Every catalogue record as one snapshot; set `root` before asking about a model."""
    names = licence_names(catalogue)

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
