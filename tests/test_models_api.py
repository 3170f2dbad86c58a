import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain.errors import NotFound
from api.store.db import get_engine
from api.store.tables import LanguageModel
from tests.helpers import assert_problem, post_dataset, post_licence, post_model, snapshot


@pytest.fixture
def licensed(client):
    post_licence(client, "Apache-2.0", aliases=["apache-2.0"])
    post_licence(client, "MIT", aliases=["mit"])
    post_licence(client, "LicenseRef-scancode-llama-2-license-2023", aliases=["llama2"])
    return client


def test_model_crud_with_org_and_legacy_ids(licensed):
    client = licensed
    post_model(client, "gpt2", name="GPT-2", organisation="OpenAI", license="MIT", release_date="2019-02")
    created = post_model(
        client, "acme/gpt2-tuned", name="Tuned", organisation="Acme", release_date="2024-05-01",
        parameters=124_000_000, license="apache-2.0", source_url="https://huggingface.co/acme/gpt2-tuned",
        sources={"license": "https://huggingface.co/acme/gpt2-tuned"},
        parents=[{"id": "gpt2", "relation": "finetune", "source": "https://huggingface.co/acme/gpt2-tuned"}],
    )
    assert created["license"] == "Apache-2.0" and created["license_ids"] == ["Apache-2.0"]
    assert created["parents"] == [{"id": "gpt2", "relation": "finetune",
                                   "source": "https://huggingface.co/acme/gpt2-tuned"}]

    legacy = client.get("/v1/models/gpt2")
    assert legacy.status_code == 200 and legacy.json["name"] == "GPT-2"
    with_org = client.get("/v1/models/acme/gpt2-tuned")
    assert with_org.status_code == 200 and with_org.json["parameters"] == 124_000_000

    patched = client.patch("/v1/models/acme/gpt2-tuned", json={"license": "MIT OR apache-2.0", "name": "T2"})
    assert patched.status_code == 200, patched.json
    assert patched.json["license"] == "MIT OR Apache-2.0"
    assert patched.json["license_ids"] == ["Apache-2.0", "MIT"]
    assert patched.json["parents"][0]["id"] == "gpt2"  # untouched by a PATCH that does not name parents

    assert client.delete("/v1/models/acme/gpt2-tuned").status_code == 204
    assert_problem(client.get("/v1/models/acme/gpt2-tuned"), 404, "acme/gpt2-tuned")
    assert client.get("/v1/models/gpt2").status_code == 200


def test_legacy_id_sub_resources_route(licensed):
    client = licensed
    post_model(client, "gpt2")
    post_model(client, "distilgpt2", parents=[{"id": "gpt2", "relation": "distillation"}])
    parents = client.get("/v1/models/distilgpt2/parents")
    assert parents.status_code == 200
    assert parents.json["data"] == [{"id": "gpt2", "relation": "distillation", "source": None}]
    assert client.delete("/v1/models/distilgpt2/parents/gpt2").status_code == 204
    assert client.get("/v1/models/distilgpt2").json["parents"] == []


@pytest.mark.parametrize("text, expected", [
    ("apache-2.0", "Apache-2.0"),
    ("APACHE-2.0", "Apache-2.0"),
    ("mit or apache-2.0", "MIT OR Apache-2.0"),
    ("llama2 AND (MIT OR apache-2.0)", "LicenseRef-scancode-llama-2-license-2023 AND (MIT OR Apache-2.0)"),
])
def test_expression_normalisation(licensed, text, expected):
    assert post_model(licensed, "acme/m", license=text)["license"] == expected


def test_unknown_licence_is_422_naming_it(licensed):
    body = assert_problem(licensed.post("/v1/models", json={"id": "acme/m", "license": "MIT AND Foo-1.0 OR bar"}),
                          422, "Foo-1.0", "bar")
    assert "license" in body["errors"]
    assert_problem(licensed.post("/v1/models", json={"id": "acme/m", "license": "MIT AND"}), 422, "license")
    assert_problem(licensed.post("/v1/models", json={"id": "acme/m", "license": "MIT ("}), 422, "license")
    assert licensed.get("/v1/models/acme/m").status_code == 404


@pytest.mark.parametrize("bad_id", ["a/b/c", "-lead", "trail-", "a..b", "a--b", "with space", "a/", "/a",
                                    "x" * 97, "ctrl\u0007char", "../etc"])
def test_bad_model_ids_are_422(client, bad_id):
    assert_problem(client.post("/v1/models", json={"id": bad_id}), 422)


def test_duplicate_model_is_409(client):
    post_model(client, "acme/one")
    assert_problem(client.post("/v1/models", json={"id": "acme/one"}), 409, "already exists")


def test_direct_cycle_is_refused(client):
    post_model(client, "a/one")
    post_model(client, "a/two", parents=[{"id": "a/one", "relation": "finetune"}])
    body = assert_problem(client.post("/v1/models/a/one/parents", json={"id": "a/two", "relation": "finetune"}),
                          409, "cycle", "a/one → a/two → a/one")
    assert body["cycle"] == ["a/one", "a/two", "a/one"]
    assert client.get("/v1/models/a/one").json["parents"] == []
    self_edge = client.post("/v1/models/a/one/parents", json={"id": "a/one", "relation": "finetune"})
    assert assert_problem(self_edge, 409, "cycle")["cycle"] == ["a/one", "a/one"]


