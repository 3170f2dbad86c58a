"""The web view's one door into the permitted-use engine (with `training_data=strict` for the use form)."""

from __future__ import annotations

import dataclasses
from typing import Any

from api.domain.lineage import Lineage, ModelNode, ParentLink, Reach, TrainingLink, binding_reaches
from api.domain.terms import EffectiveTerms, effective_terms
from api.domain.verdicts import VERDICTS, Use, evaluate

STRICT = "strict"


def _mode(strict: bool) -> str:
    return STRICT if strict else "caveat"


def effective_from_snapshot(snapshot: Lineage, *, strict: bool = False) -> EffectiveTerms:
    """The effective terms of the snapshot's root, from a snapshot the caller already loaded."""
    return effective_terms(snapshot, training_data=_mode(strict))


def use(*, strict: bool = False, **questions: Any) -> Use:
    names = {f.name for f in dataclasses.fields(Use)}
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
    judged = _group_verdicts(snapshot, asked, {"training_data": _mode(strict)})
    reaches = binding_reaches(snapshot, [m for m in model_ids if m in snapshot.models])
    out = {}
    for model_id in model_ids:
        if model_id not in snapshot.models:
            out[model_id] = "unknown"
            continue
        keys = _groups_reached(model_id, reaches[model_id])
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


def _groups_reached(root: str, reach: Reach) -> set[tuple[str, str, str]]:
    """The groups the engine's walk from `root` meets (the same binding walk, rights-holder cut included):
    its own licence, ancestors through parent edges, training data, and models reached only through
    training data, as generators."""
    keys = {("declared", "model", root)}
    keys |= {("ancestor", "model", carrier) for carrier in reach.ancestors if carrier != root}
    keys |= {("training_data", "dataset", carrier) for carrier in reach.datasets}
    keys |= {("generator", "model", carrier) for carrier in reach.generators}
    return keys
