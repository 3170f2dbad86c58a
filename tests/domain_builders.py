"""Hand-built lineages for pure-function tests."""

from __future__ import annotations

from api.domain.lineage import DatasetNode, LicenceRecord, Lineage, ModelNode, ParentLink, TrainingLink
from api.domain.vocabulary import TERM_NAMES, UNKNOWN

PERMISSIVE = {
    "commercial_use": "allowed", "research_only": False, "max_monthly_active_users": None,
    "redistribution": "allowed", "outputs_train_other_models": "allowed", "share_alike": False,
    "attribution": [], "derivative_name_prefix": [], "use_restrictions": [], "include_license_text": False,
    "derivatives": "allowed",
}


def licence(licence_id: str, binds: object = True, **terms) -> LicenceRecord:
    values = {**PERMISSIVE, **terms}
    return LicenceRecord(licence_id, {t: {"value": values[t], "source": f"https://example.org/{licence_id}"}
                                      for t in TERM_NAMES}, {"value": binds})


def unknown_licence(licence_id: str) -> LicenceRecord:
    return LicenceRecord(licence_id, {t: {"value": UNKNOWN} for t in TERM_NAMES}, {"value": UNKNOWN})


STANDARD = {
    "MIT": licence("MIT", binds=False, attribution=["MIT notice"], include_license_text=True),
    "NC": licence("NC", commercial_use="forbidden", research_only=True, use_restrictions=["non-commercial"]),
    "L2": licence("L2", commercial_use="conditional", max_monthly_active_users=700_000_000,
                  outputs_train_other_models="forbidden", use_restrictions=["AUP-2"],
                  attribution=["Built on L2"], redistribution="conditional"),
    "L3": licence("L3", commercial_use="conditional", max_monthly_active_users=700_000_000,
                  derivative_name_prefix=["Llama"], attribution=["Built with Llama"],
                  outputs_train_other_models="restricted", use_restrictions=["AUP-3"]),
    "SA": licence("SA", share_alike=True, attribution=["credit"]),
    "OUT": licence("OUT", commercial_use="forbidden", outputs_train_other_models="forbidden",
                   use_restrictions=["usage policy"]),
    "UNK": unknown_licence("UNK"),
    "ND": licence("ND", derivatives="forbidden", attribution=["credit"], redistribution="conditional"),
    "HALF": licence("HALF", commercial_use="forbidden", use_restrictions="unknown", attribution="unknown"),
}


def lineage(root: str, models: dict[str, str | None], parents: list[tuple[str, str]] = (),
            datasets: dict[str, tuple[str | None, str | None]] | None = None,
            training: list[tuple[str, str]] = (), licences: dict | None = None,
            placeholders: set[str] = frozenset(), holders: dict[str, str] | None = None) -> Lineage:
    """models: id → expression; parents: (child, parent); datasets: id → (expression, generator);
    holders: id → rights holder (ids without an organisation have none unless given)."""
    return Lineage(
        root=root,
        models={m: ModelNode(m, expr, m in placeholders, None, (holders or {}).get(m)) for m, expr in models.items()},
        parents=[ParentLink(c, p, "finetune") for c, p in parents],
        datasets={d: DatasetNode(d, expr, gen) for d, (expr, gen) in (datasets or {}).items()},
        training=[TrainingLink(m, d, "finetuning") for m, d in training],
        licences=licences or STANDARD,
    )