def test_cycle_through_three_hops_is_refused_also_by_patch(client):
    post_model(client, "a/m1")
    post_model(client, "a/m2", parents=[{"id": "a/m1", "relation": "finetune"}])
    post_model(client, "a/m3", parents=[{"id": "a/m2", "relation": "quantized"}])
    post_model(client, "a/m4", parents=[{"id": "a/m3", "relation": "adapter"}])
    before = snapshot(client)
    body = assert_problem(client.post("/v1/models/a/m1/parents", json={"id": "a/m4", "relation": "merge"}),
                          409, "cycle")
    assert body["cycle"] == ["a/m1", "a/m4", "a/m3", "a/m2", "a/m1"]
    patch = client.patch("/v1/models/a/m1", json={"parents": [{"id": "a/m4", "relation": "merge"}], "name": "x"})
    assert assert_problem(patch, 409, "cycle")["cycle"] == ["a/m1", "a/m4", "a/m3", "a/m2", "a/m1"]
    assert snapshot(client) == before


def test_merge_with_several_parents_and_diamond_is_allowed(client):
    post_model(client, "a/base")
    post_model(client, "a/left", parents=[{"id": "a/base", "relation": "finetune"}])
    post_model(client, "a/right", parents=[{"id": "a/base", "relation": "finetune"}])
    merged = post_model(client, "a/merged", parents=[{"id": "a/left", "relation": "merge"},
                                                      {"id": "a/right", "relation": "merge"}])
    assert [p["id"] for p in merged["parents"]] == ["a/left", "a/right"]


def test_failed_multi_part_write_changes_nothing(licensed):
    client = licensed
    post_model(client, "a/base", license="MIT")
    post_dataset(client, "d/one", license="MIT")
    before = snapshot(client)
    # Valid model fields and one good parent, but the second parent and a dataset do not exist.
    response = client.post("/v1/models", json={
        "id": "a/new", "license": "Apache-2.0",
        "parents": [{"id": "a/base", "relation": "finetune"}, {"id": "a/ghost", "relation": "merge"}],
        "datasets": [{"id": "d/one", "stage": "finetuning"}, {"id": "d/ghost", "stage": "alignment"}],
    })
    body = assert_problem(response, 422, "a/ghost", "d/ghost")
    assert body["errors"]["parents"] == {"1": {"id": ["model 'a/ghost' does not exist"]}}
    assert snapshot(client) == before
    # A PATCH that changes the licence and then fails on a cycle leaves the licence as it was.
    post_model(client, "a/child", parents=[{"id": "a/base", "relation": "finetune"}])
    before = snapshot(client)
    response = client.patch("/v1/models/a/base", json={"license": "Apache-2.0",
                                                        "parents": [{"id": "a/child", "relation": "finetune"}]})
    assert_problem(response, 409, "cycle")
    assert snapshot(client) == before
    assert client.get("/v1/models/a/base").json["license"] == "MIT"


def test_training_data_edges(licensed):
    client = licensed
    post_dataset(client, "d/one", license="MIT")
    post_model(client, "a/m", datasets=[{"id": "d/one", "stage": "pretraining"}])
    added = client.post("/v1/models/a/m/datasets", json={"id": "d/one", "stage": "finetuning"})
    assert_problem(added, 409, "already linked")
    post_dataset(client, "d/two")
    added = client.post("/v1/models/a/m/datasets", json={"id": "d/two", "stage": "alignment",
                                                          "source": "https://example.org/paper"})
    assert added.status_code == 201 and added.headers["Location"] == "/v1/models/a/m/datasets/d/two"
    listed = client.get("/v1/models/a/m/datasets").json["data"]
    assert [(d["id"], d["stage"]) for d in listed] == [("d/one", "pretraining"), ("d/two", "alignment")]
    assert_problem(client.post("/v1/models/a/m/datasets", json={"id": "d/x", "stage": "eating"}), 422)
    assert client.delete("/v1/models/a/m/datasets/d/one").status_code == 204
    assert_problem(client.delete("/v1/models/a/m/datasets/d/one"), 404, "not linked")
    assert_problem(client.delete("/v1/datasets/d/two"), 409, "linked to 1 model")


def test_parent_edges_errors(client):
    post_model(client, "a/p")
    post_model(client, "a/c", parents=[{"id": "a/p", "relation": "adapter"}])
    assert_problem(client.post("/v1/models/a/c/parents", json={"id": "a/p", "relation": "merge"}), 409, "already")
    assert_problem(client.post("/v1/models/a/c/parents", json={"id": "a/q", "relation": "merge"}), 422, "a/q")
    assert_problem(client.post("/v1/models/a/c/parents", json={"id": "a/p", "relation": "cousin"}), 422)
    assert_problem(client.post("/v1/models/a/zz/parents", json={"id": "a/p", "relation": "merge"}), 404, "a/zz")
    assert_problem(client.delete("/v1/models/a/p/parents/a/c"), 404, "not a parent")
    assert_problem(client.delete("/v1/models/a/p"), 409, "parent of a/c")
    assert client.get("/v1/models/a/p").status_code == 200
    duplicate = client.post("/v1/models", json={"id": "a/d", "parents": [{"id": "a/p", "relation": "merge"},
                                                                          {"id": "a/p", "relation": "finetune"}]})
    assert_problem(duplicate, 422)


