"""An empty SQLite database is created, migrated and seeded on first start, once, even under gunicorn."""

import json
import subprocess
import sys

from sqlalchemy.orm import Session

from api import create_app
from api.store import tokens
from api.store.db import get_engine
from api.store.seed import read_catalogue
from tests.server import ROOT, Gunicorn


def _catalogue_model_count() -> int:
    return len(read_catalogue()["models"])


def test_first_start_creates_migrates_and_seeds(tmp_path):
    database = tmp_path / "sub" / "new.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{database}"})
    client = app.test_client()
    assert database.exists()
    body = client.get("/v1/models").json
    assert body["pagination"]["total"] == _catalogue_model_count()
    llama2 = client.get("/v1/models/meta-llama/Llama-2-7b-hf").json
    assert llama2["license"] == "LicenseRef-scancode-llama-2-license-2023"


def _a_leaf_model() -> str:
    catalogue = read_catalogue()
    used = {p["id"] for m in catalogue["models"] for p in m.get("parents", [])}
    used |= {d.get("generated_by") for d in catalogue["datasets"]}
    return next(m["id"] for m in catalogue["models"] if m["id"] not in used)


def test_second_start_does_not_reseed(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    leaf = _a_leaf_model()
    app = create_app({"DATABASE_URL": url})
    with Session(get_engine(app)) as session:
        _, secret = tokens.create_token(session, "editor", ["write"])
        session.commit()
    first = app.test_client()
    etag = first.get(f"/v1/models/{leaf}").headers["ETag"]
    deleted = first.delete(f"/v1/models/{leaf}", headers={"Authorization": f"Bearer {secret}", "If-Match": etag})
    assert deleted.status_code == 204
    second = create_app({"DATABASE_URL": url}).test_client()
    assert second.get(f"/v1/models/{leaf}").status_code == 404
    assert second.get("/v1/models").json["pagination"]["total"] == _catalogue_model_count() - 1


def test_processes_starting_together_initialise_once(tmp_path):
    url = f"sqlite:///{tmp_path}/race.sqlite3"
    script = (
        "import json, sys; from api import create_app; "
        f"c = create_app({{'DATABASE_URL': {url!r}}}).test_client(); "
        "print(json.dumps(c.get('/v1/models?limit=1').json['pagination']['total']))"
    )
    processes = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, results):
        assert process.returncode == 0, err
        assert json.loads(out) == _catalogue_model_count()


def test_gunicorn_serves_a_new_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/served.sqlite3"}
    with Gunicorn(env, workers=2) as server:
        status, headers, body = server.get("/v1/models/meta-llama/Llama-2-7b-hf")
        assert status == 200 and json.loads(body)["id"] == "meta-llama/Llama-2-7b-hf"
        status, headers, body = server.get("/v1/models/nobody/nothing")
        assert status == 404 and headers["Content-Type"] == "application/problem+json"
        status, _, body = server.get("/readyz")
        assert status == 200
