"""Property-based tests of the terms engine on random DAGs with random terms."""

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain import lattice
from api.domain.lineage import DatasetNode, LicenceRecord, Lineage, ModelNode, ParentLink, TrainingLink, binding_paths
from api.domain.terms import NOTICE_TERMS, _meets_training_data, effective_terms
from api.domain.verdicts import VERDICTS, Use, evaluate
from api.domain.vocabulary import LEVEL_TERMS, TERM_NAMES, UNKNOWN

LEVELS = {term: list(levels) for term, levels in LEVEL_TERMS.items()}


def term_value(term):
    if term in LEVELS:
        known = st.sampled_from(LEVELS[term])
    elif term == "max_monthly_active_users":
        known = st.one_of(st.none(), st.sampled_from([1000, 100_000_000, 700_000_000]))
    elif term in ("attribution", "derivative_name_prefix", "use_restrictions"):
        known = st.lists(st.sampled_from(["x", "y", "z"]), max_size=2, unique=True)
    else:
        known = st.booleans()
    return st.one_of(known, known, known, st.just(UNKNOWN))


@st.composite
def licences(draw, count=4):
    records = {}
    for index in range(count):
        terms = {t: {"value": draw(term_value(t))} for t in TERM_NAMES}
        binds = draw(st.sampled_from([True, False, UNKNOWN]))
        records[f"L{index}"] = LicenceRecord(f"L{index}", terms, {"value": binds})
    return records


@st.composite
def dags(draw):
    """A random DAG whose last node is the root; edges go from a higher to a lower index."""
    size = draw(st.integers(2, 7))
    names = [f"m{i}" for i in range(size)]
    records = draw(licences())
    models = {n: ModelNode(n, draw(st.sampled_from(sorted(records)))) for n in names}
    parents = []
    for child in range(1, size):
        for parent in draw(st.sets(st.integers(0, child - 1), max_size=3)):
            parents.append(ParentLink(names[child], names[parent], "finetune"))
    return Lineage(names[-1], models, parents, {}, [], records)


uses = st.builds(Use, commercial=st.sampled_from([None, True]),
                 monthly_active_users=st.sampled_from([None, 10, 800_000_000]),
                 redistribute_weights=st.sampled_from([None, True]),
                 train_other_models_on_outputs=st.sampled_from([None, True]),
                 research_only=st.sampled_from([None, True, False]))


def ancestors(lin):
    up = {}
    for link in lin.parents:
        up.setdefault(link.child, set()).add(link.parent)
    seen, stack = set(), [lin.root]
    while stack:
        for parent in up.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


@settings(max_examples=300, deadline=None)
@given(dags())
def test_descendant_never_more_permissive_than_a_binding_ancestor(lin):
    effective = effective_terms(lin).as_dict()["terms"]
    for ancestor in ancestors(lin):
        record = lin.licences[lin.models[ancestor].license]
        binds = record.binds_derivatives["value"]
        for term in (TERM_NAMES if binds is not False else NOTICE_TERMS):
            assert lattice.at_least_as_strict(term, effective[term]["value"], record.terms[term]["value"]), (
                ancestor, term, effective[term]["value"], record.terms[term]["value"])


@settings(max_examples=300, deadline=None)
@given(dags(), uses, st.data())
def test_adding_an_edge_never_makes_a_verdict_more_permissive(lin, use, data):
    names = sorted(lin.models, key=lambda n: int(n[1:]))
    child = data.draw(st.integers(1, len(names) - 1))
    parent = data.draw(st.integers(0, child - 1))
    before = evaluate(effective_terms(lin), use)["verdict"]
    link = ParentLink(names[child], names[parent], "merge")
    grown = dataclasses.replace(lin, parents=list({*lin.parents, link}))
    after = evaluate(effective_terms(grown), use)["verdict"]
    assert VERDICTS.index(after) >= VERDICTS.index(before), (before, after)


@settings(max_examples=200, deadline=None)
@given(dags(), uses, st.randoms(use_true_random=False))
def test_parent_order_does_not_change_the_answer(lin, use, rnd: random.Random):
    shuffled_parents = list(lin.parents)
    rnd.shuffle(shuffled_parents)
    model_items = list(lin.models.items())
    rnd.shuffle(model_items)
    shuffled = dataclasses.replace(lin, parents=shuffled_parents, models=dict(model_items))
    assert evaluate(effective_terms(shuffled), use) == evaluate(effective_terms(lin), use)
    assert effective_terms(shuffled).as_dict() == effective_terms(lin).as_dict()


@settings(max_examples=300, deadline=None)
@given(dags(), uses, st.data(), st.sampled_from(["no licence", "unknown licence", "placeholder"]))
def test_unknown_on_the_path_is_never_permitted(lin, use, data, how):
    on_path = sorted(ancestors(lin) | {lin.root})
    victim = data.draw(st.sampled_from(on_path))
    licences = dict(lin.licences)
    models = dict(lin.models)
    if how == "no licence":
        models[victim] = ModelNode(victim, None)
    elif how == "placeholder":
        models[victim] = ModelNode(victim, models[victim].license, placeholder=True)
    else:
        licences["LU"] = LicenceRecord("LU", {t: {"value": UNKNOWN} for t in TERM_NAMES}, {"value": UNKNOWN})
        models[victim] = ModelNode(victim, "LU")
    result = evaluate(effective_terms(dataclasses.replace(lin, models=models, licences=licences)), use)
    assert result["verdict"] in ("unknown", "forbidden")
    if result["verdict"] == "unknown":
        assert result["unknowns"]


@st.composite
def dags_with_data(draw):
    """A random DAG as `dags`, with some models trained on datasets, some of them generated by a model."""
    lin = draw(dags())
    names = sorted(lin.models)
    datasets, training = {}, []
    for index in range(draw(st.integers(0, 3))):
        generator = draw(st.one_of(st.none(), st.sampled_from(names[:-1])))
        dataset_id = f"d{index}"
        datasets[dataset_id] = DatasetNode(dataset_id, draw(st.sampled_from(sorted(lin.licences))), generator)
        for model in draw(st.sets(st.sampled_from(names), max_size=2)):
            if generator is None or names.index(model) > names.index(generator):  # no generated-data loop
                training.append(TrainingLink(model, dataset_id, "finetuning"))
    return Lineage(lin.root, lin.models, lin.parents, datasets, training, lin.licences)


@settings(max_examples=200, deadline=None)
@given(dags_with_data(), st.sampled_from(["caveat", "strict"]))
def test_one_snapshot_asked_about_each_model_answers_as_a_snapshot_of_its_own(lin, training_data):
    """A compliance batch or a conflicts refresh reuses one snapshot's edge index for every model;
    each answer must be what a snapshot built for that model alone gives."""
    shared = dataclasses.replace(lin)
    for model_id in sorted(lin.models):
        alone = Lineage(model_id, dict(lin.models), list(lin.parents), dict(lin.datasets), list(lin.training),
                        lin.licences)
        assert effective_terms(shared.with_root(model_id), training_data=training_data).as_dict() == \
            effective_terms(alone, training_data=training_data).as_dict()


@settings(max_examples=200, deadline=None)
@given(dags_with_data())
def test_the_walk_with_training_data_is_skipped_only_when_it_would_meet_nothing_more(lin):
    ancestor_paths, superseded = binding_paths(lin.without_training())
    if not _meets_training_data(lin, ancestor_paths, superseded):
        assert binding_paths(lin)[0] == ancestor_paths

