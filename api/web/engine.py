"""The web view's one door into the permitted-use engine, and where `training_data=strict` is wired.

The engine's `training_data` option (DESIGN §2: an unknown training-data licence is a caveat by
default, `strict` makes it unknown again) is being added on main. Until it lands, this module passes
`training_data="strict"` to `answers.effective`, `effective_terms` and `Use` only where their
signatures accept it; before that merge the engine's own behaviour is already the strict one, so
the checkbox changes nothing yet. Nothing else in the web view knows about the option.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from sqlalchemy.orm import Session

from api.domain.lineage import Lineage
from api.domain.terms import EffectiveTerms, effective_terms
from api.domain.verdicts import Use, evaluate
from api.store import answers

STRICT = "strict"


def _accepts(function, name: str) -> bool:
    return name in inspect.signature(function).parameters


def _strict_option(function, strict: bool) -> dict[str, Any]:
    return {"training_data": STRICT} if strict and _accepts(function, "training_data") else {}


def training_data_option_supported() -> bool:
    """True once the engine takes `training_data` (then the strict checkbox changes answers)."""
    return _accepts(answers.effective, "training_data")


def effective(session: Session, model_id: str, *, strict: bool = False) -> EffectiveTerms:
    """The model's effective terms through the store (404 problem when the model does not exist)."""
    return answers.effective(session, model_id, **_strict_option(answers.effective, strict))


def use(*, strict: bool = False, **questions: Any) -> Use:
    names = {f.name for f in dataclasses.fields(Use)}
    if strict and "training_data" in names:
        questions["training_data"] = STRICT
    return Use(**{k: v for k, v in questions.items() if k in names})


def verdict(effective_model: EffectiveTerms, asked: Use) -> dict[str, Any]:
    found = evaluate(effective_model, asked)
    found.setdefault("caveats", [])
    return found


def commercial_verdicts(snapshot: Lineage, model_ids: list[str], *, strict: bool = False) -> dict[str, str]:
    """Commercial-use verdict of each model, all computed from one snapshot loaded for all of them."""
    asked = use(commercial=True, strict=strict)
    option = _strict_option(effective_terms, strict)
    out = {}
    for model_id in model_ids:
        if model_id not in snapshot.models:
            out[model_id] = "unknown"
            continue
        terms = effective_terms(dataclasses.replace(snapshot, root=model_id), **option)
        out[model_id] = evaluate(terms, asked)["verdict"]
    return out
