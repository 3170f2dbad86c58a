"""Validate SPDX 3.0.1 JSON-LD against the official JSON schema and SHACL shapes in tests/fixtures/spdx-3.0.1."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema
import pyshacl
import rdflib

FIXTURES = Path(__file__).parent / "fixtures" / "spdx-3.0.1"


@lru_cache(maxsize=1)
def _schema_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((FIXTURES / "schema.json").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(FIXTURES / "spdx-model.ttl", format="turtle")


@lru_cache(maxsize=1)
def _context() -> dict:
    return json.loads((FIXTURES / "spdx-context.jsonld").read_text(encoding="utf-8"))["@context"]


def schema_errors(document: dict) -> list[str]:
    return [f"{list(error.path)}: {error.message[:300]}" for error in _schema_validator().iter_errors(document)]


def shacl_report(document: dict) -> tuple[bool, str, rdflib.Graph]:
    """(conforms, report text, the document's RDF graph), with the context read from the local copy."""
    assert document["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    graph = rdflib.Graph().parse(data=json.dumps({**document, "@context": _context()}), format="json-ld")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=_shapes(), ont_graph=_shapes(), inference="none",
                                         advanced=True)
    return conforms, text, graph
