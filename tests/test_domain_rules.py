"""The four rules of DESIGN §2 that decide verdicts people act on, as pure functions.

Training data with unknown terms is a caveat; a rights holder's relicensing ends the chain; conflicts
compare what is known; `derivatives` is a term.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.conflicts import conflicts
from api.domain.lineage import DatasetNode, ModelNode, TrainingLink, binding_paths, binding_reach
from api.domain.terms import effective_terms
from api.domain.verdicts import Use, evaluate
from tests.domain_builders import STANDARD, lineage


def verdict(lin, training_data="caveat", **use):
    return evaluate(effective_terms(lin, training_data=training_data), Use(**use))


# --- 1. Training data: known terms bind, unknown licences are caveats -----------------------------

def test_dataset_with_unknown_licence_is_a_caveat_not_an_unknown():
    for dataset_licence in (None, "UNK", "Gone-1.0"):
        lin = lineage("c", {"c": "MIT"}, datasets={"pile": (dataset_licence, None)}, training=[("c", "pile")])
        result = verdict(lin, commercial=True)
        assert result["verdict"] == "permitted_with_obligations", (dataset_licence, result)
        assert result["unknowns"] == []
        [caveat] = result["caveats"]
        assert caveat["kind"] == "training_data_license_unknown"
        assert caveat["dataset"] == "pile" and caveat["path"] == ["c", "pile"]
        assert "pile" in caveat["message"] and "strict" in caveat["message"]
        strict = verdict(lin, training_data="strict", commercial=True)
        assert strict["verdict"] == "unknown" and strict["unknowns"] and strict["caveats"] == []


def test_caveat_reaches_through_ancestors_and_known_data_terms_still_bind():
    lin = lineage("ft", {"base": "MIT", "ft": "MIT"}, [("ft", "base")],
                  datasets={"pile": (None, None), "nc": ("NC", None)}, training=[("base", "pile"), ("ft", "nc")])
    effective = effective_terms(lin)
    assert [c["path"] for c in effective.caveats()] == [["ft", "base", "pile"]]
    result = evaluate(effective, Use(commercial=True))
    assert result["verdict"] == "forbidden"  # the CC-BY-NC-style data still forbids commercial use
    assert result["violations"][0]["provenance"]["imposed_by"] == {"kind": "dataset", "id": "nc"}
    assert result["caveats"] == effective.caveats()


def test_partly_known_dataset_licence_binds_what_it_says_and_caveats_the_rest():
    lin = lineage("m", {"m": "MIT"}, datasets={"d": ("HALF", None)}, training=[("m", "d")])
    effective = effective_terms(lin)
    [caveat] = effective.caveats()
    assert caveat["kind"] == "training_data_terms_unknown"
    assert caveat["terms"] == ["attribution", "use_restrictions"]
    assert evaluate(effective, Use(commercial=True))["verdict"] == "forbidden"


def test_generator_with_unknown_terms_is_a_caveat():
    lin = lineage("m", {"m": "MIT", "gen": None}, datasets={"synthetic": ("MIT", "gen")},
                  training=[("m", "synthetic")])
    [caveat] = effective_terms(lin).caveats()
    assert caveat["kind"] == "generator_terms_unknown"
    assert caveat["dataset"] == "synthetic" and caveat["model"] == "gen"
    assert verdict(lin, train_other_models_on_outputs=True)["verdict"] != "unknown"
    assert verdict(lin, training_data="strict", train_other_models_on_outputs=True)["verdict"] == "unknown"


def test_unknown_model_licences_stay_unknown_whatever_the_mode():
    lin = lineage("c", {"a": None, "c": "MIT"}, [("c", "a")])
    assert verdict(lin, commercial=True)["verdict"] == "unknown"
    lin = lineage("c", {"a": "MIT", "c": "MIT"}, [("c", "a")], placeholders={"a"})
    assert verdict(lin, commercial=True)["verdict"] == "unknown"


USES = st.builds(Use, commercial=st.sampled_from([None, True, False]),
                 monthly_active_users=st.sampled_from([None, 10, 800_000_000]),
                 redistribute_weights=st.sampled_from([None, True]),
                 train_other_models_on_outputs=st.sampled_from([None, True]),
                 research_only=st.sampled_from([None, True, False]))
LICENCES = st.sampled_from([None, *STANDARD])


@settings(max_examples=300, deadline=None)
@given(use=USES, base=LICENCES, ft=LICENCES, data=LICENCES, unknown=st.sampled_from([None, "UNK", "Gone-1.0"]),
       onto=st.sampled_from(["base", "ft"]))
def test_adding_a_caveat_never_changes_a_verdict(use, base, ft, data, unknown, onto):
    lin = lineage("ft", {"base": base, "ft": ft}, [("ft", "base")], datasets={"d": (data, None)},
                  training=[("ft", "d")])
    before = evaluate(effective_terms(lin), use)
    lin.datasets["crawl"] = DatasetNode("crawl", unknown)
    lin.training.append(TrainingLink(onto, "crawl", "pretraining"))
    after = evaluate(effective_terms(lin), use)
    assert after["verdict"] == before["verdict"]
    assert {k: after[k] for k in ("violations", "obligations", "unknowns")} == \
        {k: before[k] for k in ("violations", "obligations", "unknowns")}
    assert len(after["caveats"]) == len(before["caveats"]) + 1


# --- 2. A rights holder's relicensing ends the chain ----------------------------------------------

LLAMA = {"meta-llama/Llama-3.1-8B": "L2", "meta-llama/Llama-3.2-1B": "L3", "acme/tune": "L3"}
LLAMA_EDGES = [("meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.1-8B"), ("acme/tune", "meta-llama/Llama-3.2-1B")]


def test_third_party_finetune_of_a_relicensed_model_inherits_only_the_new_licence():
    lin = lineage("acme/tune", LLAMA, LLAMA_EDGES)
    effective = effective_terms(lin)
    carriers = {g.carrier for g in effective.groups}
    assert carriers == {"acme/tune", "meta-llama/Llama-3.2-1B"}
    [cut] = effective.as_dict()["superseded"]
    assert cut["id"] == "meta-llama/Llama-3.1-8B" and cut["superseded_by"] == "meta-llama/Llama-3.2-1B"
    assert cut["rights_holder"] == "meta-llama"
    assert "AUP-2" not in effective.as_dict()["terms"]["use_restrictions"]["value"]
    assert verdict(lin, train_other_models_on_outputs=True)["verdict"] != "forbidden"  # L2's outputs clause is gone
    assert conflicts(effective) == []


def test_recorded_rights_holder_wins_over_the_organisation_of_the_id():
    models = {"huggyllama/llama-7b": "NC", "meta/llama-2": "MIT", "acme/x": "MIT"}
    edges = [("meta/llama-2", "huggyllama/llama-7b"), ("acme/x", "meta/llama-2")]
    without = effective_terms(lineage("acme/x", models, edges))
    assert "huggyllama/llama-7b" in {g.carrier for g in without.groups}
    held = effective_terms(lineage("acme/x", models, edges, holders={"huggyllama/llama-7b": "meta"}))
    assert "huggyllama/llama-7b" not in {g.carrier for g in held.groups}


def test_only_the_holder_can_cut_and_other_holders_above_the_cut_still_bind():
    # A third party relicensing a Meta model is a conflict, not a cut.
    lin = lineage("acme/tune", {"meta-llama/base": "L2", "acme/tune": "MIT"}, [("acme/tune", "meta-llama/base")])
    assert {g.carrier for g in effective_terms(lin).groups} == {"acme/tune", "meta-llama/base"}
    assert conflicts(effective_terms(lin))
    # Meta's relicensing stops Meta's older licence, not a third party's licence above it.
    lin = lineage("meta-llama/new", {"nc-org/data-model": "NC", "meta-llama/old": "L2", "meta-llama/new": "L3"},
                  [("meta-llama/new", "meta-llama/old"), ("meta-llama/old", "nc-org/data-model")])
    assert {g.carrier for g in effective_terms(lin).groups} == {"meta-llama/new", "nc-org/data-model"}
    assert verdict(lin, commercial=True)["verdict"] == "forbidden"


def test_a_path_around_the_cut_still_binds():
    models = {**LLAMA, "x/merge": "MIT", "y/other": "MIT"}
    edges = LLAMA_EDGES + [("y/other", "meta-llama/Llama-3.1-8B"), ("x/merge", "acme/tune"),
                           ("x/merge", "y/other")]
    effective = effective_terms(lineage("x/merge", models, edges))
    groups = {g.carrier: g for g in effective.groups}
    assert "meta-llama/Llama-3.1-8B" in groups
    assert [hop.id for hop in groups["meta-llama/Llama-3.1-8B"].path] == [
        "x/merge", "y/other", "meta-llama/Llama-3.1-8B"]
    assert effective.as_dict()["superseded"] == []


HOLDERS = st.sampled_from([None, "h1", "h2"])


@settings(max_examples=300, deadline=None)
@given(licences=st.lists(LICENCES, min_size=4, max_size=4), holders=st.lists(HOLDERS, min_size=4, max_size=4),
       edges=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=6), use=USES)
def test_a_rights_holder_cut_never_loosens_a_third_partys_own_licence(licences, holders, edges, use):
    ids = [f"m{i}" for i in range(4)]
    parents = sorted({(ids[a], ids[b]) for a, b in edges if a < b})  # child before parent: acyclic
    models = dict(zip(ids, licences))
    cut = lineage("m0", models, parents, holders={i: h for i, h in zip(ids, holders) if h})
    whole = lineage("m0", models, parents)
    with_cut, without_cut = effective_terms(cut), effective_terms(whole)
    kept = {g.carrier for g in with_cut.groups}
    # The root's own licence, and every ancestor whose holder released nothing below it, always bind.
    assert "m0" in kept
    holder_of = dict(zip(ids, holders))
    for group in without_cut.groups:
        if group.carrier not in kept:
            assert holder_of[group.carrier] is not None
            assert any(holder_of[hop.id] == holder_of[group.carrier] for hop in group.path[:-1]), group.carrier
    # Cutting removes licences only: a verdict forbidden by the root's own licence stays forbidden.
    own_only = evaluate(effective_terms(lineage("m0", {"m0": licences[0]})), use)
    if own_only["verdict"] == "forbidden":
        assert evaluate(with_cut, use)["verdict"] == "forbidden"


def test_a_cut_above_holds_although_the_root_itself_releases_nothing():
    # The root has no licence (so it cuts nothing itself); Meta's own relicensing above it still ends
    # Meta's older licence. (The walk once let an empty cut set switch the cut off for the whole walk.)
    models = {"acme/tune": None, "meta-llama/Llama-3.2-1B": "L3", "meta-llama/Llama-3.1-8B": "L2"}
    lin = lineage("acme/tune", models, LLAMA_EDGES)
    paths, superseded = binding_paths(lin)
    assert ("model", "meta-llama/Llama-3.1-8B") not in paths
    assert [(s.id, s.by) for s in superseded] == [("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.2-1B")]
    assert "AUP-2" not in effective_terms(lin).as_dict()["terms"]["use_restrictions"]["value"]


@settings(max_examples=300, deadline=None)
@given(licences=st.lists(st.sampled_from([None, "MIT", "L2", "L3"]), min_size=5, max_size=5),
       holders=st.lists(HOLDERS, min_size=5, max_size=5),
       edges=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=8),
       trained=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1)), max_size=3),
       generators=st.lists(st.sampled_from([None, 0, 1, 2, 3, 4]), min_size=2, max_size=2))
def test_binding_reach_meets_what_binding_paths_reaches(licences, holders, edges, trained, generators):
    ids = [f"m{i}" for i in range(5)]
    parents = sorted({(ids[a], ids[b]) for a, b in edges if a < b})
    datasets = {f"d{j}": ("MIT", ids[g] if g is not None else None) for j, g in enumerate(generators)}
    lin = lineage("m0", dict(zip(ids, licences)), parents, datasets=datasets,
                  training=sorted({(ids[m], f"d{d}") for m, d in trained}),
                  holders={i: h for i, h in zip(ids, holders) if h})
    for root in ids:
        at = lineage(root, dict(zip(ids, licences)), parents, datasets=datasets,
                     training=[(t.model, t.dataset) for t in lin.training],
                     holders={i: h for i, h in zip(ids, holders) if h})
        ancestry = binding_paths(lineage(root, dict(zip(ids, licences)), parents,
                                         holders={i: h for i, h in zip(ids, holders) if h}))[0]
        full = binding_paths(at)[0]
        reach = binding_reach(lin, root)
        assert reach.ancestors == {c for k, c in ancestry if k == "model"}
        assert reach.datasets == {c for k, c in full if k == "dataset"}
        assert reach.generators == {c for k, c in full if k == "model"} - reach.ancestors


# --- 3. Conflicts compare what is known -----------------------------------------------------------

def test_conflict_found_although_other_inherited_terms_are_unknown():
    lin = lineage("acme/ft", {"meta/base": "L3", "acme/ft": "MIT"}, [("acme/ft", "meta/base")],
                  datasets={"d1": (None, None), "d2": ("UNK", None)}, training=[("acme/ft", "d1"), ("acme/ft", "d2")])
    for mode in ("caveat", "strict"):
        found = {c["term"]: c for c in conflicts(effective_terms(lin, training_data=mode))}
        assert {"commercial_use", "max_monthly_active_users", "use_restrictions"} <= set(found), mode
        assert found["use_restrictions"]["inherited"] == ["AUP-3"]
        assert {s["imposed_by"]["id"] for s in found["commercial_use"]["sources"]} == {"meta/base"}
    # An unknown ancestor alongside a known one: the known one's terms still conflict.
    lin = lineage("acme/m", {"x/unk": "UNK", "y/nc": "NC", "acme/m": "MIT"}, [("acme/m", "x/unk"), ("acme/m", "y/nc")])
    assert "commercial_use" in {c["term"] for c in conflicts(effective_terms(lin))}


def test_an_or_with_an_unknown_branch_is_no_conflict():
    licences = {**STANDARD}
    lin = lineage("acme/ft", {"x/base": "NC OR UNK", "acme/ft": "MIT"}, [("acme/ft", "x/base")], licences=licences)
    assert "commercial_use" not in {c["term"] for c in conflicts(effective_terms(lin))}


# --- 4. No derivatives is a term ------------------------------------------------------------------

def test_sharing_an_adaptation_of_no_derivatives_material_is_forbidden():
    for lin in (
        lineage("ft", {"base": "ND", "ft": "MIT"}, [("ft", "base")]),
        lineage("ft", {"ft": "MIT"}, datasets={"d": ("ND", None)}, training=[("ft", "d")]),
    ):
        shared = verdict(lin, redistribute_weights=True)
        assert shared["verdict"] == "forbidden"
        assert shared["violations"][0]["term"] == "derivatives"
        assert verdict(lin, commercial=True)["verdict"] != "forbidden"  # using it without sharing is another matter
        assert "derivatives" in {c["term"] for c in conflicts(effective_terms(lin))}


def test_the_no_derivatives_work_itself_may_be_shared_unmodified():
    result = verdict(lineage("x", {"x": "ND"}), redistribute_weights=True)
    assert result["verdict"] == "permitted_with_obligations"
    assert any(o["term"] == "derivatives" and "unmodified" in o["message"] for o in result["obligations"])


def test_model_node_holder_defaults_to_the_hub_organisation():
    assert ModelNode("Meta-Llama/x", "MIT").holder() == "meta-llama"
    assert ModelNode("gpt2", "MIT").holder() is None
    assert ModelNode("huggyllama/llama-7b", "MIT", rights_holder="Meta-Llama").holder() == "meta-llama"
    assert not ModelNode("acme/x", "MIT", placeholder=True).releases_own_licence()
    assert not ModelNode("acme/x", None).releases_own_licence()


def test_provenance_paths_reach_every_record_the_cut_leaves_out():
    from api.domain.lineage import provenance_paths

    lin = lineage("acme/tune", LLAMA, LLAMA_EDGES)
    assert ("model", "meta-llama/Llama-3.1-8B") in provenance_paths(lin)
    assert ("model", "meta-llama/Llama-3.1-8B") not in binding_paths(lin)[0]
