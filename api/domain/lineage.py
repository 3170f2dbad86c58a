"""A plain snapshot of the graph above a model, and walks over it (paths, depths, renderings)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParentLink:
    child: str
    parent: str
    relation: str


@dataclass(frozen=True)
class TrainingLink:
    model: str
    dataset: str
    stage: str


@dataclass(frozen=True)
class ModelNode:
    id: str
    license: str | None
    placeholder: bool = False
    name: str | None = None


@dataclass(frozen=True)
class DatasetNode:
    id: str
    license: str | None
    generated_by: str | None = None
    placeholder: bool = False


@dataclass(frozen=True)
class LicenceRecord:
    id: str
    terms: dict[str, dict[str, Any]]
    binds_derivatives: Any
    name: str | None = None
    categories: tuple[str, ...] = ()


@dataclass
class Lineage:
    """Everything needed to compute a model's effective terms, as plain data."""

    root: str
    models: dict[str, ModelNode]
    parents: list[ParentLink] = field(default_factory=list)
    datasets: dict[str, DatasetNode] = field(default_factory=dict)
    training: list[TrainingLink] = field(default_factory=list)
    licences: dict[str, LicenceRecord] = field(default_factory=dict)


@dataclass(frozen=True)
class Hop:
    """One step of a provenance path: to `id` (a model or dataset) by `via`."""

    id: str
    kind: str  # "model" | "dataset"
    via: str | None  # relation, "trained_on:<stage>", "generated_by"; None for the start


def provenance_paths(lineage: Lineage, root: str | None = None) -> dict[tuple[str, str], list[Hop]]:
    """Shortest path from the root to every model and dataset above it, keyed by (kind, id).

    Steps go child → parent, model → its training datasets, dataset → its generating model.
    Ties break by id so the answer does not depend on storage order.
    """
    start = root or lineage.root
    up: dict[str, list[tuple[str, str]]] = {}
    for link in lineage.parents:
        up.setdefault(link.child, []).append((link.parent, link.relation))
    data: dict[str, list[tuple[str, str]]] = {}
    for link in lineage.training:
        data.setdefault(link.model, []).append((link.dataset, f"trained_on:{link.stage}"))
    paths: dict[tuple[str, str], list[Hop]] = {("model", start): [Hop(start, "model", None)]}
    queue = deque([("model", start)])
    while queue:
        kind, node = queue.popleft()
        if kind == "model":
            steps = [("model", target, via) for target, via in sorted(up.get(node, ()))]
            steps += [("dataset", target, via) for target, via in sorted(data.get(node, ()))]
        else:
            dataset = lineage.datasets.get(node)
            generator = dataset.generated_by if dataset else None
            steps = [("model", generator, "generated_by")] if generator else []
        for target_kind, target, via in steps:
            key = (target_kind, target)
            if key not in paths:
                paths[key] = paths[(kind, node)] + [Hop(target, target_kind, via)]
                queue.append(key)
    return paths


def model_depths(parents: list[ParentLink], start: str, max_depth: int | None = None,
                 downwards: bool = False) -> dict[str, tuple[int, list[str], list[str]]]:
    """Minimum depth, one shortest id path and its relations for every model reached from `start`."""
    step: dict[str, list[tuple[str, str]]] = {}
    for link in parents:
        a, b = (link.parent, link.child) if downwards else (link.child, link.parent)
        step.setdefault(a, []).append((b, link.relation))
    found: dict[str, tuple[int, list[str], list[str]]] = {start: (0, [start], [])}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        depth, path, relations = found[node]
        if max_depth is not None and depth >= max_depth:
            continue
        for target, relation in sorted(step.get(node, ())):
            if target not in found:
                found[target] = (depth + 1, path + [target], relations + [relation])
                queue.append(target)
    del found[start]
    return found
