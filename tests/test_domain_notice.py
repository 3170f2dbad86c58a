"""The notice and the concluded licence as pure functions, on hand-built lineages."""

from api.domain.concluded import concluded_expression
from api.domain.notice import LicenceInfo, PolicyInfo, build_notice
from api.domain.notice_render import markdown, text
from api.domain.terms import effective_terms
from api.domain.verdicts import Use
from tests.domain_builders import STANDARD, licence, lineage

INFO = {"SA": LicenceInfo("SA", "Share Alike", "https://example.org/SA", text_shipped=True),
        "MIT": LicenceInfo("MIT", "MIT", "https://example.org/MIT")}


def test_each_dataset_behind_a_duty_is_named_and_reasons_merge():
    licences = {**STANDARD, "SA": licence("SA", share_alike=True, include_license_text=True, attribution=["credit"])}
    tree = lineage("me/model", {"me/model": "MIT"}, datasets={"d/one": ("SA", None), "d/two": ("SA", None)},
                   training=[("me/model", "d/one"), ("me/model", "d/two")], licences=licences)
    notice = build_notice(effective_terms(tree), None, INFO, {})
    texts = {entry["license"]: entry for entry in notice["license_texts"]}
    assert texts["SA"]["reasons"] == ["include_license_text", "share_alike"]
    assert texts["SA"]["file"] == "licenses/SA.txt" and texts["MIT"]["file"] is None
    assert texts["MIT"]["url"] == "https://example.org/MIT"
    share, = notice["share_alike"]
    assert [c["id"] for c in share["required_by"]] == ["d/one", "d/two"]
    credit = next(e for e in notice["attribution"] if e["notice"] == "credit")
    assert [c["id"] for c in credit["required_by"]] == ["d/one", "d/two"]


def test_an_or_takes_the_branch_the_use_needs():
    tree = lineage("me/model", {"me/model": "MIT OR NC"})
    notice = build_notice(effective_terms(tree), Use(commercial=True), INFO, {})
    assert notice["verdict"] == "permitted_with_obligations"
    assert [e["license"] for e in notice["attribution"]] == ["MIT"] and notice["use_policies"] == []


def test_a_known_policy_gets_its_link_else_the_licence_link():
    tree = lineage("me/model", {"me/model": "L2", "base/l3": "L3"}, parents=[("me/model", "base/l3")])
    info = {"L3": LicenceInfo("L3", "L3", "https://example.org/L3")}
    notice = build_notice(effective_terms(tree), None, info, {"AUP-2": PolicyInfo("AUP-2", "https://example.org/aup")})
    links = {e["policy"]: e["url"] for e in notice["use_policies"]}
    assert links == {"AUP-2": "https://example.org/aup", "AUP-3": "https://example.org/L3"}
    prefix, = notice["name_prefixes"]
    assert prefix["prefix"] == "Llama" and prefix["required_by"][0]["path"] == ["me/model", "base/l3"]


def test_caveats_are_rendered_when_present():
    tree = lineage("me/model", {"me/model": "MIT"})
    notice = build_notice(effective_terms(tree), None, INFO, {})
    notice["caveats"] = [{"kind": "training_data_license_unknown", "dataset": "web/crawl",
                          "message": "web/crawl has no licence on record; the weights' licence is read as governing"}]
    for rendering in (text(notice), markdown(notice)):
        assert "Caveats" in rendering and "web/crawl has no licence on record" in rendering
    notice["caveats"] = []
    assert "Caveats" not in text(notice)


def test_concluded_expression_joins_what_is_inherited():
    tree = lineage("me/model", {"me/model": "MIT", "base/x": "L2 OR NC"}, parents=[("me/model", "base/x")],
                   datasets={"d/sa": ("SA", None), "d/none": (None, None)},
                   training=[("me/model", "d/sa"), ("me/model", "d/none")])
    assert concluded_expression(effective_terms(tree)) == "MIT AND (L2 OR NC) AND SA"
    alone = lineage("me/model", {"me/model": "L2 OR NC"})
    assert concluded_expression(effective_terms(alone)) == "L2 OR NC"
    unknown_base = lineage("me/model", {"me/model": "MIT", "base/x": None}, parents=[("me/model", "base/x")])
    assert concluded_expression(effective_terms(unknown_base)) is None
