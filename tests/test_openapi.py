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


def test_auth_and_preconditions_are_declared_and_documented(tmp_path):
    """Every write documents the bearer security with 401/403; every If-Match write 412/428; /docs can authorise."""
    client = _spec(tmp_path)
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"]}
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in {"get", "post", "patch", "delete", "put"}]
    for path, method, op in operations:
        if path in ("/healthz", "/readyz"):
            assert op["security"] == [], path
            continue
        assert {"401", "403"} <= set(op["responses"]), (method, path)
        schemes = [requirement for requirement in op["security"] if requirement]
        assert schemes == [{"bearerAuth": []}], (method, path)
        if method in ("patch", "delete") and path.startswith(("/v1/models", "/v1/licenses", "/v1/datasets")):
            assert {"412", "428"} <= set(op["responses"]), (method, path)
            assert any(p.get("name") == "If-Match" for p in op["parameters"]), (method, path)
        if (method == "get" and not path.startswith("/v1/tokens")) or path == "/v1/compliance/check":
            assert {} in op["security"], (method, path)  # reads are open unless read tokens are required
    assert spec["paths"]["/v1/tokens"]["get"]["security"] == [{"bearerAuth": []}]
    assert {} not in spec["paths"]["/v1/models"]["post"]["security"]


def test_every_view_declares_its_scope(tmp_path):
    """No API view is left to the method-based default: each carries @blp.requires."""
    app = _spec(tmp_path).application
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if not rule.rule.startswith("/v1/") or view_class is None:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not hasattr(getattr(view_class, method.lower()), "_required_scope"):
                undeclared.append((method, rule.rule))
    assert not undeclared
