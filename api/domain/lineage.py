"""A plain snapshot of the graph above a model, and walks over it (paths, depths, renderings)."""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
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
        return _holder(self.rights_holder, self.id)

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
    _steps: tuple[int, int, dict, dict] | None = field(default=None, init=False, repr=False, compare=False)

    def steps(self) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
        """The parent and training steps out of each model, sorted, built once per snapshot.

        A snapshot of many models (a compliance batch, a conflicts refresh) answers one walk per model;
        indexing its edges once keeps each walk as cheap as its own ancestry. Built again if edges were
        appended since.
        """
        if self._steps is None or self._steps[:2] != (len(self.parents), len(self.training)):
            up: dict[str, list[tuple[str, str]]] = {}
            for link in self.parents:
                up.setdefault(link.child, []).append((link.parent, link.relation))
            data: dict[str, list[tuple[str, str]]] = {}
            for link in self.training:
                data.setdefault(link.model, []).append((link.dataset, f"trained_on:{link.stage}"))
            for steps in (*up.values(), *data.values()):
                steps.sort()
            self._steps = (len(self.parents), len(self.training), up, data)
        return self._steps[2], self._steps[3]

    def with_root(self, root: str) -> Lineage:
        """The same snapshot asked about another model (its edge index shared, not rebuilt)."""
        other = Lineage(root, self.models, self.parents, self.datasets, self.training, self.licences)
        self.steps()
        other._steps = self._steps
        return other

    def without_training(self) -> Lineage:
        """The same snapshot with parent edges only."""
        other = Lineage(self.root, self.models, self.parents, self.datasets, [], self.licences)
        other._steps = (len(self.parents), 0, self.steps()[0], {})
        return other


@lru_cache(maxsize=65536)
def _holder(rights_holder: str | None, model_id: str) -> str | None:
    return (rights_holder or namespace(model_id) or "").lower() or None


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


def binding_paths(lineage: Lineage, cut: bool = True) -> tuple[dict[tuple[str, str], list[Hop]], list[Superseded]]:
    """Shortest path to every model and dataset above the root *whose terms still bind it*, and the cut ones.

    A rights holder's relicensing ends the chain (DESIGN §2): a model released by holder H under its own
    licence stops the licences of H's models above it, on every path through it. Models of other holders
    above the cut still bind. A model reached both through a cut and around it binds (by the way around).
    """
    up, data = lineage.steps()
    holder, cuts_after = _holder_rules(lineage, cut)

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
            steps = [("model", target, via) for target, via in up.get(node, ())]
            steps += [("dataset", target, via) for target, via in data.get(node, ())]
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


def _holder_rules(lineage: Lineage, cut: bool):
    """The two questions the binding walk asks of a model, answered once per model: its holder, and
    the holders cut once the walk has passed it."""
    holders: dict[str, str | None] = {}
    releasing: dict[str, str | None] = {}

    def holder(model_id: str) -> str | None:
        if model_id not in holders:
            node = lineage.models.get(model_id)
            holders[model_id] = node.holder() if node else None
        return holders[model_id]

    def cuts_after(model_id: str, cut_so_far: frozenset[str]) -> frozenset[str]:
        if model_id not in releasing:
            node = lineage.models.get(model_id)
            releasing[model_id] = node.holder() if cut and node is not None and node.releases_own_licence() else None
        owner = releasing[model_id]
        return cut_so_far | {owner} if owner is not None and owner not in cut_so_far else cut_so_far

    return holder, cuts_after


@dataclass(frozen=True)
class Reach:
    """What the binding walk from a root meets, without the paths: models through parent edges only
    (the root among them), datasets, and models met only through training data (generators)."""

    ancestors: frozenset[str]
    datasets: frozenset[str]
    generators: frozenset[str]


def binding_reach(lineage: Lineage, root: str | None = None) -> Reach:
    """The records `binding_paths` would give paths to, with and without training data, in one walk."""
    root = lineage.root if root is None else root
    return binding_reaches(lineage, [root])[root]


def binding_reaches(lineage: Lineage, roots: list[str]) -> dict[str, Reach]:
    """`binding_reach` for many roots of one snapshot: what is reached from each state of the walk is
    worked out once and shared by every root whose walk enters that state.

    A state is the same as in `binding_paths` (a record and the holders cut on the way in), also marked
    by whether a dataset was crossed on the way; no paths are built.
    """
    walk = _ReachWalk(lineage)
    out: dict[str, Reach] = {}
    for root in dict.fromkeys(roots):
        reach = walk.reach(root)
        if reach is None:  # the data loops back (a generated-data cycle): no state can be finished first
            return {r: _reach_by_paths(lineage, r) for r in dict.fromkeys(roots)}
        out[root] = reach
    return out


