"""The golden lineage: a Llama-2 fine-tune trained on two CC-BY-SA datasets, posted through the real API."""

from __future__ import annotations

from api.catalogue import read_catalogue
from api.store.seed import CATALOGUE_ONLY_KEYS
from tests.helpers import post_dataset, post_model

LLAMA2 = "LicenseRef-scancode-llama-2-license-2023"
FINETUNE = "acme/llama-2-7b-wiki-chat"
BASE = "meta-llama/Llama-2-7b-hf"
DATASETS = ("databricks/databricks-dolly-15k", "acme/wiki-answers")


def post_catalogue_licences(client, *ids: str) -> None:
    """Post licences exactly as the built-in catalogue records them."""
    records = {record["id"]: record for record in read_catalogue()["licences"]}
    for licence_id in ids:
        body = {k: v for k, v in records[licence_id].items() if k not in CATALOGUE_ONLY_KEYS}
        response = client.post("/v1/licenses", json=body)
        assert response.status_code == 201, response.json


def golden_lineage(client) -> str:
    post_catalogue_licences(client, LLAMA2, "CC-BY-SA-3.0", "CC-BY-SA-4.0")
    post_model(client, BASE, license=LLAMA2, organisation="Meta")
    post_dataset(client, DATASETS[0], license="CC-BY-SA-3.0")
    post_dataset(client, DATASETS[1], license="CC-BY-SA-4.0")
    post_model(client, FINETUNE, license=LLAMA2, organisation="Acme",
               parents=[{"id": BASE, "relation": "finetune"}],
               datasets=[{"id": d, "stage": "finetuning"} for d in DATASETS])
    return FINETUNE
