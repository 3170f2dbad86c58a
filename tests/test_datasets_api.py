from tests.helpers import assert_problem, post_dataset, post_licence, post_model


def test_dataset_crud_and_generator(client):
    post_licence(client, "CC-BY-NC-4.0", aliases=["cc-by-nc-4.0"])
    post_model(client, "openai/text-davinci-003")
    created = post_dataset(client, "tatsu-lab/alpaca", name="Alpaca", license="cc-by-nc-4.0",
                           generated_by="openai/text-davinci-003",
                           source_url="https://huggingface.co/datasets/tatsu-lab/alpaca")
    assert created["license"] == "CC-BY-NC-4.0" and created["license_ids"] == ["CC-BY-NC-4.0"]
    assert created["generated_by"] == "openai/text-davinci-003"
    assert client.get("/v1/datasets/tatsu-lab/alpaca").json["name"] == "Alpaca"
    listed = client.get("/v1/datasets?generated_by=openai/text-davinci-003").json["data"]
    assert [d["id"] for d in listed] == ["tatsu-lab/alpaca"]
    assert [d["id"] for d in client.get("/v1/datasets?license=CC-BY-NC-4.0").json["data"]] == ["tatsu-lab/alpaca"]

    assert_problem(client.delete("/v1/models/openai/text-davinci-003"), 409, "generated")
    patched = client.patch("/v1/datasets/tatsu-lab/alpaca", json={"generated_by": None, "license": None})
    assert patched.status_code == 200
    assert patched.json["generated_by"] is None and patched.json["license_ids"] == []
    assert client.delete("/v1/datasets/tatsu-lab/alpaca").status_code == 204
    assert_problem(client.get("/v1/datasets/tatsu-lab/alpaca"), 404, "tatsu-lab/alpaca")


def test_dataset_errors(client):
    assert_problem(client.post("/v1/datasets", json={"id": "d/x", "generated_by": "no/model"}), 422, "no/model")
    assert_problem(client.post("/v1/datasets", json={"id": "d/x", "license": "Nope-1.0"}), 422, "Nope-1.0")
    assert_problem(client.post("/v1/datasets", json={"id": "d/x", "source_url": "ftp://x"}), 422)
    post_dataset(client, "d/x")
    assert_problem(client.post("/v1/datasets", json={"id": "d/x"}), 409, "already exists")
    assert_problem(client.patch("/v1/datasets/d/nope", json={"name": "n"}), 404, "d/nope")
