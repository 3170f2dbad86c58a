"""The complete CycloneDX ML-BOM: modelCard, tools, Hub purls, declared and concluded licences, 1.6 and 1.7."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.helpers import assert_problem
from tests.shipping_fixtures import DATASETS, FINETUNE, LLAMA2, golden_lineage

PEDIGREE = str(Path(sys.executable).with_name("pedigree"))
VERSIONS = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
CONCLUDED = f"{LLAMA2} AND CC-BY-SA-4.0 AND CC-BY-SA-3.0"


@pytest.mark.parametrize("spec_version", ["1.6", "1.7"])
def test_bom_of_the_golden_lineage_validates_and_is_complete(client, spec_version):
    golden_lineage(client)
    response = client.get(f"/v1/models/{FINETUNE}/bom?spec_version={spec_version}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"application/vnd.cyclonedx+json; version={spec_version}"
    text = response.get_data(as_text=True)
    assert JsonStrictValidator(VERSIONS[spec_version]).validate_str(text) is None
    document = json.loads(text)
    assert document["specVersion"] == spec_version
    tool, = document["metadata"]["tools"]["components"]
    assert tool["name"] == "Pedigree" and tool["version"]
    root = document["metadata"]["component"]
    assert root["purl"] == f"pkg:huggingface/{FINETUNE}"
    assert root["modelCard"]["modelParameters"]["datasets"] == [{"ref": f"dataset:{d}"} for d in sorted(DATASETS)]
    data = {c["name"]: c for c in document["components"]}
    assert {name: c["purl"] for name, c in data.items()} == {d: f"pkg:huggingface/datasets/{d}" for d in DATASETS}
    assert {c["bom-ref"] for c in data.values()} == {f"dataset:{d}" for d in DATASETS}
    assert data[DATASETS[0]]["licenses"] == [{"expression": "CC-BY-SA-3.0", "acknowledgement": "declared"}]
    declared = {"expression": LLAMA2, "acknowledgement": "declared"}
    if spec_version == "1.7":
        assert root["licenses"] == [declared, {"expression": CONCLUDED, "acknowledgement": "concluded"}]
        assert "properties" not in root
    else:  # 1.6 allows one expression: the concluded one is a property
        assert root["licenses"] == [declared]
        assert root["properties"] == [{"name": "pedigree:concluded-licence", "value": CONCLUDED}]
    base, = root["pedigree"]["ancestors"]
    assert base["purl"] == "pkg:huggingface/meta-llama/Llama-2-7b-hf" and "modelCard" not in base


def test_a_1_7_document_is_not_a_valid_1_6_one(client):
    """The validator tells the versions apart, so the 1.7 test above proves something."""
    golden_lineage(client)
    text = client.get(f"/v1/models/{FINETUNE}/bom?spec_version=1.7").get_data(as_text=True)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is not None


def test_unsupported_spec_version_is_422(client):
    golden_lineage(client)
    body = assert_problem(client.get(f"/v1/models/{FINETUNE}/bom?spec_version=1.5"), 422)
    assert "spec_version" in json.dumps(body["errors"])


def test_cli_writes_1_7_offline(tmp_path):
    (tmp_path / "models.txt").write_text("lmsys/vicuna-7b-v1.3\n")
    result = subprocess.run([PEDIGREE, "bom", str(tmp_path / "models.txt"), "--spec-version", "1.7", "--out-dir",
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "lmsys__vicuna-7b-v1.3.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_7).validate_str(text) is None
    root = json.loads(text)["metadata"]["component"]
    assert [entry["acknowledgement"] for entry in root["licenses"]] == ["declared", "concluded"]
