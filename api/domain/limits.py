"""Per-model limits every write path applies (the API's schemas, model-card import, bulk loads)."""

MAX_PARENTS = 100
MAX_DATASETS = 500
MAX_NAME_CHARS = 300
MAX_EXPRESSION_CHARS = 1000
MAX_DEPTH = 50  # the most edges a lineage walk follows up or down


def model_limit_errors(*, parents: int, datasets: int, name: str | None, expression: str | None) -> list[str]:
    """Why a model with these parts is over the limits (empty when it is within them)."""
    errors = []
    if parents > MAX_PARENTS:
        errors.append(f"names {parents} base models; a model may have at most {MAX_PARENTS} parents")
    if datasets > MAX_DATASETS:
        errors.append(f"names {datasets} datasets; a model may have at most {MAX_DATASETS}")
    if name is not None and len(name) > MAX_NAME_CHARS:
        errors.append(f"model_name has {len(name)} characters; at most {MAX_NAME_CHARS}")
    if expression is not None and len(expression) > MAX_EXPRESSION_CHARS:
        errors.append(f"the licence expression has {len(expression)} characters; at most {MAX_EXPRESSION_CHARS}")
    return errors
