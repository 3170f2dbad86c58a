"""SPDX 3.0.1 JSON-LD for a model with the AI and Dataset profiles.

An `ai_AIPackage` per model in the lineage, a `dataset_DatasetPackage` per training dataset, and the
relationships `ancestorOf` / `descendantOf` (parent edges, both ways), `trainedOn`, `generates` (a model
whose outputs make up a dataset), `hasDeclaredLicense` for every package and `hasConcludedLicense` for
the model asked about (its effective licence expression: its own AND everything it inherits).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.domain.concluded import concluded_expression
from api.domain.lineage import Lineage, provenance_paths
from api.domain.terms import effective_terms
from api.version import TOOL_NAME, VERSION

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
MEDIA_TYPE = "application/spdx+json"
SPEC_VERSION = "3.0.1"
PROFILES = ["core", "software", "simpleLicensing", "ai", "dataset"]
CREATION_INFO = "_:creationinfo"
HUB = "https://huggingface.co/"


def _purl(kind: str, record_id: str, commit: str | None = None) -> str:
    """The Hub purl, with the commit as its version where the facts were read from the Hub at one."""
    return "pkg:huggingface/" + ("datasets/" if kind == "dataset" else "") + record_id + (f"@{commit}" if commit else "")


def _hub(kind: str, record_id: str) -> str:
    return HUB + ("datasets/" if kind == "dataset" else "") + record_id


class _Document:
    """Collects elements with ids under one namespace, licence expressions shared by text."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.elements: list[dict[str, Any]] = []
        self.expressions: dict[str, str] = {}
        self.relationships = 0

    def add(self, element: dict[str, Any]) -> str:
        self.elements.append({**element, "creationInfo": CREATION_INFO})
        return element["spdxId"]

    def expression(self, text: str) -> str:
        if text not in self.expressions:
            self.expressions[text] = self.add({
                "type": "simplelicensing_LicenseExpression",
                "spdxId": f"{self.namespace}license-expression/{len(self.expressions) + 1}",
                "simplelicensing_licenseExpression": text,
            })
        return self.expressions[text]

    def relate(self, source: str, kind: str, targets: list[str], comment: str | None = None) -> None:
        self.relationships += 1
        self.add({"type": "Relationship", "spdxId": f"{self.namespace}relationship/{self.relationships}",
                  "from": source, "relationshipType": kind, "to": targets,
                  **({"comment": comment} if comment else {})})


def build_spdx(lineage: Lineage, model_id: str, created: dt.datetime | None = None) -> dict[str, Any]:
    """The SPDX 3.0.1 document (as a JSON-LD dict) of `model_id` and everything above it."""
    lineage = lineage.with_root(model_id)
    created = (created or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    doc = _Document(f"urn:pedigree:spdx:{model_id}:")
    tool = doc.add({"type": "Tool", "spdxId": f"{doc.namespace}tool", "name": f"{TOOL_NAME} {VERSION}"})
    agent = doc.add({"type": "SoftwareAgent", "spdxId": f"{doc.namespace}agent", "name": TOOL_NAME})
    ids = _add_packages(doc, lineage, model_id)
    root = ids[("model", model_id)]
    concluded = concluded_expression(effective_terms(lineage))
    if concluded:
        doc.relate(root, "hasConcludedLicense", [doc.expression(concluded)],
                   "The model's licence AND every licence it inherits from its ancestors and training data.")
    _relate_parents(doc, lineage, ids)
    _relate_training_data(doc, lineage, ids)
    _relate_generators(doc, lineage, ids)
    data_licence = doc.expression("CC0-1.0")
    document = {
        "type": "SpdxDocument", "spdxId": f"{doc.namespace}document", "creationInfo": CREATION_INFO,
        "name": f"{model_id}: AI BOM", "profileConformance": PROFILES, "dataLicense": data_licence,
        "rootElement": [root],
        "element": [e["spdxId"] for e in doc.elements if e["spdxId"] not in (tool, agent)],
    }
    creation = {"type": "CreationInfo", "@id": CREATION_INFO, "specVersion": SPEC_VERSION,
                "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"), "createdBy": [agent], "createdUsing": [tool]}
    return {"@context": CONTEXT, "@graph": [creation, *doc.elements, {**document}]}


