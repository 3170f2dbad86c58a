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
    rights_holder: str | None = None  # who holds the rights in the weights; None: the id's Hub organisation
    commit: str | None = None  # the Hub commit its facts were read at (models read from the Hub)

    def holder(self) -> str | None:
        """The rights holder, lower-cased: the recorded one, else the Hub organisation of the id."""
        return (self.rights_holder or namespace(self.id) or "").lower() or None

    def releases_own_licence(self) -> bool:
        """A described record that declares a licence: its holder's older licences stop here."""
        return not self.placeholder and bool(self.license) and self.holder() is not None


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


def namespace(record_id: str) -> str | None:
    """The Hub organisation of an id (`meta-llama/Llama-2-7b-hf` → `meta-llama`); None for legacy ids."""
    return record_id.split("/", 1)[0].lower() if "/" in record_id else None


@dataclass(frozen=True)
class Hop:
    """One step of a provenance path: to `id` (a model or dataset) by `via`."""

    id: str
    kind: str  # "model" | "dataset"
    via: str | None  # relation, "trained_on:<stage>", "generated_by"; None for the start


@dataclass(frozen=True)
class Superseded:
    """A model whose licence no longer reaches the root: its rights holder relicensed below it."""

    id: str
    holder: str
    by: str  # the model, nearer the root, released by the same holder under its own licence
    path: tuple[Hop, ...]


def provenance_paths(lineage: Lineage) -> dict[tuple[str, str], list[Hop]]:
    """Shortest path to every model and dataset above the root, whether or not its terms still bind it."""
    return binding_paths(lineage, cut=False)[0]


def binding_paths(lineage: Lineage, cut: bool = True) -> tuple[dict[tuple[str, str], list[Hop]], list[Superseded]]:  # noqa: C901 - to split (issue 10 follow-up)
    """Shortest path to every model and dataset above the root *whose terms still bind it*, and the cut ones.

    A rights holder's relicensing ends the chain (DESIGN §2): a model released by holder H under its own
    licence stops the licences of H's models above it, on every path through it. Models of other holders
    above the cut still bind. A model reached both through a cut and around it binds (by the way around).
    """
    up: dict[str, list[tuple[str, str]]] = {}
    for link in lineage.parents:
        up.setdefault(link.child, []).append((link.parent, link.relation))
    data: dict[str, list[tuple[str, str]]] = {}
    for link in lineage.training:
        data.setdefault(link.model, []).append((link.dataset, f"trained_on:{link.stage}"))

    def holder(model_id: str) -> str | None:
        node = lineage.models.get(model_id)
        return node.holder() if node else None

    def cuts_after(model_id: str, holders: frozenset[str]) -> frozenset[str]:
        node = lineage.models.get(model_id)
        releases = cut and node is not None and node.releases_own_licence()
        return holders | {node.holder()} if releases else holders

    start = ("model", lineage.root)
    paths: dict[tuple[str, str], list[Hop]] = {start: [Hop(lineage.root, "model", None)]}
    cut_at: dict[tuple[str, str], tuple[str, list[Hop]]] = {}
    seen: set[tuple[str, str, frozenset[str]]] = set()
    root_cut = cuts_after(lineage.root, frozenset())
    # Each entry: where we are, the path there, the holders cut so far, and which model cut each.
    queue = deque([(start, paths[start], root_cut, {h: lineage.root for h in root_cut})])
    while queue:
        (kind, node), path, cut, cutters = queue.popleft()
        if kind == "model":
            steps = [("model", target, via) for target, via in sorted(up.get(node, ()))]
            steps += [("dataset", target, via) for target, via in sorted(data.get(node, ()))]
        else:
            dataset = lineage.datasets.get(node)
            generator = dataset.generated_by if dataset else None
            steps = [("model", generator, "generated_by")] if generator else []
        for target_kind, target, via in steps:
            key = (target_kind, target)
            state = (target_kind, target, cut)
            if state in seen:
                continue
            seen.add(state)
            step_path = path + [Hop(target, target_kind, via)]
            next_cut, next_cutters = cut, cutters
            if target_kind == "model":
                owner = holder(target)
                if owner is not None and owner in cut:
                    cut_at.setdefault(key, (cutters[owner], step_path))
                elif key not in paths:
                    paths[key] = step_path
                next_cut = cuts_after(target, cut)
                if next_cut != cut:
                    next_cutters = {**cutters, **{h: target for h in next_cut - cut}}
            elif key not in paths:
                paths[key] = step_path
            queue.append((key, step_path, next_cut, next_cutters))
    superseded = [
        Superseded(model_id, holder(model_id) or "", by, tuple(path))
        for (kind, model_id), (by, path) in sorted(cut_at.items())
        if (kind, model_id) not in paths
    ]
    return paths, superseded


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
