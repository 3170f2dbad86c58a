"""The fixed vocabularies of the domain: relations, stages, term names and their values."""

import re

PARENT_RELATIONS = (
    "finetune",
    "adapter",
    "quantized",
    "merge",
    "distillation",
    "continued_pretraining",
    "weight_diff",
)
TRAINING_STAGES = ("pretraining", "finetuning", "alignment")

UNKNOWN = "unknown"
PERMISSION_LEVELS = ("allowed", "conditional", "forbidden")
OUTPUT_LEVELS = ("allowed", "restricted", "forbidden")
DERIVATIVE_LEVELS = ("allowed", "forbidden")
# How training data whose licence (or a term of it) is unknown counts: as a caveat beside the verdict
# (the default: the weights' licence governs), or as unknown terms (`strict`).
TRAINING_DATA_MODES = ("caveat", "strict")

LEVEL_TERMS = {
    "commercial_use": PERMISSION_LEVELS,
    "redistribution": PERMISSION_LEVELS,
    "outputs_train_other_models": OUTPUT_LEVELS,
    "derivatives": DERIVATIVE_LEVELS,
}
BOOLEAN_TERMS = ("research_only", "share_alike", "include_license_text")
LIST_TERMS = ("attribution", "derivative_name_prefix", "use_restrictions")
COUNT_TERMS = ("max_monthly_active_users",)
TERM_NAMES = (
    "commercial_use",
    "research_only",
    "max_monthly_active_users",
    "redistribution",
    "outputs_train_other_models",
    "share_alike",
    "attribution",
    "derivative_name_prefix",
    "use_restrictions",
    "include_license_text",
    "derivatives",
)

# Hugging Face repo ids: an optional organisation and a name, each 1-96 characters of
# letters, digits, '-', '_' and '.', starting and ending with a letter or digit, no '--' or '..'.
_SEGMENT = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
# Sub-resource names cannot be the name part of an `org/name` id: `/v1/models/gpt2/parents` must
# mean the parents of gpt2, so a repo literally named `org/parents` is not addressable (refused on write).
RESERVED_NAMES = ("parents", "datasets", "ancestors", "descendants", "lineage", "terms", "permitted-use",
                  "conflicts", "history", "bom", "notice", "spdx")
_NAME = rf"(?!(?:{'|'.join(RESERVED_NAMES)})(?:/|$)){_SEGMENT}"
REPO_ID_PATTERN = rf"{_SEGMENT}(?:/{_NAME})?"
REPO_ID_RE = re.compile(rf"^{REPO_ID_PATTERN}$")
LICENCE_ID_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9.+-]{0,126})"
LICENCE_ID_RE = re.compile(rf"^{LICENCE_ID_PATTERN}$")


def is_repo_id(value: str) -> bool:
    """True when value is a well-formed Hub repo id (with or without organisation)."""
    return bool(REPO_ID_RE.fullmatch(value)) and ".." not in value and "--" not in value