def _add_packages(doc: _Document, lineage: Lineage, model_id: str) -> dict[tuple[str, str], str]:
    """A package for the model and every record above it (the model first), each with its declared licence."""
    ids: dict[tuple[str, str], str] = {}
    for kind, record_id in sorted(provenance_paths(lineage), key=lambda key: (key != ("model", model_id), key)):
        element, licence = _package(lineage, kind, record_id, f"{doc.namespace}{kind}/{record_id}")
        ids[(kind, record_id)] = doc.add(element)
        if licence:
            doc.relate(element["spdxId"], "hasDeclaredLicense", [doc.expression(licence)])
    return ids


def _package(lineage: Lineage, kind: str, record_id: str, element_id: str) -> tuple[dict[str, Any], str | None]:
    """The `ai_AIPackage` of a model or the `dataset_DatasetPackage` of a dataset, and its declared licence."""
    if kind == "model":
        node = lineage.models.get(record_id)
        element = {"type": "ai_AIPackage", "spdxId": element_id, "name": record_id,
                   "software_primaryPurpose": "model"}
        if node and node.name:
            element["summary"] = node.name
        commit = node.commit if node else None
    else:
        node = lineage.datasets.get(record_id)
        element = {"type": "dataset_DatasetPackage", "spdxId": element_id, "name": record_id,
                   "software_primaryPurpose": "data", "dataset_datasetType": ["text"]}
        commit = None
    element.update({"software_packageUrl": _purl(kind, record_id, commit),
                    "software_downloadLocation": _hub(kind, record_id),
                    "software_homePage": _hub(kind, record_id)})
    return element, node.license if node else None


def _relate_parents(doc: _Document, lineage: Lineage, ids: dict[tuple[str, str], str]) -> None:
    """`ancestorOf` and `descendantOf` for every parent edge between two packages, with its relation."""
    parents: dict[str, list[tuple[str, str]]] = {}
    for link in lineage.parents:
        if ("model", link.child) in ids and ("model", link.parent) in ids:
            parents.setdefault(link.child, []).append((link.parent, link.relation))
    for child in sorted(parents):
        for parent, relation in sorted(parents[child]):
            doc.relate(ids[("model", parent)], "ancestorOf", [ids[("model", child)]], f"relation: {relation}")
            doc.relate(ids[("model", child)], "descendantOf", [ids[("model", parent)]], f"relation: {relation}")


def _relate_training_data(doc: _Document, lineage: Lineage, ids: dict[tuple[str, str], str]) -> None:
    """One `trainedOn` per model, to every dataset it was trained on."""
    trained: dict[str, list[str]] = {}
    for link in lineage.training:
        if ("model", link.model) in ids and ("dataset", link.dataset) in ids:
            trained.setdefault(link.model, []).append(link.dataset)
    for model in sorted(trained):
        doc.relate(ids[("model", model)], "trainedOn", [ids[("dataset", d)] for d in sorted(set(trained[model]))])


def _relate_generators(doc: _Document, lineage: Lineage, ids: dict[tuple[str, str], str]) -> None:
    """`generates` from a model to each dataset made of its outputs."""
    for kind, record_id in sorted(ids):
        dataset = lineage.datasets.get(record_id) if kind == "dataset" else None
        if dataset and dataset.generated_by and ("model", dataset.generated_by) in ids:
            doc.relate(ids[("model", dataset.generated_by)], "generates", [ids[("dataset", record_id)]],
                       "the dataset is made of this model's outputs")


def spdx_json(lineage: Lineage, model_id: str, created: dt.datetime | None = None) -> str:
    return json.dumps(build_spdx(lineage, model_id, created), indent=2, ensure_ascii=False) + "\n"
