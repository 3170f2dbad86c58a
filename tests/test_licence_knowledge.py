"""The licence knowledge base: Hub keys, ids, terms, history through the API."""

from pathlib import Path

from license_expression import get_license_index

from api.catalogue import read_catalogue
from api.domain.vocabulary import TERM_NAMES, UNKNOWN
from tests.helpers import post_licence, post_model

LICENCES = read_catalogue()["licences"]
HUB_KEYS = [line.strip() for line in (Path(__file__).parent / "fixtures" / "hf_licence_keys.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
FAMILY_KEYS = {"openrail", "bsd", "gpl", "cc", "other", "unknown"}


def test_at_least_30_licences_every_term_present():
    assert len(LICENCES) >= 30
    for licence in LICENCES:
        assert set(licence["terms"]) == set(TERM_NAMES), licence["id"]


def test_every_hub_key_resolves_to_exactly_one_licence(catalogue_client):
    owners = {}
    for licence in LICENCES:
        for alias in licence.get("aliases", []):
            assert alias not in owners, f"alias {alias} on {owners.get(alias)} and {licence['id']}"
            owners[alias] = licence["id"]
    assert len(HUB_KEYS) == 82
    for key in HUB_KEYS:
        assert key in owners, f"Hub key {key} has no licence"
    # Family and placeholder keys resolve to records whose terms are all unknown.
    by_id = {licence["id"]: licence for licence in LICENCES}
    for key in FAMILY_KEYS:
        terms = by_id[owners[key]]["terms"]
        assert all(fact["value"] == UNKNOWN for fact in terms.values()), key
    # And the API resolves a key the way a card would use it.
    listed = catalogue_client.get("/v1/models?license=llama2&limit=1").json
    assert listed["pagination"]["total"] >= 1
    assert owners["bsl-1.0"] == "BSL-1.0"  # the Hub's bsl-1.0 is Boost, not the Business Source License


def test_scancode_ids_are_used_where_scancode_has_the_licence():
    scancode = {entry["spdx_license_key"] for entry in get_license_index()}
    for licence in LICENCES:
        if licence["id"].startswith("LicenseRef-scancode-"):
            assert licence["id"] in scancode, licence["id"]
    ids = {licence["id"] for licence in LICENCES}
    for expected in ("LicenseRef-scancode-llama-license-2023", "LicenseRef-scancode-llama-2-license-2023",
                     "LicenseRef-scancode-gemma-tou-2024-04-01", "Apache-2.0", "MIT", "CC-BY-NC-4.0"):
        assert expected in ids


def test_licence_change_is_recorded_not_overwritten(client):
    post_licence(client, "MIT")
    post_licence(client, "Apache-2.0")
    post_model(client, "org/m", license="MIT")
    changed = client.patch("/v1/models/org/m", json={"license": "Apache-2.0", "license_effective_from": "2024-01-06"})
    assert changed.status_code == 200
    history = changed.json["license_history"]
    assert [(h["license"], h["effective_from"]) for h in history] == [("MIT", None), ("Apache-2.0", "2024-01-06")]
    before = client.get("/v1/models/org/m/terms?as_of=2023-12-31").json
    after = client.get("/v1/models/org/m/terms?as_of=2024-01-06").json
    declared = lambda body: next(l["expression"] for l in body["licences"] if l["role"] == "declared")  # noqa: E731
    assert (declared(before), declared(after)) == ("MIT", "Apache-2.0")
    # The same licence again records nothing new.
    assert len(client.patch("/v1/models/org/m", json={"license": "apache-2.0"}).json["license_history"]) == 2
    # A whole history can be given; it must end with the current licence.
    bad = client.patch("/v1/models/org/m", json={"license": "MIT", "license_history": [
        {"license": "Apache-2.0", "effective_from": "2020-01-01"}]})
    assert bad.status_code == 422
    unordered = client.patch("/v1/models/org/m", json={"license_history": [
        {"license": "MIT", "effective_from": "2021-01-01"}, {"license": "Apache-2.0", "effective_from": "2020-01-01"}]})
    assert unordered.status_code == 422
