"""Effective terms, verdicts and conflicts as pure functions over hand-built graphs."""

from api.domain.conflicts import conflicts
from api.domain.in_force import licence_in_force
from api.domain.terms import effective_terms
from api.domain.verdicts import Use, evaluate
from tests.domain_builders import lineage


def values(lin, **kwargs):
    return {name: term["value"] for name, term in effective_terms(lin, **kwargs).as_dict()["terms"].items()}


def verdict(lin, **use):
    return evaluate(effective_terms(lin), Use(**use))


def test_chain_inherits_binding_terms_with_path():
    lin = lineage("c", {"a": "NC", "b": "MIT", "c": "MIT"}, [("c", "b"), ("b", "a")])
    terms = effective_terms(lin).as_dict()["terms"]
    assert terms["commercial_use"]["value"] == "forbidden"
    source = terms["commercial_use"]["sources"][0]
    assert source["license"] == "NC" and source["imposed_by"] == {"kind": "model", "id": "a"}
    assert source["path"] == ["c", "b", "a"] and source["via"] == ["finetune", "finetune"]
    assert "imposed by NC on model a, via c → b → a" in source["explanation"]


def test_non_binding_ancestor_passes_on_only_notices():
    lin = lineage("b", {"a": "MIT", "b": "NC"}, [("b", "a")])
    terms = effective_terms(lin).as_dict()["terms"]
    assert terms["attribution"]["value"] == ["MIT notice"]
    assert terms["include_license_text"]["value"] is True
    assert terms["commercial_use"]["value"] == "forbidden"  # from b's own licence
    assert all(s["license"] == "NC" for s in terms["commercial_use"]["sources"])


