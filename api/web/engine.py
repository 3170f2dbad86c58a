"""The web view's one door into the permitted-use engine, and where `training_data=strict` is wired.

The engine's `training_data` option (DESIGN §2: an unknown training-data licence is a caveat by
default, `strict` makes it unknown again) is being added on main. Until it lands, this module passes
`training_data="strict"` to `effective_terms` and to `Use` only where they accept it (the model page
computes the effective terms from the snapshot it already loaded, so it calls `effective_terms`, not
`answers.effective`, which would load the same snapshot again); before that merge the engine's own
behaviour is already the strict one, so the checkbox changes nothing yet. Nothing else in the web
view knows about the option.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from api.domain.lineage import Lineage, ModelNode, ParentLink, TrainingLink
from api.domain.terms import EffectiveTerms, effective_terms
from api.domain.verdicts import VERDICTS, Use, evaluate

STRICT = "strict"


def _accepts(function, name: str) -> bool:
    return name in inspect.signature(function).parameters


def _strict_option(function, strict: bool) -> dict[str, Any]:
    return {"training_data": STRICT} if strict and _accepts(function, "training_data") else {}


def training_data_option_supported() -> bool:
    """True once the engine takes `training_data` (then the strict checkbox changes answers)."""
    return _accepts(effective_terms, "training_data") or "training_data" in {f.name for f in dataclasses.fields(Use)}


def effective_from_snapshot(snapshot: Lineage, *, strict: bool = False) -> EffectiveTerms:
    """The effective terms of the snapshot's root, from a snapshot the caller already loaded."""
    return effective_terms(snapshot, **_strict_option(effective_terms, strict))


def use(*, strict: bool = False, **questions: Any) -> Use:
    names = {f.name for f in dataclasses.fields(Use)}
    if strict and "training_data" in names:
        questions["training_data"] = STRICT
    return Use(**{k: v for k, v in questions.items() if k in names})


def verdict(effective_model: EffectiveTerms, asked: Use) -> dict[str, Any]:
    found = evaluate(effective_model, asked)
    found.setdefault("caveats", [])
    return found


def commercial_verdicts(snapshot: Lineage, model_ids: list[str], *, strict: bool = False) -> dict[str, str]:
    """Commercial-use verdict of each model, from one snapshot loaded for all of them.

    Asking the engine once per model costs O(models × ancestors) licence groups: 2,700 for a chain of
    50. A verdict is the most severe of its groups' verdicts (the engine picks an OR branch per group
    and ranks the kinds of finding), and a group's verdict does not depend on which model is asked
    (only its provenance path does); so each kind of group is judged once, by the engine, and each
    model takes the worst over the groups its walk reaches. tests/test_web_engine.py checks this against the
    engine model by model on the whole catalogue.
    """
    asked = use(commercial=True, strict=strict)
    judged = _group_verdicts(snapshot, asked, _strict_option(effective_terms, strict))
    up: dict[str, list[str]] = {}
    for link in snapshot.parents:
        up.setdefault(link.child, []).append(link.parent)
    data: dict[str, list[str]] = {}
    for link in snapshot.training:
        data.setdefault(link.model, []).append(link.dataset)
    out = {}
    for model_id in model_ids:
        if model_id not in snapshot.models:
            out[model_id] = "unknown"
            continue
        keys = _groups_reached(snapshot, model_id, up, data)
        out[model_id] = max((judged.get(key, "unknown") for key in keys), key=VERDICTS.index)
    return out


PROBE = "\x00probe"  # a model id no record can have: the root of the synthetic lineages below


def _group_verdicts(snapshot: Lineage, asked: Use, option: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """The engine's verdict for each licence group, keyed by (role, kind, carrier), each group built once."""
    judged: dict[tuple[str, str, str], str] = {}
    by_content: dict[tuple, str] = {}  # groups with the same role and terms get the same verdict: judge one

    def judge(lineage: Lineage, include_training_data: bool) -> None:
        found = effective_terms(lineage, include_training_data=include_training_data, **option)
        for group in found.groups:
            if group.carrier == PROBE:
                continue
            content = (group.role, group.carrier_kind,
                       tuple(tuple((c.term, repr(c.value)) for c in alternative) for alternative in group.alternatives))
            if content not in by_content:
                by_content[content] = evaluate(dataclasses.replace(found, groups=[group]), asked)["verdict"]
            judged[(group.role, group.carrier_kind, group.carrier)] = by_content[content]

    models = {**snapshot.models, PROBE: ModelNode(PROBE, None)}
    # A model's own group and its group as an ancestor are built from its licence expression and
    # placeholder flag alone: judge one model of each kind and give its verdicts to the others.
    representative: dict[tuple, str] = {}
    for model_id in sorted(snapshot.models):
        node = snapshot.models[model_id]
        representative.setdefault((node.license, node.placeholder), model_id)
    # Each as an ancestor: a probe whose parents they are.
    probe_parents = [ParentLink(PROBE, model_id, "finetune") for model_id in representative.values()]
    judge(Lineage(PROBE, models, probe_parents, {}, [], snapshot.licences), False)
    # Each under its own declared licence.
    for model_id in representative.values():
        judge(Lineage(model_id, snapshot.models, [], {}, [], snapshot.licences), False)
    for model_id, node in snapshot.models.items():
        stand_in = representative[(node.license, node.placeholder)]
        for role in ("declared", "ancestor"):
            judged[(role, "model", model_id)] = judged[(role, "model", stand_in)]
    # Every dataset as training data, and every model reached through one as a generator.
    probe_data = [TrainingLink(PROBE, dataset_id, "finetuning") for dataset_id in snapshot.datasets]
    judge(Lineage(PROBE, models, snapshot.parents, snapshot.datasets, snapshot.training + probe_data,
                  snapshot.licences), True)
    return judged


def _groups_reached(snapshot: Lineage, root: str, up: dict[str, list[str]],
                    data: dict[str, list[str]]) -> set[tuple[str, str, str]]:
    """The groups the engine's walk from `root` meets: its own licence, ancestors through parent edges,
    then training data and (as generators) any model reached only through training data."""
    ancestors: set[str] = set()
    frontier = [root]
    while frontier:
        for parent in up.get(frontier.pop(), ()):
            if parent not in ancestors and parent != root:
                ancestors.add(parent)
                frontier.append(parent)
    models = {root} | ancestors
    datasets: set[str] = set()
    generators: set[str] = set()
    frontier = sorted(models)
    while frontier:
        node = frontier.pop()
        reached = list(up.get(node, ()))
        for dataset_id in data.get(node, ()):
            if dataset_id not in datasets:
                datasets.add(dataset_id)
                dataset = snapshot.datasets.get(dataset_id)
                if dataset is not None and dataset.generated_by:
                    reached.append(dataset.generated_by)
        for model_id in reached:
            if model_id not in models:
                models.add(model_id)
                generators.add(model_id)
                frontier.append(model_id)
    return ({("declared", "model", root)} | {("ancestor", "model", a) for a in ancestors}
            | {("training_data", "dataset", d) for d in datasets} | {("generator", "model", g) for g in generators})
