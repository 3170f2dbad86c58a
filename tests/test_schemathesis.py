"""Schemathesis against the live OpenAPI document of a real gunicorn: every operation, bounded examples,
authenticated for writes. No 5xx, responses match their documented schemas, documented statuses are real.
Settings and the one check left out, with the reason: tests/schemathesis/schemathesis.toml."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from api.store.db import get_engine
from api.store.seed import load_catalogue
from tests.conftest import _migrated_app
from tests.server import Gunicorn

HERE = Path(__file__).parent / "schemathesis"


# A crash inside Hypothesis's lambda reflection (CPython 3.11's ast.parse raced by two threads: "AST constructor
# recursion depth mismatch"); one worker avoids the race, and should it still happen it says nothing about the API.
TOOL_CRASH = "hypothesis/internal/reflection.py"


def test_schemathesis_finds_nothing(database):
    app = _migrated_app(database)
    with Session(get_engine(app)) as session:
        load_catalogue(session)
        session.commit()
    env = {"DATABASE_URL": database.url, "PEDIGREE_AUTO_INIT": "false"}
    if database.schema:
        env["PEDIGREE_DB_SCHEMA"] = database.schema
    server = Gunicorn(env, workers=2, threads=4)
    server.wait_ready()
    command = [str(Path(sys.executable).with_name("schemathesis")), "run", f"{server.base}/openapi.json",
               "--checks", "all", "--exclude-checks", "positive_data_acceptance",
               "--max-examples", "10", "--workers", "1", "--seed", "20261130",
               "--header", f"Authorization: Bearer {app.config['TEST_TOKEN']}"]
    try:
        result = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=900)
        if TOOL_CRASH in result.stdout:  # schemathesis itself crashed (not a finding about the API): once more
            result = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=900)
    finally:
        server_log = server.stop()
    report = result.stdout[-6000:] + "\n--- server log ---\n" + server_log[-4000:]
    assert result.returncode == 0, report
    assert "39/39" in result.stdout or "Tested:" in result.stdout
