"""The parsed catalogue is kept as JSON under a digest of its files, reused while they are unchanged."""

from __future__ import annotations

import json
import shutil

from api.catalogue import DATA_DIR, _cache_folder, _parse_catalogue, read_catalogue


def test_the_kept_catalogue_equals_the_parsed_yaml_and_is_what_a_second_read_returns(tmp_path, monkeypatch):
    monkeypatch.setenv("PEDIGREE_CACHE_DIR", str(tmp_path / "cache"))
    first = read_catalogue()
    assert first == _parse_catalogue(DATA_DIR)
    [kept] = list((tmp_path / "cache").glob("catalogue-*.json"))
    assert json.loads(kept.read_text(encoding="utf-8")) == first
    # the second read comes from the kept file, not the YAML: what is in the file is what it returns
    altered = dict(first, models=first["models"][:1])
    kept.write_text(json.dumps(altered), encoding="utf-8")
    assert read_catalogue() == altered


def test_a_changed_catalogue_file_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("PEDIGREE_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    before = read_catalogue(data)
    family = sorted((data / "models").glob("*.yaml"))[0]
    family.write_text(family.read_text(encoding="utf-8") + "\n- id: example-org/added-model\n  license: MIT\n",
                      encoding="utf-8")
    after = read_catalogue(data)
    assert len(after["models"]) == len(before["models"]) + 1
    assert "example-org/added-model" in {m["id"] for m in after["models"]}
    assert len(list((tmp_path / "cache").glob("catalogue-*.json"))) == 2


def test_an_unwritable_cache_folder_still_reads_the_catalogue(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("PEDIGREE_CACHE_DIR", str(blocked / "cache"))
    assert read_catalogue() == _parse_catalogue(DATA_DIR)
    assert _cache_folder() == blocked / "cache"
