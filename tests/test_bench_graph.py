"""The benchmark's graph generator gives the same graph in every process (bench/graph.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter

from tests.server import ROOT

GENERATOR = ROOT / "bench" / "graph.py"


def _generate(models: int, seed: int, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run([sys.executable, str(GENERATOR), "--models", str(models), "--seed", str(seed)],
                          env=env, capture_output=True, check=True).stdout


def test_the_same_arguments_give_the_same_bytes_whatever_the_hash_seed():
    first, second = _generate(5000, 7, "1"), _generate(5000, 7, "2")
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert _generate(5000, 8, "1") != first  # the seed does matter


def test_the_graph_is_hub_shaped_parents_first_with_one_family_holding_most_models():
    records = [json.loads(line) for line in _generate(5000, 7, "0").splitlines()]
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)) == 5000
    position = {model_id: index for index, model_id in enumerate(ids)}
    root_of: dict[str, str] = {}
    for record in records:
        parents = [parent["id"] for parent in record.get("parents", [])]
        assert all(position[parent] < position[record["id"]] for parent in parents)
        assert len(parents) == len(set(parents))
        assert {parent["relation"] for parent in record.get("parents", [])} <= {"finetune", "quantized", "adapter",
                                                                                "merge"}
        root_of[record["id"]] = root_of[parents[0]] if parents else record["id"]
    biggest = Counter(root_of.values()).most_common(1)[0][1]
    assert biggest > 2500