def test_diamond_counts_the_shared_ancestor_once():
    lin = lineage("d", {"a": "L2", "b": "MIT", "c": "MIT", "d": "MIT"},
                  [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")])
    terms = effective_terms(lin).as_dict()["terms"]
    assert terms["max_monthly_active_users"]["value"] == 700_000_000
    assert [s["imposed_by"]["id"] for s in terms["max_monthly_active_users"]["sources"]] == ["a"]
    assert terms["max_monthly_active_users"]["sources"][0]["path"] == ["d", "b", "a"]


def test_merge_of_conflicting_parents_takes_the_strictest_of_each():
    lin = lineage("m", {"p1": "NC", "p2": "L3", "m": "MIT"}, [("m", "p1"), ("m", "p2")])
    v = values(lin)
    assert v["commercial_use"] == "forbidden" and v["research_only"] is True
    assert v["derivative_name_prefix"] == ["Llama"] and v["max_monthly_active_users"] == 700_000_000
    assert set(v["use_restrictions"]) == {"AUP-3", "non-commercial"}
    assert v["outputs_train_other_models"] == "restricted"


def test_dataset_licence_binds_and_generator_output_terms_flow():
    lin = lineage("m", {"m": "MIT", "gen": "OUT"}, datasets={"d": ("SA", "gen")}, training=[("m", "d")])
    terms = effective_terms(lin).as_dict()["terms"]
    assert terms["share_alike"]["value"] is True
    assert terms["share_alike"]["sources"][0]["imposed_by"] == {"kind": "dataset", "id": "d"}
    assert terms["outputs_train_other_models"]["value"] == "forbidden"
    out = terms["outputs_train_other_models"]["sources"][0]
    assert out["role"] == "generator" and out["path"] == ["m", "d", "gen"]
    assert out["via"] == ["trained_on:finetuning", "generated_by"]
    # The generator's own commercial restriction is about using the generator, not its outputs.
    assert terms["commercial_use"]["value"] == "allowed"
    assert values(lin, include_training_data=False)["share_alike"] is False


def test_or_lets_the_user_choose_and_and_applies_both():
    either = lineage("m", {"m": "NC OR MIT"})
    assert values(either)["commercial_use"] == "allowed"
    chosen = verdict(either, commercial=True)
    assert chosen["verdict"] == "permitted_with_obligations" and not chosen["violations"]
    assert {o["provenance"]["license"] for o in chosen["obligations"]} == {"MIT"}
    both = lineage("m", {"m": "NC AND MIT"})
    assert values(both)["commercial_use"] == "forbidden"
    assert verdict(both, commercial=True)["verdict"] == "forbidden"


def test_or_branch_is_chosen_per_use_not_per_term():
    from tests.domain_builders import STANDARD, licence

    licences = {**STANDARD,
                "A": licence("A", commercial_use="forbidden"),
                "B": licence("B", redistribution="forbidden")}
    lin = lineage("m", {"m": "A OR B"}, licences=licences)
    assert verdict(lin, commercial=True)["verdict"] == "permitted"
    assert verdict(lin, redistribute_weights=True)["verdict"] == "permitted"
    # Neither branch allows both at once, though each term alone has a permissive branch.
    assert verdict(lin, commercial=True, redistribute_weights=True)["verdict"] == "forbidden"


def test_unknown_licence_anywhere_makes_dependent_verdicts_unknown():
    for lin in (
        lineage("c", {"a": "UNK", "b": "MIT", "c": "MIT"}, [("c", "b"), ("b", "a")]),
        lineage("c", {"a": None, "c": "MIT"}, [("c", "a")]),
        lineage("c", {"a": "MIT", "c": "MIT"}, [("c", "a")], placeholders={"a"}),
        lineage("c", {"a": "Gone-1.0", "c": "MIT"}, [("c", "a")]),
    ):
        result = verdict(lin, commercial=True)
        assert result["verdict"] == "unknown", result
        assert result["unknowns"]
    # A known prohibition still decides: forbidden is certain whatever else is unknown.
    lin = lineage("c", {"a": "UNK", "b": "NC", "c": "MIT"}, [("c", "a"), ("c", "b")])
    assert verdict(lin, commercial=True)["verdict"] == "forbidden"


def test_use_verdicts_with_obligations_and_mau_cap():
    lin = lineage("ft", {"base": "L2", "ft": "L2"}, [("ft", "base")])
    small = verdict(lin, commercial=True, monthly_active_users=1000)
    assert small["verdict"] == "permitted_with_obligations"
    terms = {o["term"] for o in small["obligations"]}
    assert {"commercial_use", "use_restrictions", "attribution", "max_monthly_active_users"} <= terms
    big = verdict(lin, commercial=True, monthly_active_users=800_000_000)
    assert big["verdict"] == "forbidden"
    assert big["violations"][0]["term"] == "max_monthly_active_users"
    assert verdict(lin, train_other_models_on_outputs=True)["verdict"] == "forbidden"
    distributed = verdict(lineage("x", {"x": "L3"}), redistribute_weights=True)
    assert any("begin with 'Llama'" in o["message"] for o in distributed["obligations"])
    assert verdict(lineage("x", {"x": "MIT"}))["verdict"] == "permitted"


def test_research_only_licence():
    lin = lineage("x", {"x": "NC"})
    assert verdict(lin, research_only=True)["verdict"] == "permitted_with_obligations"
    assert verdict(lin, research_only=False)["verdict"] == "forbidden"


def test_conflicts_name_term_declared_inherited_and_source():
    lin = lineage("ft", {"base": "L2", "ft": "MIT"}, [("ft", "base")])
    found = {c["term"]: c for c in conflicts(effective_terms(lin))}
    assert set(found) == {"commercial_use", "max_monthly_active_users", "outputs_train_other_models", "redistribution",
                          "use_restrictions"}
    assert found["commercial_use"]["declared"] == "allowed"
    assert found["commercial_use"]["inherited"] == "conditional"
    assert found["commercial_use"]["sources"][0]["imposed_by"]["id"] == "base"
    assert conflicts(effective_terms(lineage("ft", {"base": "L2", "ft": "L2"}, [("ft", "base")]))) == []


def test_same_organisation_relicensing_is_not_a_conflict():
    """Without a recorded rights holder, the Hub organisation of the id stands for it."""
    lin = lineage("meta/new", {"meta/old": "L2", "meta/new": "MIT"}, [("meta/new", "meta/old")])
    assert conflicts(effective_terms(lin)) == []
    lin = lineage("acme/new", {"meta/old": "L2", "acme/new": "MIT"}, [("acme/new", "meta/old")])
    assert conflicts(effective_terms(lin))


def test_licence_in_force_as_of():
    history = [{"license": "TII", "effective_from": "2023-05-24"}, {"license": "Apache-2.0", "effective_from": "2023-05-31"}]
    assert licence_in_force("Apache-2.0", history, None) == "Apache-2.0"
    assert licence_in_force("Apache-2.0", history, "2023-05-28") == "TII"
    assert licence_in_force("Apache-2.0", history, "2023-05-31") == "Apache-2.0"
    assert licence_in_force("Apache-2.0", history, "2023-01-01") is None
    assert licence_in_force("MIT", [], "2020-01-01") == "MIT"
