"""The policy's JSON Schema and the service's own validation agree."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from marshmallow import ValidationError

from schemas.policy import PolicySchema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "policy.schema.json").read_text())


def test_schema_is_valid_and_the_example_passes_both():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    example = yaml.safe_load((ROOT / "schemas" / "policy.example.yaml").read_text())
    jsonschema.validate(example, SCHEMA)
    assert PolicySchema().load(example)["waivers"][0]["approved_by"] == "legal@acme.example"


@pytest.mark.parametrize("policy", [
    {"use": {"commercial": "yes"}},
    {"use": {"monthly_active_users": -1}},
    {"colour": "blue"},
    {"allow": {"license": ["MIT"]}},
    {"waivers": [{"model": "a/b", "approved_by": "x", "reason": "y"}]},
    {"waivers": [{"model": "a/b/c", "approved_by": "x", "reason": "y", "expires": "2030-01-01"}]},
    {"version": 2},
])
def test_invalid_policies_are_rejected_by_both(policy):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(policy, SCHEMA)
    with pytest.raises(ValidationError):
        PolicySchema().load(policy)


@pytest.mark.parametrize("policy", [{}, {"use": {}}, {"deny": None}, {"allow": {"tags": ["Permissive"]}}])
def test_minimal_policies_are_accepted_by_both(policy):
    jsonschema.validate(policy, SCHEMA)
    PolicySchema().load(policy)


def test_the_former_spelling_of_a_policy_is_read_for_one_release():
    """`licences:` and a waiver's `licence:` (before the spelling `license`) still load, as the new keys."""
    policy = PolicySchema().load({"allow": {"licences": ["MIT"]},
                                  "waivers": [{"model": "a/b", "licence": "MIT", "approved_by": "x", "reason": "y",
                                               "expires": "2030-01-01"}]})
    assert policy["allow"]["licenses"] == ["MIT"] and policy["waivers"][0]["license"] == "MIT"
    jsonschema.validate({"allow": {"licenses": ["MIT"]}, "waivers": [{"model": "a/b", "license": "MIT",
                         "approved_by": "x", "reason": "y", "expires": "2030-01-01"}]}, SCHEMA)
