"""The licence knowledge base: Hub keys, ids, terms, history through the API."""

import re
from pathlib import Path

from license_expression import get_license_index

from api.domain.vocabulary import TERM_NAMES, UNKNOWN
from api.store.seed import read_catalogue
from tests.helpers import post_licence, post_model

LICENCES = read_catalogue()["licences"]
HUB_KEY_FILE = Path(__file__).parent / "fixtures" / "hf_licence_keys.txt"
HUB_KEYS = [line.strip() for line in HUB_KEY_FILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
# Every term a licence record carries: the vocabulary plus `derivatives` (whether adapted material may be shared).
EXPECTED_TERMS = set(TERM_NAMES) | {"derivatives"}
OPENRAIL_KEYS = ("openrail", "openrail++", "creativeml-openrail-m", "bigscience-openrail-m", "bigcode-openrail-m")
COPYLEFT_FAMILY_KEYS = ("gpl", "lgpl", "gfdl")
UNSTATED_KEYS = ("other", "unknown")

# AI-model licences in the ScanCode index that license-expression ships: the keys whose name carries a model family,
# a model licensor or an AI-licence family. Every key this finds must be the id or an alias of a record; EXCLUDED
# lists the ones deliberately left out, with the reason (none today). Keys the rule does not match and that are not
# model licences: soml-1.0 (Nomic's licence for software used to build models, not for weights), google-ml-kit-tos-2022
# (an SDK's terms), mov-ai-1.0 (robotics software).
AI_LICENCE_KEY = re.compile(
    r"llama|gemma|qwen|tongyi|deepseek|falcon|rail|bigscience|bigcode|stable-diffusion|stability|nvidia-open-model|"
    r"fair-ai|responsible-ai|openmdw|open-weights|exaone|hunyuan|openai|grok|mistral|ai-model|open-model|apple-ml")
EXCLUDED: dict[str, str] = {}
AT_LEAST = 30  # the keys the rule finds in license-expression 30.4.4


def _owners():
    owners = {}
    for licence in LICENCES:
        owners[licence["id"].lower()] = licence
        for alias in licence.get("aliases", []):
            owners[alias] = licence
    return owners


def test_at_least_30_licences_every_term_present():
    assert len(LICENCES) >= 30
    for licence in LICENCES:
        assert set(licence["terms"]) == EXPECTED_TERMS, licence["id"]


def test_every_term_is_known_or_says_why_not_and_has_a_source():
    for licence in LICENCES:
        facts = dict(licence["terms"], binds_derivatives=licence["binds_derivatives"])
        for term, fact in facts.items():
            where = f"{licence['id']} {term}"
            assert fact.get("source", "").startswith("http"), where
            if fact["value"] == UNKNOWN:
                assert len(fact.get("note") or "") >= 30, f"{where}: unknown without a reason"
            note = fact.get("note") or ""
            assert not re.search(r"this session|re-read|not read|from memory|helper", note, re.I), where
        assert licence["terms"]["derivatives"]["value"] in ("allowed", "forbidden", UNKNOWN), licence["id"]


def test_no_derivatives_licences_forbid_sharing_adapted_material():
    owners = _owners()
    for key in ("cc-by-nd-4.0", "cc-by-nc-nd-4.0", "cc-by-nc-nd-3.0"):
        assert owners[key]["terms"]["derivatives"]["value"] == "forbidden", key
    for key in ("apache-2.0", "mit", "cc-by-nc-4.0", "llama3.1", "gemma"):
        assert owners[key]["terms"]["derivatives"]["value"] == "allowed", key


def test_terms_the_texts_settle_are_recorded():
    owners = _owners()
    assert owners["odc-by"]["terms"]["attribution"]["value"], "ODC-By requires attribution notices"
    assert owners["microsoft-research-license"]["terms"]["commercial_use"]["value"] == "forbidden"
    assert owners["microsoft-research-license"]["terms"]["research_only"]["value"] is True
    assert owners["nvidia-open-model-license"]["terms"]["commercial_use"]["value"] == "allowed"
    assert owners["faipl-1.0-sd"]["terms"]["use_restrictions"]["value"]
    assert owners["databricks-open-model-license"]["terms"]["max_monthly_active_users"]["value"] == 700000000


# `license_name` values that Hub cards declare with `license: other`, and the record each must resolve to.
CARD_LICENSE_NAMES = {
    "nvidia-open-model-license": "LicenseRef-scancode-nvidia-open-model-2025-04-28",
    "faipl-1.0-sd": "LicenseRef-scancode-fair-ai-public-1.0-sd",
    "databricks-open-model-license": "LicenseRef-Databricks-Open-Model-License",
    "yi-license": "LicenseRef-Yi-License-1.0",
    "glm-4": "LicenseRef-GLM-4-License",
    "jamba-open-model-license": "LicenseRef-Jamba-Open-Model-License",
    "baichuan2-community-license": "LicenseRef-Baichuan2-Community-License",
    "tencent-hunyuan-a13b": "LicenseRef-Tencent-Hunyuan-Community-License",
    "minimax-model-agreement": "LicenseRef-MiniMax-Model-License",
    "modified-mit": "LicenseRef-Kimi-K2-Modified-MIT",
    "falcon-llm-license": "LicenseRef-TII-Falcon-License-2.0",
    "mrl": "LicenseRef-Mistral-Research-License-0.1",
    "mnpl": "LicenseRef-Mistral-Non-Production-License-0.1",
    "microsoft-research-license": "LicenseRef-Microsoft-Research-License",
    "tongyi-qianwen": "LicenseRef-scancode-tongyi-qianwen-2023",
    "qwen": "LicenseRef-Qwen-2024",
    "qwen-research": "LicenseRef-Qwen-Research-2024",
    "deepseek": "LicenseRef-scancode-deepseek-la-1.0",
    "cogvlm2": "LicenseRef-CogVLM2-License",
    "apple-sample-code-license": "LicenseRef-scancode-apple-excl",
}


def test_card_license_names_resolve_to_their_licence():
    owners = _owners()
    for name, licence_id in CARD_LICENSE_NAMES.items():
        assert owners[name]["id"] == licence_id, name


def test_every_ai_model_licence_in_the_scancode_index_is_covered():
    owners = _owners()
    found = sorted(entry["license_key"] for entry in get_license_index()
                   if AI_LICENCE_KEY.search(entry["license_key"]) and not entry["is_deprecated"])
    assert len(found) >= AT_LEAST, found
    missing = [key for key in found
               if key not in EXCLUDED and f"licenseref-scancode-{key}" not in owners]
    assert not missing, f"AI-model licences in the ScanCode index with no record: {missing}"
    # The Llama 4 acceptable-use policy resolves to the Llama 4 licence, not a record of its own.
    assert owners["licenseref-scancode-llama-4-license-2025"]["id"] == "LicenseRef-scancode-llama-4-cla-2025"


def test_every_hub_key_resolves_to_exactly_one_licence(catalogue_client):
    owners = {}
    for licence in LICENCES:
        for alias in licence.get("aliases", []):
            assert alias not in owners, f"alias {alias} on {owners.get(alias)} and {licence['id']}"
            owners[alias] = licence["id"]
    assert len(HUB_KEYS) == 82
    for key in HUB_KEYS:
        assert key in owners, f"Hub key {key} has no licence"
    by_id = {licence["id"]: licence for licence in LICENCES}
    # Every OpenRAIL licence, the family key included, passes on use restrictions and permits commercial use.
    for key in OPENRAIL_KEYS:
        licence = by_id[owners[key]]
        assert licence["terms"]["use_restrictions"]["value"], key
        assert licence["binds_derivatives"]["value"] is True, key
        assert licence["terms"]["commercial_use"]["value"] in ("allowed", "conditional"), key
    # GPL, LGPL and GFDL families share commercial use and share-alike.
    for key in COPYLEFT_FAMILY_KEYS:
        terms = by_id[owners[key]]["terms"]
        assert terms["commercial_use"]["value"] == "allowed", key
        assert terms["share_alike"]["value"] is True, key
    # The Creative Commons family differs on commercial use and derivatives; `other` and `unknown` say nothing.
    cc = by_id[owners["cc"]]["terms"]
    assert cc["commercial_use"]["value"] == UNKNOWN and cc["derivatives"]["value"] == UNKNOWN
    for key in UNSTATED_KEYS:
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
    declared = lambda body: next(l["expression"] for l in body["licenses"] if l["role"] == "declared")
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
