"""A Hub-shaped lineage graph, the same in every process: JSON Lines for `flask import-jsonl`.

    .venv/bin/python bench/graph.py --models 100000 [--seed 7] > graph.jsonl

Preferential attachment (a model's parent is drawn with weight by how often it was drawn before), 3 %
roots, 1 % merges of two bases, licences drawn from the real catalogue's. The biggest family holds most
of the graph, as Llama's does on the Hub. Only seeded draws and lists are used (never the iteration order
of a set of strings, which changes with PYTHONHASHSEED), so the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator

LICENCES = ["Apache-2.0", "MIT", "LicenseRef-scancode-llama-2-license-2023", "CC-BY-NC-4.0",
            "LicenseRef-scancode-llama-3.1-license-2024", "LicenseRef-scancode-gemma-tou-2024-04-01"]
RELATIONS = ["finetune", "quantized", "adapter"]


def model_id(index: int) -> str:
    return f"bench/m{index:07d}"


def records(count: int, seed: int = 7) -> Iterator[dict]:
    """The model records, parents before children."""
    draw = random.Random(seed)
    weights: list[str] = []
    for index in range(count):
        record = {"id": model_id(index), "license": draw.choice(LICENCES)}
        if index == 0 or draw.random() < 0.03:
            weights.append(record["id"])
            yield record
            continue
        parents = [draw.choice(weights)]
        if draw.random() < 0.01:
            other = draw.choice(weights)
            if other != parents[0]:
                parents.append(other)
        relation = "merge" if len(parents) > 1 else draw.choice(RELATIONS)
        record["parents"] = [{"id": parent, "relation": relation} for parent in parents]
        weights += [record["id"], *parents]  # preferential attachment: popular bases get more children
        yield record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = sys.stdout
    for record in records(args.models, args.seed):
        out.write(json.dumps(record, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