_Found = tuple[frozenset[str], frozenset[str], frozenset[str]]  # ancestors, models, datasets
_NOTHING: frozenset[str] = frozenset()


class _ReachWalk:
    """The states of the binding walk over one snapshot, and what is reached from each (memoised).

    A state is `(kind, record id, holders cut on the way in, whether a dataset was crossed)`.
    """

    def __init__(self, lineage: Lineage) -> None:
        self.up: dict[str, list[str]] = {}
        for link in lineage.parents:
            self.up.setdefault(link.child, []).append(link.parent)
        self.data: dict[str, list[str]] = {}
        for link in lineage.training:
            self.data.setdefault(link.model, []).append(link.dataset)
        self.datasets = lineage.datasets
        self.holder, self.cuts_after = _holder_rules(lineage, True)
        self.memo: dict[tuple, _Found] = {}

    def reach(self, root: str) -> Reach | None:
        """What the walk from `root` meets; None if the data loops (a generated-data cycle)."""
        below = [self.solve(s) for s in self.successors("model", root, self.cuts_after(root, _NOTHING), False)]
        if any(found is None for found in below):
            return None
        ancestors = frozenset({root}).union(*(f[0] for f in below))
        models = frozenset({root}).union(*(f[1] for f in below))
        datasets = frozenset().union(*(f[2] for f in below))
        return Reach(ancestors, datasets, models - ancestors)

    def successors(self, kind: str, node: str, cut: frozenset[str], crossed: bool) -> list[tuple]:
        if kind == "model":
            return ([("model", parent, cut, crossed) for parent in self.up.get(node, ())]
                    + [("dataset", dataset, cut, True) for dataset in self.data.get(node, ())])
        dataset = self.datasets.get(node)
        return [("model", dataset.generated_by, cut, True)] if dataset and dataset.generated_by else []

    def entered(self, state: tuple) -> list[tuple]:
        """The states one step on from entering `state` (the entered model's own cut applied)."""
        kind, node, cut, crossed = state
        return self.successors(kind, node, self.cuts_after(node, cut) if kind == "model" else cut, crossed)

    def own(self, state: tuple) -> _Found:
        """What entering `state` meets by itself: the record, unless its holder is cut."""
        kind, node, cut, crossed = state
        if kind == "dataset":
            return _NOTHING, _NOTHING, frozenset((node,))
        owner = self.holder(node)
        if owner is not None and owner in cut:
            return _NOTHING, _NOTHING, _NOTHING
        return (_NOTHING if crossed else frozenset((node,))), frozenset((node,)), _NOTHING

    def finish(self, state: tuple) -> None:
        """Memoise what `state` reaches, once every state one step on from it is memoised."""
        memo = self.memo
        parts = [self.own(state), *(memo[s] for s in self.entered(state))]
        memo[state] = (frozenset().union(*(p[0] for p in parts)), frozenset().union(*(p[1] for p in parts)),
                       frozenset().union(*(p[2] for p in parts)))

    def solve(self, start: tuple) -> _Found | None:
        """Post-order over the states below `start`; None if the data loops (a generated-data cycle)."""
        memo, entered = self.memo, self.entered
        stack, on_path = [(start, False)], set()
        while stack:
            state, done = stack.pop()
            if state in memo:
                continue
            if done:
                on_path.discard(state)
                self.finish(state)
                continue
            if state in on_path:
                return None
            on_path.add(state)
            stack.append((state, True))
            for following in entered(state):
                if following in on_path:
                    return None
                if following not in memo:
                    stack.append((following, False))
        return memo[start]


def _reach_by_paths(lineage: Lineage, root: str) -> Reach:
    """One root's reach from `binding_paths` itself (what a graph whose data loops back needs)."""
    at = lineage.with_root(root)
    ancestors = {c for k, c in binding_paths(dataclasses.replace(at, training=[]))[0] if k == "model"}
    full = binding_paths(at)[0]
    models = {c for k, c in full if k == "model"}
    return Reach(frozenset(ancestors), frozenset(c for k, c in full if k == "dataset"),
                 frozenset(models - ancestors))


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
