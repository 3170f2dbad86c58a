"""Any model on the Hub: the real huggingface_hub client against the stand-in Hub on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.store.db import get_engine
from api.store.tables import HubRecord
from tests.conftest import _migrated_app, load_catalogue_licences
from tests.helpers import assert_problem
from tests.hub_standin import Recorder, Served, StandInHub
from tests.server import free_port

GGUF = "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"
INSTRUCT = "meta-llama/Llama-3.1-8B-Instruct"
FORMER_INSTRUCT = "meta-llama/Meta-Llama-3.1-8B-Instruct"
BASE = "meta-llama/Llama-3.1-8B"
MERGE = "djward888/mergekit-slerp-cnxcquj"


@pytest.fixture
def hub():
    standin = StandInHub.from_fixtures()
    served = Served(standin)
    yield standin
    served.stop()


def _hub_app(database, endpoint: str, **extra):
    settings = {"PEDIGREE_HUB": "on-demand", "PEDIGREE_HUB_ENDPOINT": endpoint, "PEDIGREE_HUB_TIMEOUT": "1",
                "PEDIGREE_HUB_REFRESH_TIMEOUT": "0.5", "PEDIGREE_HUB_MAX_RETRY_WAIT": "3", **extra}
    app = _migrated_app(database, **settings)
    load_catalogue_licences(app)
    return app


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKEN']}"
    return client


@pytest.fixture
def hub_app(database, hub):
    app = _hub_app(database, hub.base)
    yield app
    get_engine(app).dispose()


@pytest.fixture
def api(hub_app):
    return _client(hub_app)


def _age(app, model_id: str, days: int = 30) -> None:
    """Make a Hub record older than PEDIGREE_HUB_TTL (7 days)."""
    with Session(get_engine(app)) as session:
        session.execute(update(HubRecord).where(HubRecord.model_id == model_id)
                        .values(fetched_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)))
        session.commit()


def test_three_level_lineage_resolved_with_provenance(api, hub):
    response = api.get(f"/v1/models/{GGUF}/ancestors")
    assert response.status_code == 200, response.json
    ancestors = {a["id"]: a for a in response.json["data"]}
    assert set(ancestors) == {INSTRUCT, BASE}
    assert ancestors[INSTRUCT]["depth"] == 1 and ancestors[BASE]["depth"] == 2

    model = api.get(f"/v1/models/{GGUF}").json
    sha = hub.repos[GGUF.lower()].sha
    assert model["provenance"] == "hub" and model["hub"]["commit"] == sha and model["hub"]["fetched_at"]
    assert model["parents"] == [{"id": INSTRUCT, "relation": "quantized",
                                 "source": f"{hub.base}/{GGUF}/blob/{sha}/README.md"}]
    assert model["sources"]["license"] == f"{hub.base}/{GGUF}/blob/{sha}/README.md"
    assert model["license"] == "LicenseRef-scancode-llama-3.1-license-2024"
    base = api.get(f"/v1/models/{BASE}").json
    assert base["hub"]["gated"] == "manual" and base["placeholder"] is False

    verdict = api.get(f"/v1/models/{GGUF}/permitted-use?commercial=true").json
    assert verdict["verdict"] == "permitted_with_obligations", verdict
    # a second read is answered from the database: the Hub is not asked again
    asked = len(hub.model_requests())
    assert api.get(f"/v1/models/{GGUF}/terms").status_code == 200
    assert api.get(f"/v1/models/{GGUF}/bom").status_code == 200
    assert len(hub.model_requests()) == asked


def test_rename_is_followed_and_the_former_id_answers(api, hub):
    response = api.get(f"/v1/models/{FORMER_INSTRUCT}")
    assert response.status_code == 200, response.json
    assert response.json["id"] == INSTRUCT and FORMER_INSTRUCT in response.json["aliases"]
    assert api.get(f"/v1/models/{INSTRUCT}/ancestors").json["data"][0]["id"] == BASE
    asked = len(hub.model_requests())
    assert api.get(f"/v1/models/{FORMER_INSTRUCT}/lineage").status_code == 200
    assert len(hub.model_requests()) == asked


def test_case_insensitive_ids(api, hub):
    response = api.get("/v1/models/BARTOWSKI/meta-llama-3.1-8b-instruct-gguf")
    assert response.status_code == 200, response.json
    assert response.json["id"] == GGUF
    asked = len(hub.model_requests())
    assert api.get(f"/v1/models/{GGUF}").json["id"] == GGUF
    assert len(hub.model_requests()) == asked


def test_merge_resolves_every_parent(api, hub):
    graph = api.get(f"/v1/models/{MERGE}/ancestors").json["data"]
    found = {a["id"]: a["depth"] for a in graph}
    assert found == {"NousResearch/Hermes-2-Pro-Mistral-7B": 1, "meta-llama/Meta-Llama-3-8B": 1,
                     "mistralai/Mistral-7B-v0.1": 2}
    model = api.get(f"/v1/models/{MERGE}").json
    assert {(p["id"], p["relation"]) for p in model["parents"]} == {
        ("NousResearch/Hermes-2-Pro-Mistral-7B", "merge"), ("meta-llama/Meta-Llama-3-8B", "merge")}
    hermes = api.get("/v1/models/NousResearch/Hermes-2-Pro-Mistral-7B").json
    assert hermes["license"] == "Apache-2.0" and hermes["datasets"][0]["id"] == "teknium/OpenHermes-2.5"
    # the merge's card names no licence: its own terms stay unknown
    assert api.get(f"/v1/models/{MERGE}/permitted-use?commercial=true").json["verdict"] == "unknown"


def test_curated_facts_win_and_a_contradicting_card_is_a_conflict(api, hub):
    curated = api.post("/v1/models", json={"id": "meta-llama/Llama-2-13b-hf", "license": "llama2",
                                           "organisation": "meta-llama"})
    assert curated.status_code == 201, curated.json
    conflicts = api.get("/v1/models/NousResearch/Nous-Hermes-Llama2-13b/conflicts")
    assert conflicts.status_code == 200, conflicts.json
    assert conflicts.json["data"] and conflicts.json["data"][0]["declared_license"] == "MIT"
    # the stand-in's card for the curated base says Apache-2.0: it is never read, the curated record stands
    assert hub.model_requests("meta-llama/Llama-2-13b-hf") == []
    base = api.get("/v1/models/meta-llama/Llama-2-13b-hf").json
    assert base["provenance"] == "curated" and base["hub"] is None and "Apache" not in base["license"]


def test_placeholder_from_an_import_resolves_itself(hub_app, api, hub):
    card = (hub_card := "---\nbase_model: meta-llama/Meta-Llama-3.1-8B-Instruct\nlicense: llama3.1\ntags: [gguf]\n---\n")
    imported = api.post("/v1/import/model-cards", json={"cards": [{"id": "someone/llama-3.1-gguf",
                                                                  "content": hub_card}]})
    assert imported.status_code == 200, imported.json
    assert imported.json["results"][0]["placeholders"]["models"] == [FORMER_INSTRUCT]
    verdict = api.get("/v1/models/someone/llama-3.1-gguf/permitted-use?commercial=true").json
    assert verdict["verdict"] == "permitted_with_obligations", verdict
    model = api.get("/v1/models/someone/llama-3.1-gguf").json
    assert model["provenance"] == "curated" and model["parents"][0]["id"] == INSTRUCT
    assert FORMER_INSTRUCT in api.get(f"/v1/models/{INSTRUCT}").json["aliases"]
    # The placeholder's children were handed over by statements that bypass the ORM: the kept closure and counts
    # still follow them (the read above took the ancestors from the closure).
    below = api.get(f"/v1/models/{INSTRUCT}/descendants").json
    assert "someone/llama-3.1-gguf" in [row["id"] for row in below["data"]] and below["pagination"]["total"] >= 1
    from tests.test_lineage_closure import _expected, _stored

    with Session(get_engine(hub_app)) as session:
        assert _stored(session) == _expected(session)
    assert card


def test_refresh_after_ttl_appends_licence_history(hub_app, api, hub):
    assert api.get(f"/v1/models/{BASE}").status_code == 200
    new_sha = hub.set_card(BASE, license="apache-2.0")
    assert api.get(f"/v1/models/{BASE}").json["license"].startswith("LicenseRef-")  # within the TTL: stored
    _age(hub_app, BASE)
    model = api.get(f"/v1/models/{BASE}").json
    assert model["license"] == "Apache-2.0" and model["hub"]["commit"] == new_sha
    history = model["license_history"]
    assert [h["license"] for h in history] == ["LicenseRef-scancode-llama-3.1-license-2024", "Apache-2.0"]
    assert new_sha in history[-1]["source"]


def test_stale_answer_served_when_the_hub_is_slow(hub_app, api, hub):
    assert api.get(f"/v1/models/{BASE}").status_code == 200
    _age(hub_app, BASE)
    hub.slow[BASE.lower()] = 2.0  # longer than the refresh timeout
    response = api.get(f"/v1/models/{BASE}/permitted-use?commercial=true")
    assert response.status_code == 200 and response.json["verdict"] != "unknown"
    assert BASE in response.headers["Pedigree-Hub-Stale"]
    asked = len(hub.model_requests(BASE))
    again = api.get(f"/v1/models/{BASE}/terms")  # the Hub just failed: the stored answer, without waiting on it
    assert again.status_code == 200 and BASE in again.headers["Pedigree-Hub-Stale"]
    assert len(hub.model_requests(BASE)) == asked


def test_a_placeholder_the_hub_does_not_have_is_not_asked_for_on_every_read(api, hub):
    card = "---\nbase_model: nobody/unpublished-base\nlicense: mit\n---\n"
    api.post("/v1/import/model-cards", json={"cards": [{"id": "acme/child", "content": card}]})
    for _ in range(3):
        assert api.get("/v1/models/acme/child/permitted-use?commercial=true").json["verdict"] == "unknown"
    assert len(hub.model_requests("nobody/unpublished-base")) == 1


def test_refresh_command(hub_app, api, hub):
    assert api.get(f"/v1/models/{GGUF}").status_code == 200
    hub.set_card(GGUF, license="apache-2.0")
    runner = hub_app.test_cli_runner()
    nothing = runner.invoke(args=["hub", "refresh", "--older-than", "1d"])
    assert nothing.exit_code == 0 and "nothing to refresh" in nothing.output
    result = runner.invoke(args=["hub", "refresh", "--older-than", "0s"])
    assert result.exit_code == 0, result.output
    assert "refreshed 3 models" in result.output
    model = api.get(f"/v1/models/{GGUF}").json
    assert [h["license"] for h in model["license_history"]][-1] == "Apache-2.0"
    bad = runner.invoke(args=["hub", "refresh", "--older-than", "soon"])
    assert bad.exit_code == 2 and "not a duration" in bad.output


def test_sync_a_family_resumes_after_interruption(hub_app, api, hub):
    runner = hub_app.test_cli_runner()
    # a card that declares a licence its base contradicts
    hub.add("acme-labs/llama-3.1-8b-apache", {"license": "apache-2.0", "base_model": BASE})
    hub.failing_after = 3  # the Hub answers three models (the base, acme-labs, Instruct), then 503s
    first = runner.invoke(args=["hub", "sync", "--base-model", BASE])
    assert first.exit_code == 1 and "Run the same command again to resume" in first.output
    assert api.get(f"/v1/models/{INSTRUCT}").json["provenance"] == "hub"
    hub.failing_after = None
    hub.log.clear()
    second = runner.invoke(args=["hub", "sync", "--base-model", BASE])
    assert second.exit_code == 0, second.output
    assert "3 of 5 already fetched" in second.output
    assert hub.model_requests(INSTRUCT) == []
    children = api.get(f"/v1/models?base_model={BASE}").json["data"]
    assert {m["id"] for m in children} == {INSTRUCT, "NousResearch/Hermes-3-Llama-3.1-8B", "unsloth/Llama-3.1-8B",
                                           "acme-labs/llama-3.1-8b-apache"}
    # Hermes 3 names its base by the former id: the rename is followed, no placeholder is left
    assert api.get("/v1/models/meta-llama/Meta-Llama-3.1-8B").json["id"] == BASE
    # the family's licence audit
    api.post("/v1/models", json={"id": "acme/unrelated", "license": "mit", "parents": [
        {"id": "acme-labs/llama-3.1-8b-apache", "relation": "finetune", "source": "https://example.org/x"}]})
    family = api.get(f"/v1/conflicts?base_model={BASE}").json["data"]
    assert "acme-labs/llama-3.1-8b-apache" in {row["model"] for row in family}
    assert INSTRUCT not in {row["model"] for row in family}
    assert_problem(api.get("/v1/conflicts?base_model=nobody/none"), 404, "neither in Pedigree nor on the Hub")
    # a family audit of a base Pedigree does not hold yet fetches the base (its family comes with a sync)
    assert api.get("/v1/conflicts?base_model=mistralai/Mistral-7B-v0.1").status_code == 200
    assert api.get("/v1/models/mistralai/Mistral-7B-v0.1").json["provenance"] == "hub"


def test_sync_by_author_ids_file_and_limit(hub_app, api, hub, tmp_path):
    runner = hub_app.test_cli_runner()
    result = runner.invoke(args=["hub", "sync", "--author", "NousResearch", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "synced 1 models" in result.output
    ids = tmp_path / "ids.txt"
    ids.write_text("# wanted\nmistralai/Mistral-7B-v0.1\nnobody/missing\n")
    result = runner.invoke(args=["hub", "sync", "--ids", str(ids)])
    assert result.exit_code == 0 and "1 not on the Hub" in result.output, result.output
    assert api.get("/v1/models/mistralai/Mistral-7B-v0.1").json["provenance"] == "hub"
    ids.write_text("not a repo id!\n")
    assert runner.invoke(args=["hub", "sync", "--ids", str(ids)]).exit_code == 2
    assert runner.invoke(args=["hub", "sync", "--relation", "merge", "--author", "x"]).exit_code == 2


def test_not_on_the_hub_is_a_404_saying_so(api, hub):
    body = assert_problem(api.get("/v1/models/nobody/no-such-model/terms"), 404, "neither in Pedigree nor on the Hub")
    assert hub.base in body["detail"]
    # asked again: answered from memory, the Hub is not asked twice
    assert_problem(api.get("/v1/models/nobody/No-Such-Model"), 404, "neither in Pedigree nor on the Hub")
    assert len(hub.model_requests("nobody/")) == 1


def test_private_repo_answers_404_with_how_to_read_it(api, hub):
    hub.private.add("acme-corp/internal-model")
    assert_problem(api.get("/v1/models/acme-corp/internal-model"), 404, "neither in Pedigree nor on the Hub",
                   "401", "HF_TOKEN")


def test_gated_repo_is_recorded_with_unknown_terms_and_the_reason(api, hub):
    gated = "mistralai/Mistral-Large-Instruct-2407"
    verdict = api.get(f"/v1/models/{gated}/permitted-use?commercial=true")
    assert verdict.status_code == 200 and verdict.json["verdict"] == "unknown"
    model = api.get(f"/v1/models/{gated}").json
    assert model["license"] is None and model["hub"]["status"] == "gated"
    assert "403" in model["hub"]["reason"] and "gated" in model["hub"]["reason"]


def test_rate_limit_honours_retry_after(api, hub):
    hub.rate_limited[MERGE.lower()] = ["1"]
    response = api.get(f"/v1/models/{MERGE}")
    assert response.status_code == 200, response.json
    assert len(hub.model_requests(MERGE)) == 2  # the 429, then one retry after the wait


def test_long_retry_after_is_a_503_and_the_hub_is_not_hammered(api, hub):
    hub.rate_limited["mistralai/mistral-7b-v0.1"] = ["120", "120", "120"]
    first = api.get("/v1/models/mistralai/Mistral-7B-v0.1")
    assert_problem(first, 503, "429")
    assert int(first.headers["Retry-After"]) > 60
    second = api.get("/v1/models/mistralai/Mistral-7B-v0.1/terms")
    assert_problem(second, 503, "retry in")
    assert len(hub.model_requests("mistralai/Mistral-7B-v0.1")) == 1


def test_slow_hub_on_a_first_read_is_a_503_naming_the_hub(api, hub):
    hub.slow["mistralai/mistral-7b-v0.1"] = 2.0
    body = assert_problem(api.get("/v1/models/mistralai/Mistral-7B-v0.1"), 503, "Hugging Face Hub", "in time")
    assert body["hub"] == hub.base


def test_unreachable_hub(database):
    app = _hub_app(database, f"http://127.0.0.1:{free_port()}")
    api = _client(app)
    try:
        assert api.post("/v1/models", json={"id": "acme/local", "license": "mit"}).status_code == 201
        assert api.get("/v1/models/acme/local/terms").status_code == 200  # the stored answer needs no Hub
        body = assert_problem(api.get("/v1/models/acme/elsewhere"), 503, "Hugging Face Hub", "unreachable")
        assert body["type"].endswith("hub-unavailable")
    finally:
        get_engine(app).dispose()


def test_no_request_leaves_for_another_host(api, hub):
    elsewhere = Recorder()
    other = Served(elsewhere)
    try:
        hub.redirect_elsewhere["acme/redirected"] = f"{other.url}/api/models/evil/model"
        assert_problem(api.get("/v1/models/acme/redirected"), 503, "configured Hub endpoint")
        assert elsewhere.log == []
        for path in ("/v1/models/http:/evil.example/x", "/v1/models/..%2F..%2Fetc/passwd",
                     "/v1/models/a/b/c/permitted-use"):
            assert api.get(path).status_code in (404, 400)
        assert all(line.startswith("/api/models/") for line in hub.log), hub.log
    finally:
        other.stop()


def test_compliance_check_bom_and_terms_resolve_unknown_models(api, hub):
    report = api.post("/v1/compliance/check", json={"models": [GGUF, "nobody/nothing"],
                                                    "policy": {"fail_on_unknown": True}})
    assert report.status_code == 200, report.json
    by_model = {m["model"]: m for m in report.json["models"]}
    assert by_model[GGUF]["verdict"] != "unknown"
    assert [f["rule"] for f in by_model["nobody/nothing"]["findings"]] == ["unknown-model"]
    bom = api.get("/v1/models/unsloth/Llama-3.1-8B/bom")
    assert bom.status_code == 200 and BASE in bom.get_data(as_text=True)


def test_hub_off_gives_the_helpful_404(client):
    assert_problem(client.get("/v1/models/acme/nowhere/permitted-use"), 404, "PEDIGREE_HUB=on-demand",
                   "/v1/import/model-cards")


CLI_POLICY = "version: 1\nname: product\nuse: {commercial: true, monthly_active_users: 5000}\n"


def _pedigree(*args, env):
    import os
    import subprocess
    import sys
    from pathlib import Path

    binary = str(Path(sys.executable).with_name("pedigree"))
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PEDIGREE_HUB": "off", **env})


def test_offline_cli_with_hub(hub, tmp_path):
    hub.add("acme-labs/support-bot-8b", {"license": "llama3.1", "base_model": "meta-llama/Meta-Llama-3.1-8B"})
    (tmp_path / "policy.yaml").write_text(CLI_POLICY)
    (tmp_path / "models.txt").write_text("acme-labs/support-bot-8b\n")
    args = ["check", str(tmp_path / "models.txt"), "--policy", str(tmp_path / "policy.yaml"), "--format", "json"]
    env = {"PEDIGREE_HUB_ENDPOINT": hub.base}
    offline = _pedigree(*args, env=env)
    assert offline.returncode == 1 and hub.log == []  # off by default: the catalogue does not know it
    with_hub = _pedigree(*args, "--hub", env=env)
    assert with_hub.returncode == 0, with_hub.stdout + with_hub.stderr
    report = __import__("json").loads(with_hub.stdout)
    assert report["models"][0]["verdict"] in ("permitted", "permitted_with_obligations")
    assert hub.model_requests("acme-labs/support-bot-8b")
    bom = _pedigree("bom", str(tmp_path / "models.txt"), "--out-dir", str(tmp_path / "boms"), "--hub", env=env)
    assert bom.returncode == 0, bom.stderr
    assert "Llama-3.1-8B" in (tmp_path / "boms" / "acme-labs__support-bot-8b.cdx.json").read_text()
    down = _pedigree(*args, "--hub", env={"PEDIGREE_HUB_ENDPOINT": f"http://127.0.0.1:{free_port()}"})
    assert down.returncode == 3 and "Hugging Face Hub" in down.stderr


def test_history_of_a_deleted_model_is_not_fetched_from_the_hub(api, hub):
    assert api.post("/v1/models", json={"id": "acme/gone", "license": "mit"}).status_code == 201
    assert api.delete("/v1/models/acme/gone").status_code == 204
    events = api.get("/v1/models/acme/gone/history").json["data"]
    assert [e["action"] for e in events][-1] == "delete"
    assert hub.model_requests("acme/gone") == []


def test_every_read_of_one_model_resolves_it_and_purls_name_the_hub_commit(api, hub):
    """The web page, the notice bundle and the SPDX document fetch an unknown model as the API reads do;
    BOMs give models read from the Hub a purl with the commit as its version."""
    page = api.get(f"/models/{GGUF}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and GGUF in page.get_data(as_text=True)
    sha = hub.repos[GGUF.lower()].sha
    bom = json.loads(api.get(f"/v1/models/{GGUF}/bom").get_data(as_text=True))
    assert bom["metadata"]["component"]["purl"] == f"pkg:huggingface/{GGUF}@{sha}"
    spdx = json.loads(api.get(f"/v1/models/{GGUF}/spdx").get_data(as_text=True))
    purls = {e.get("name"): e.get("software_packageUrl") for e in spdx["@graph"] if e.get("type") == "ai_AIPackage"}
    assert purls[GGUF] == f"pkg:huggingface/{GGUF}@{sha}"
    assert api.get(f"/v1/models/{GGUF}/notice?format=text").status_code == 200
