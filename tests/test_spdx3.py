"""SPDX 3.0.1 JSON-LD (AI and Dataset profiles), validated against the official JSON schema and SHACL shapes."""

import copy
import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import assert_problem
from tests.shipping_fixtures import DATASETS, FINETUNE, LLAMA2, golden_lineage
from tests.spdx_validation import schema_errors, shacl_report

PEDIGREE = str(Path(sys.executable).with_name("pedigree"))
NS = f"urn:pedigree:spdx:{FINETUNE}:"


def _by_type(document, kind):
    return [e for e in document["@graph"] if e["type"] == kind]


def _relationships(document):
    expressions = {e["spdxId"]: e["simplelicensing_licenseExpression"]
                   for e in _by_type(document, "simplelicensing_LicenseExpression")}
    return {(r["from"], r["relationshipType"], tuple(expressions.get(t, t) for t in r["to"]))
            for r in _by_type(document, "Relationship")}


def test_golden_lineage_as_spdx3_is_valid_and_complete(client):
    golden_lineage(client)
    response = client.get(f"/v1/models/{FINETUNE}/spdx")
    assert response.status_code == 200 and response.mimetype == "application/spdx+json"
    document = response.json
    assert schema_errors(document) == []
    conforms, report, graph = shacl_report(document)
    assert conforms, report
    assert len(graph) > 50
    assert {e["name"] for e in _by_type(document, "ai_AIPackage")} == {FINETUNE, "meta-llama/Llama-2-7b-hf"}
    datasets = _by_type(document, "dataset_DatasetPackage")
    assert {e["name"] for e in datasets} == set(DATASETS)
    assert {e["software_packageUrl"] for e in datasets} == {f"pkg:huggingface/datasets/{d}" for d in DATASETS}
    root, base = NS + f"model/{FINETUNE}", NS + "model/meta-llama/Llama-2-7b-hf"
    relationships = _relationships(document)
    assert (root, "descendantOf", (base,)) in relationships
    assert (base, "ancestorOf", (root,)) in relationships
    assert (root, "trainedOn", tuple(NS + f"dataset/{d}" for d in sorted(DATASETS))) in relationships
    assert (root, "hasDeclaredLicense", (LLAMA2,)) in relationships
    assert (NS + f"dataset/{DATASETS[0]}", "hasDeclaredLicense", ("CC-BY-SA-3.0",)) in relationships
    assert (root, "hasConcludedLicense", (f"{LLAMA2} AND CC-BY-SA-4.0 AND CC-BY-SA-3.0",)) in relationships
    spdx_document, = _by_type(document, "SpdxDocument")
    assert spdx_document["rootElement"] == [root]
    assert set(spdx_document["profileConformance"]) >= {"ai", "dataset", "simpleLicensing", "core", "software"}
    creation = document["@graph"][0]
    assert creation["specVersion"] == "3.0.1"
    tool, = _by_type(document, "Tool")
    assert tool["name"].startswith("Pedigree ")


def test_the_validators_catch_a_broken_document(client):
    """Both checks would fail a document that breaks the model: here a dataset without its required type."""
    golden_lineage(client)
    document = client.get(f"/v1/models/{FINETUNE}/spdx").json
    broken = copy.deepcopy(document)
    for element in _by_type(broken, "dataset_DatasetPackage"):
        del element["dataset_datasetType"]
    assert schema_errors(broken)
    conforms, report, _ = shacl_report(broken)
    assert not conforms and "datasetType" in report
    wrong = copy.deepcopy(document)
    _by_type(wrong, "Relationship")[0]["relationshipType"] = "trainedBy"
    assert schema_errors(wrong)
    assert not shacl_report(wrong)[0]


def test_unknown_model_is_404(client):
    assert_problem(client.get("/v1/models/nobody/nothing/spdx"), 404, "nobody/nothing")


def test_cli_writes_spdx3_offline_with_generated_data(tmp_path):
    (tmp_path / "models.txt").write_text("tatsu-lab/alpaca-7b-wdiff\n")
    result = subprocess.run([PEDIGREE, "bom", str(tmp_path / "models.txt"), "--format", "spdx3", "--out-dir",
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "out" / "tatsu-lab__alpaca-7b-wdiff.spdx.json").read_text())
    assert schema_errors(document) == []
    conforms, report, _ = shacl_report(document)
    assert conforms, report
    ns = "urn:pedigree:spdx:tatsu-lab/alpaca-7b-wdiff:"
    generates = [r for r in _by_type(document, "Relationship") if r["relationshipType"] == "generates"]
    assert [(r["from"], r["to"]) for r in generates] == [
        (ns + "model/openai/text-davinci-003", [ns + "dataset/tatsu-lab/alpaca"])]
