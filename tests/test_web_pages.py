"""The web view rendered through the real app on SQLite and PostgreSQL: content, escaping, forms, paging."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from api.store.db import get_engine
from api.store.tables import LanguageModel, ModelLicence, ParentEdge
from api.web.words import verdict_words
from tests.helpers import PROBLEM, post_licence, post_model

SRC = "https://example.org/base-licence"
HOSTILE_NAME = "<script>alert('card')</script>"
HOSTILE_NOTE = '<img src=x onerror="alert(1)">'
HTML = {"Accept": "text/html"}


def esc(text: str) -> str:
    """As the templates escape it."""
    return str(escape(text))


def fact(value, anchor: str, note: str | None = None) -> dict:
    return {"value": value, "source": f"{SRC}#{anchor}", "note": note}


@pytest.fixture
def family(app, client):
    """acme/base (a binding licence that forbids commercial use) ← acme/mid (finetune) ← acme/leaf (adapter),
    with a hostile model name and licence note; acme/leaf has 30 direct descendants."""
    post_licence(client, "LicenseRef-test-base", name="Base <b>licence</b>", aliases=["base-lic"],
                 url="https://example.org/base-licence.txt",
                 binds_derivatives=fact(True, "binds"),
                 terms={
                     "commercial_use": fact("forbidden", "commercial", HOSTILE_NOTE),
                     "research_only": fact(False, "research"),
                     "max_monthly_active_users": fact(None, "mau"),
                     "redistribution": fact("conditional", "redistribution", "keep the notice"),
                     "outputs_train_other_models": fact("forbidden", "outputs"),
                     "share_alike": fact(False, "share"),
                     "attribution": fact(["Built with Base"], "attribution"),
                     "derivative_name_prefix": fact([], "prefix"),
                     "use_restrictions": fact(["Base Acceptable Use Policy"], "aup"),
                     "include_license_text": fact(True, "text"),
                     "derivatives": fact("allowed", "derivatives"),
                 })
    post_licence(client, "LicenseRef-test-open", name="Open test licence", binds_derivatives=fact(False, "o-binds"),
                 terms={term: fact(value, f"o-{term}") for term, value in {
                     "commercial_use": "allowed", "research_only": False, "max_monthly_active_users": None,
                     "redistribution": "allowed", "outputs_train_other_models": "allowed", "share_alike": False,
                     "attribution": [], "derivative_name_prefix": [], "use_restrictions": [],
                     "include_license_text": False, "derivatives": "allowed"}.items()})
    post_model(client, "acme/base", license="LicenseRef-test-base", name="Acme Base", rights_holder="base-corp")
    post_model(client, "acme/mid", license="LicenseRef-test-open",
               parents=[{"id": "acme/base", "relation": "finetune", "source": "https://example.org/mid-card"}])
    post_model(client, "acme/leaf", license="LicenseRef-test-open", name=HOSTILE_NAME,
               parents=[{"id": "acme/mid", "relation": "adapter", "source": "https://example.org/leaf-card"}])
    children = [f"kids/c{i:02d}" for i in range(30)]
    with get_engine(app).begin() as connection:
        connection.execute(insert(LanguageModel), [{"id": c, "license": "LicenseRef-test-open", "placeholder": False,
                                                    "sources": {}, "version": 1} for c in children])
        connection.execute(insert(ModelLicence), [{"model_id": c, "licence_id": "LicenseRef-test-open"}
                                                  for c in children])
        connection.execute(insert(ParentEdge), [{"child_id": c, "parent_id": "acme/leaf", "relation": "quantized"}
                                                for c in children])
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url, headers=HTML)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_model_page_shows_verdict_every_ancestor_and_every_restrictions_source(family):
    text = page(family, "/models/acme/leaf")
    assert "Commercial use: Forbidden" in text
    # Each ancestor: linked from the diagram (a node) and from the ancestors table, with the relation on the edge.
    svg = text[text.index("<svg"):text.index("</svg>")]
    for ancestor in ("acme/mid", "acme/base"):
        assert f'href="/models/{ancestor}"' in svg
        assert re.search(rf'<td><a href="/models/{ancestor}">{ancestor}</a></td>', text)
    assert ">finetune</text>" in svg and ">adapter</text>" in svg
    assert svg.count("✗ Forbidden") >= 3  # base, mid, leaf all forbidden for commercial use
    # Every restriction in the effective terms is shown with its licence, its source and its path.
    terms = family.get("/v1/models/acme/leaf/terms").json["terms"]
    sources = [s for term in terms.values() for s in term["sources"]]
    assert len(sources) >= 6
    for source in sources:
        assert esc(source["source"]) in text, source
        assert f'href="/licenses/{source["license"]}"' in text
    assert '<span class="hop">acme/leaf</span>' in text and '<span class="hop">acme/base</span>' in text
    row = text[text.index('<th scope="row">Commercial use</th>'):]
    row = row[:row.index("</tr>")]
    assert "forbidden" in row and f"{SRC}#commercial" in row
    # Links to the machine-readable forms and the licence pages.
    for link in ("/v1/models/acme/leaf/bom", "/v1/models/acme/leaf/lineage?format=mermaid",
                 "/v1/models/acme/leaf/lineage?format=dot", '"/v1/models/acme/leaf"', "/licenses/LicenseRef-test-open"):
        assert link in text, link


def test_hostile_card_text_ids_and_queries_are_shown_not_run(app, family):
    with Session(get_engine(app)) as session:
        session.execute(update(LanguageModel).where(LanguageModel.id == "acme/leaf")
                        .values(sources={"license": "javascript:alert(2)"}))
        session.commit()
    model_page = page(family, "/models/acme/leaf")
    assert esc(HOSTILE_NAME) in model_page
    assert esc(HOSTILE_NOTE) in model_page  # the licence's note, quoted in the terms table
    assert "<script" not in model_page and "<img" not in model_page
    assert 'href="javascript:' not in model_page and "javascript:alert(2)" in model_page  # shown as text only
    licence_page = page(family, "/licenses/LicenseRef-test-base")
    assert "Base &lt;b&gt;licence&lt;/b&gt;" in licence_page and "<b>licence" not in licence_page
    assert "<img" not in licence_page
    search = page(family, "/?q=%3Cscript%3Ealert(3)%3C/script%3E")
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in search and "<script" not in search
    found = page(family, "/?q=acme/leaf")
    assert esc(HOSTILE_NAME) in found and "<script" not in found
    missing = page(family, "/models/%3Cscript%3Ealert(4)%3C/script%3E", status=404)
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in missing and "<script" not in missing
    response = family.get("/models/acme/leaf")
    assert "script-src" not in response.headers["Content-Security-Policy"]  # no script may run at all
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_use_form_shows_the_same_verdict_as_the_api_with_violations_and_obligations(family):
    text = page(family, "/models/acme/leaf?evaluate=1&commercial=1&users=1000&redistribute=1")
    verdict = text[text.index('id="verdict"'):]
    assert "Verdict:" in verdict and "Forbidden" in verdict[:600]
    api = family.get("/v1/models/acme/leaf/permitted-use?commercial=true&monthly_active_users=1000"
                     "&redistribute_weights=true").json
    assert api["verdict"] == "forbidden"
    for finding in api["violations"] + api["obligations"]:
        assert esc(finding["message"]) in verdict, finding["message"]
    assert "commercial use is forbidden" in verdict and "show the notice: Built with Base" in verdict
    assert 'id="use-commercial" name="commercial" value="1" checked' in text
    assert 'id="use-users" name="users" value="1000"' in text
    # Nothing asked but the use policies: permitted with obligations.
    plain = page(family, "/models/acme/leaf?evaluate=1")
    assert "Verdict:" in plain and "Permitted with obligations" in plain[plain.index('id="verdict"'):]
    # The strict training-data box is accepted and kept ticked.
    strict = page(family, "/models/acme/leaf?evaluate=1&commercial=1&training_data=strict")
    assert 'name="training_data" value="strict" checked' in strict and "Verdict:" in strict


def test_use_form_errors_are_explained_on_the_page(family):
    text = page(family, "/models/acme/leaf?evaluate=1&users=lots", status=422)
    assert 'aria-invalid="true"' in text and "Enter a whole number of monthly active users" in text
    assert "Verdict:" not in text
    text = page(family, "/models/acme/leaf?evaluate=1&training_data=loose", status=422)
    assert "training_data can only be" in text


def test_descendants_are_counted_drawn_in_part_and_paged(family):
    text = page(family, "/models/acme/leaf")
    assert "30 direct descendants below" in text
    svg = text[text.index("<svg"):text.index("</svg>")]
    drawn = re.findall(r'href="/models/(kids/c\d\d)"', svg)
    assert drawn == [f"kids/c{i:02d}" for i in range(6)]
    assert "and 24 more direct descendants" in text
    first = re.findall(r'<td><a href="/models/(kids/c\d\d)">', text)
    assert first == [f"kids/c{i:02d}" for i in range(25)]
    following = re.search(r'href="(/models/acme/leaf\?children_after=[^"#]+)#descendants"', text).group(1)
    rest = page(family, html.unescape(following))
    assert re.findall(r'<td><a href="/models/(kids/c\d\d)">', rest) == [f"kids/c{i:02d}" for i in range(25, 30)]
    assert "Next descendants" not in rest
    # A child's page draws its parent above it.
    child = page(family, "/models/kids/c03")
    assert 'href="/models/acme/leaf"' in child[child.index("<svg"):] and ">quantized</text>" in child


def test_licence_page_terms_in_words_aliases_source_and_paged_models(app, family):
    many = [f"bulk/m{i:03d}" for i in range(60)]
    with get_engine(app).begin() as connection:
        connection.execute(insert(LanguageModel), [{"id": m, "license": "LicenseRef-test-base", "placeholder": False,
                                                    "sources": {}, "version": 1} for m in many])
        connection.execute(insert(ModelLicence), [{"model_id": m, "licence_id": "LicenseRef-test-base"} for m in many])
    text = page(family, "/licenses/LicenseRef-test-base")
    assert "<code>base-lic</code>" in text
    assert 'href="https://example.org/base-licence.txt"' in text
    assert "yes: its terms flow to models derived from it" in text
    for label, words in (("Commercial use", "forbidden"), ("Notices to show", "Built with Base"),
                         ("Monthly active users cap", "no cap"), ("Include the licence text", "yes"),
                         ("Redistributing the weights", "conditional")):
        row = text[text.index(f'<th scope="row">{label}</th>'):]
        assert words in row[:row.index("</tr>")], label
    assert f"{SRC}#commercial" in text and "keep the notice" in text
    assert "Models declared under it (61)" in text
    listed = re.findall(r'<li><a href="/models/([^"]+)">', text)
    assert listed[0] == "acme/base" and len(listed) == 50
    following = re.search(r'href="(/licenses/LicenseRef-test-base\?after=[^"#]+)#models"', text).group(1)
    rest = re.findall(r'<li><a href="/models/([^"]+)">', page(family, html.unescape(following)))
    assert len(rest) == 11 and rest[-1] == "bulk/m059" and not set(rest) & set(listed)


def test_licence_spellings_redirect_to_the_canonical_page(family):
    british = family.get("/licences/LicenseRef-test-base?after=x")
    assert british.status_code == 301 and british.headers["Location"] == "/licenses/LicenseRef-test-base?after=x"
    alias = family.get("/licenses/base-lic")
    assert alias.status_code == 301 and alias.headers["Location"] == "/licenses/LicenseRef-test-base"
    missing = family.get("/licenses/LicenseRef-nope", headers=HTML)
    assert missing.status_code == 404 and "LicenseRef-nope" in missing.get_data(as_text=True)


def test_unknown_model_is_a_page_for_people_and_problem_json_for_programs(family):
    text = page(family, "/models/acme/nothing", status=404)
    assert "model &#39;acme/nothing&#39; does not exist" in text
    response = family.get("/models/acme/nothing", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert response.json["detail"] == "model 'acme/nothing' does not exist"
    assert page(family, "/?page=0", status=400).count("must be a whole number") == 1


def test_model_ids_differing_in_case_redirect_to_the_stored_id(family):
    response = family.get("/models/ACME/Leaf?evaluate=1")
    assert response.status_code == 301 and response.headers["Location"] == "/models/acme/leaf?evaluate=1"


def test_home_page_links_to_docs_and_docs_link_back(family):
    text = page(family, "/")
    assert 'href="/docs"' in text and "May we use this model?" in text
    assert "[web view](/)" in family.get("/openapi.json").json["info"]["description"]
    css = family.get("/web-static/pedigree.css")
    assert css.status_code == 200 and ".verdict-forbidden" in css.get_data(as_text=True)


def _result_ids(text: str) -> list[str]:
    return re.findall(r'<span class="result-id"><a href="/models/[^"]+">([^<]+)</a>', text)


def test_search_ranks_exact_id_then_organisation_then_prefix(catalogue_client):
    llama = page(catalogue_client, "/?q=llama")
    ids = _result_ids(llama)
    total = int(re.search(r"(\d+) models match", llama).group(1))
    assert total > len(ids) == 20  # paged
    meta = [i for i in ids if i.startswith("meta-llama/")]
    assert meta and ids[:len(meta)] == meta  # meta-llama's own models first
    exact = _result_ids(page(catalogue_client, "/?q=lmsys/vicuna-7b-v1.3"))
    assert exact[0] == "lmsys/vicuna-7b-v1.3"
    vicuna = _result_ids(page(catalogue_client, "/?q=vicuna"))
    assert vicuna and all("vicuna" in i.lower() for i in vicuna)
    second = _result_ids(page(catalogue_client, "/?q=llama&page=2"))
    assert second and not set(second) & set(ids)


def test_search_by_licence_alias_lists_the_licence_and_its_models_with_verdict_badges(catalogue_client):
    text = page(catalogue_client, "/?q=llama2")
    assert 'href="/licenses/LicenseRef-scancode-llama-2-license-2023"' in text
    assert "meta-llama/Llama-2-7b-hf" in _result_ids(text)
    vicuna = page(catalogue_client, "/?q=lmsys/vicuna-7b-v1.3")
    first = vicuna[vicuna.index('<span class="result-id">'):]
    first = first[:first.index("</li>")]
    assert "Commercial use: Forbidden" in first and "✗" in first


def test_catalogue_model_pages_render_on_both_backends(catalogue_client):
    text = page(catalogue_client, "/models/lmsys/vicuna-7b-v1.3?evaluate=1&commercial=1")
    assert "huggyllama/llama-7b" in text
    assert "LicenseRef-scancode-llama-license-2023" in text
    assert "Forbidden" in text[text.index('id="verdict"'):]


def test_a_conflict_is_highlighted_with_its_source(catalogue_client):
    text = page(catalogue_client, "/models/NousResearch/Nous-Hermes-Llama2-13b")
    attention = text[text.index('id="attention-heading"'):text.index('id="terms-heading"')]
    assert 'class="callout conflict"' in attention
    assert "Conflict — Commercial use:" in attention and "<code>MIT</code>" in attention
    assert 'href="/licenses/LicenseRef-scancode-llama-2-license-2023"' in attention
    api = catalogue_client.get("/v1/models/NousResearch/Nous-Hermes-Llama2-13b/permitted-use?commercial=true").json
    assert f"Commercial use: {verdict_words(api['verdict'])}" in text


def test_training_data_caveat_shown_and_strict_checkbox_counts_it_unknown(client):
    post_licence(client, "LicenseRef-test-open", binds_derivatives=fact(False, "o-binds"),
                 terms={term: fact(value, f"o-{term}") for term, value in {
                     "commercial_use": "allowed", "research_only": False, "max_monthly_active_users": None,
                     "redistribution": "allowed", "outputs_train_other_models": "allowed", "share_alike": False,
                     "attribution": [], "derivative_name_prefix": [], "use_restrictions": [],
                     "include_license_text": False, "derivatives": "allowed"}.items()})
    client.post("/v1/datasets", json={"id": "crawl/web-dump"})
    post_model(client, "acme/crawled", license="LicenseRef-test-open",
               datasets=[{"id": "crawl/web-dump", "stage": "pretraining"}])
    text = html.unescape(page(client, "/models/acme/crawled?evaluate=1&commercial=on"))
    assert "Caveat (training data license unknown)" in text and "crawl/web-dump" in text
    verdict_line = re.compile(r"<h3>Verdict: (.*?)</h3>", re.S)
    assert "Permitted" in verdict_line.search(text).group(1)
    strict = html.unescape(page(client, "/models/acme/crawled?evaluate=1&commercial=on&training_data=strict"))
    api = client.get("/v1/models/acme/crawled/permitted-use?commercial=true&training_data=strict").json
    assert api["verdict"] == "unknown"
    assert "Unknown" in verdict_line.search(strict).group(1)
    lenient = client.get("/v1/models/acme/crawled/permitted-use?commercial=true").json
    assert lenient["verdict"] == "permitted"
