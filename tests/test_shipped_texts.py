"""The licence texts and use policies shipped for notice bundles match the catalogue they serve."""

from api.catalogue import read_catalogue
from api.documents import license_texts


def test_every_shipped_text_belongs_to_a_catalogue_licence():
    ids = {licence["id"] for licence in read_catalogue()["licences"]}
    shipped = license_texts.shipped_text_ids()
    assert shipped <= ids, shipped - ids
    assert {"Apache-2.0", "MIT", "CC-BY-SA-4.0", "LicenseRef-scancode-llama-2-license-2023"} <= shipped
    for licence_id in shipped:
        text = license_texts.licence_text(licence_id)
        assert len(text) > 200 and "<<" not in text, licence_id  # real texts, SPDX template markup removed


def test_every_listed_policy_is_named_by_a_licence_and_its_copy_exists():
    values = [licence["terms"].get("use_restrictions", {}).get("value") for licence in read_catalogue()["licences"]]
    named = {policy for value in values if isinstance(value, list) for policy in value}
    for name, record in license_texts.use_policies().items():
        assert name in named, name
        assert record["url"].startswith("https://")
        text = license_texts.use_policy_text(name)
        assert text and "Acceptable Use Policy" in text.splitlines()[0].replace("**", ""), name


def test_no_text_for_an_id_that_is_not_a_shipped_file():
    assert license_texts.licence_text("../README") is None
    assert license_texts.licence_text("LicenseRef-not-shipped") is None