def test_model_list_filters(licensed):
    client = licensed
    post_model(client, "meta/base", organisation="Meta", license="llama2", name="Llama Base")
    post_model(client, "acme/tune", organisation="Acme", license="MIT",
               parents=[{"id": "meta/base", "relation": "finetune"}])
    post_model(client, "acme/quant", organisation="acme", license="Apache-2.0 OR MIT",
               parents=[{"id": "acme/tune", "relation": "quantized"}])
    post_model(client, "gpt2", organisation="OpenAI", name="GPT-2 100%_real")
    ids = lambda path: [m["id"] for m in client.get(path).json["data"]]
    assert ids("/v1/models?license=MIT") == ["acme/quant", "acme/tune"]
    assert ids("/v1/models?license=llama2") == ["meta/base"]
    assert ids("/v1/models?organisation=ACME") == ["acme/quant", "acme/tune"]
    assert ids("/v1/models?base_model=meta/base") == ["acme/tune"]
    assert ids("/v1/models?base_model=acme/tune") == ["acme/quant"]
    assert ids("/v1/models?q=LLAMA") == ["meta/base"]
    assert ids("/v1/models?q=tun") == ["acme/tune"]
    assert ids("/v1/models?q=100%25_") == ["gpt2"]  # LIKE wildcards are matched literally
    assert ids("/v1/models?q=e_") == []  # unescaped, "_" would match "acme/tune"
    assert ids("/v1/models?organisation=acme&license=Apache-2.0") == ["acme/quant"]
    assert client.get("/v1/models?license=MIT").json["pagination"]["total"] == 2


def test_patch_items_must_be_complete(client):
    post_model(client, "org/p")
    post_model(client, "org/c", parents=[{"id": "org/p", "relation": "finetune"}])
    body = assert_problem(client.patch("/v1/models/org/c", json={"parents": [{"relation": "merge"}]}), 422)
    assert "parents" in body["errors"]
    assert_problem(client.patch("/v1/models/org/c", json={"datasets": [{"stage": "finetuning"}]}), 422)
    assert client.get("/v1/models/org/c").json["parents"][0]["id"] == "org/p"


def _both_reads(app, model_id: str) -> tuple[dict, dict, str, str]:
    from api.http.conditional import etag_value
    from api.store.model_reads import read_model
    from api.store.models import get_model
    from schemas.models import LanguageModelSchema

    with Session(get_engine(app)) as session:
        fast, orm = read_model(session, model_id), get_model(session, model_id)
        return (LanguageModelSchema().dump(fast), LanguageModelSchema().dump(orm), etag_value(fast), etag_value(orm))


def test_the_two_query_read_shows_every_catalogue_model_as_its_orm_record_does(catalogue_client):
    app = catalogue_client.application
    with Session(get_engine(app)) as session:
        ids = sorted(session.scalars(select(LanguageModel.id)))
    assert len(ids) > 700
    for model_id in ids:
        fast, orm, fast_tag, orm_tag = _both_reads(app, model_id)
        assert fast == orm, model_id
        assert fast_tag == orm_tag
    fast, orm, _, _ = _both_reads(app, "META-LLAMA/META-LLAMA-3.1-8B-INSTRUCT")  # another case of a former id
    assert fast == orm and fast["id"] == "meta-llama/Llama-3.1-8B-Instruct"


def test_the_two_query_read_shows_a_hub_fetch_and_a_history_as_the_orm_record_does(app, client):
    from api.store.tables import HubRecord

    client.post("/v1/licenses", json={"id": "L1", "name": "One"})
    client.post("/v1/licenses", json={"id": "L2", "name": "Two"})
    client.post("/v1/models", json={"id": "org/base"})
    client.post("/v1/models", json={"id": "org/m", "license": "L1 OR L2", "aliases": ["org/m-old", "Org/Zed"],
                                    "parents": [{"id": "org/base", "relation": "adapter", "source": "https://x.example"}]})
    client.patch("/v1/models/org/m", json={"license": "L2", "license_effective_from": "2024-01-02"})
    with Session(get_engine(app)) as session:
        session.add(HubRecord(model_id="org/m", sha="abc123", status="gated", gated="manual", reason="401", url="u"))
        session.commit()
    fast, orm, fast_tag, orm_tag = _both_reads(app, "org/m-old")
    assert fast == orm and fast_tag == orm_tag
    assert fast["provenance"] == "hub" and fast["hub"]["commit"] == "abc123"
    assert [entry["license"] for entry in fast["license_history"]] == ["L1 OR L2", "L2"]
    assert client.get("/v1/models/org/m-old").json == fast
    with pytest.raises(NotFound):
        _both_reads(app, "org/nobody")
