"""The OpenAPI document is valid, complete, and the docs page renders from local assets."""

from openapi_spec_validator import validate

from api import create_app


def _spec(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "AUTO_INIT_SQLITE": False})
    return app.test_client()


def test_spec_is_valid_openapi_3(tmp_path):
    spec = _spec(tmp_path).get("/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Pedigree" and "Pedigree keeps records" in spec["info"]["description"]


def test_every_operation_is_described_with_responses_and_examples(tmp_path):
    spec = _spec(tmp_path).get("/openapi.json").json
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in {"get", "post", "patch", "delete", "put"}]
    assert len(operations) >= 20
    for path, method, op in operations:
        assert op.get("summary") or op.get("description"), (path, method)
        assert op["responses"], (path, method)
        errors = [code for code in op["responses"] if code.startswith(("4", "5")) or code == "default"]
        assert errors, f"{method.upper()} {path} documents no error response"
        for parameter in op.get("parameters", []) + spec["paths"][path].get("parameters", []):
            if "$ref" not in parameter:
                assert parameter.get("description") or parameter["in"] == "path", (path, parameter["name"])
    problem = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert "application/problem+json" in problem
    schemas = spec["components"]["schemas"]
    assert schemas["LanguageModel"]["properties"]["id"]["example"] == "meta-llama/Llama-2-7b-hf"


def test_model_path_parameter_documents_slashes(tmp_path):
    spec = _spec(tmp_path).get("/openapi.json").json
    parameter = spec["paths"]["/v1/models/{model_id}"]["parameters"][0]
    assert parameter["schema"]["pattern"].startswith("^") and "slash" in parameter["schema"]["description"]


def test_docs_page_renders_with_local_assets(tmp_path):
    client = _spec(tmp_path)
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/docs-assets/swagger-ui-bundle.js" in html and "/openapi.json" in html
    bundle = client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    assert client.get("/docs-assets/../api/config.py").status_code == 404
