"""Read the built-in catalogue files (data/*.yaml) as plain data. Imports neither Flask nor SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogueError(ValueError):
    """A catalogue record is invalid; the message names the file and record."""


def catalogue_paths(data_dir: Path, kind: str) -> list[Path]:
    """`data/<kind>.yaml`, then every `data/<kind>/*.yaml` in name order (one file per family)."""
    single = data_dir / f"{kind}.yaml"
    return ([single] if single.exists() else []) + sorted((data_dir / kind).glob("*.yaml"))


def read_catalogue(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, Any]]]:
    """The three record lists, as plain data with dates as ISO strings."""
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
