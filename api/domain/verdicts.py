"""Evaluate a concrete use against effective terms: permitted, with obligations, forbidden or unknown."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from api.domain.terms import Contribution, EffectiveTerms, Group
from api.domain.vocabulary import UNKNOWN

VERDICTS = ("permitted", "permitted_with_obligations", "unknown", "forbidden")


@dataclass(frozen=True)
class Use:
    """What the user intends to do. A question left as None is not asked."""

    commercial: bool | None = None
    monthly_active_users: int | None = None
    redistribute_weights: bool | None = None
    train_other_models_on_outputs: bool | None = None
    research_only: bool | None = None


@dataclass(frozen=True)
class TermFinding:
    kind: str  # violation | obligation | unknown
    term: str
    message: str
    contribution: Contribution

    def as_dict(self) -> dict[str, Any]:
        return {"term": self.term, "value": self.contribution.value, "message": self.message,
                "provenance": self.contribution.provenance()}


def _consulted(use: Use) -> set[str]:
    terms = {"use_restrictions"}
    if use.commercial:
        terms |= {"commercial_use", "research_only", "attribution"}
    if use.research_only is False:
        terms.add("research_only")
    if use.monthly_active_users is not None:
        terms.add("max_monthly_active_users")
    if use.redistribute_weights:
        terms |= {"redistribution", "share_alike", "include_license_text", "derivative_name_prefix", "attribution",
                  "derivatives"}
    if use.train_other_models_on_outputs:
        terms.add("outputs_train_other_models")
    return terms


def _judge(c: Contribution, use: Use) -> list[TermFinding]:  # noqa: C901 - to split (issue 10 follow-up)
    """What one contribution means for the use."""
    term, value = c.term, c.value
    where = f" ({c.explain()})"
    if value == UNKNOWN:
        return [TermFinding("unknown", term, f"{term.replace('_', ' ')} is unknown{where}", c)]
    note = f": {c.note}" if c.note else ""
    if term == "commercial_use":
        if value == "forbidden":
            return [TermFinding("violation", term, "commercial use is forbidden", c)]
        if value == "conditional":
            return [TermFinding("obligation", term, f"commercial use is conditional{note}", c)]
    elif term == "research_only" and value is True:
        return [TermFinding("violation", term, "the licence permits research use only", c)]
    elif term == "max_monthly_active_users" and value is not None and use.monthly_active_users is not None:
        if use.monthly_active_users > value:
            return [TermFinding("violation", term,
                            f"{use.monthly_active_users:,} monthly active users exceeds the cap of {value:,}", c)]
        return [TermFinding("obligation", term, f"stay at or under {value:,} monthly active users", c)]
    elif term == "redistribution":
        if value == "forbidden":
            return [TermFinding("violation", term, "redistributing the weights is forbidden", c)]
        if value == "conditional":
            return [TermFinding("obligation", term, f"redistribution is conditional{note}", c)]
    elif term == "outputs_train_other_models":
        if value == "forbidden":
            return [TermFinding("violation", term, "using outputs to train other models is forbidden", c)]
        if value == "restricted":
            return [TermFinding("obligation", term, f"using outputs to train other models is restricted{note}", c)]
    elif term == "share_alike" and value is True:
        return [TermFinding("obligation", term, f"derivatives must carry the same licence ({c.licence})", c)]
    elif term == "derivatives" and value == "forbidden":
        if c.role == "declared":
            return [TermFinding("obligation", term, f"share only unmodified copies: {c.licence} allows no adaptations", c)]
        return [TermFinding("violation", term, f"this model adapts material under {c.licence}, which forbids sharing "
                                           "adaptations, so its weights may not be distributed", c)]
    elif term == "include_license_text" and value is True:
        return [TermFinding("obligation", term, f"include the text of {c.licence}", c)]
    elif term == "derivative_name_prefix":
        return [TermFinding("obligation", term, f"a distributed derivative's name must begin with '{p}'", c) for p in value]
    elif term == "attribution":
        return [TermFinding("obligation", term, f"show the notice: {notice}", c) for notice in value]
    elif term == "use_restrictions":
        return [TermFinding("obligation", term, f"comply with and pass on: {policy}", c) for policy in value]
    return []


def _verdict(findings: list[TermFinding]) -> str:
    kinds = {f.kind for f in findings}
    if "violation" in kinds:
        return "forbidden"
    if "unknown" in kinds:
        return "unknown"
    if "obligation" in kinds:
        return "permitted_with_obligations"
    return "permitted"


def _best_alternative(group: Group, use: Use, consulted: set[str]) -> list[TermFinding]:
    """An OR lets the licensee pick the branch that serves the use best."""
    ranked = []
    for index, alternative in enumerate(group.alternatives):
        findings = [f for c in alternative if c.term in consulted for f in _judge(c, use)]
        ranked.append((VERDICTS.index(_verdict(findings)), len(findings), index, findings))
    return min(ranked, key=lambda r: r[:3])[3] if ranked else []


def evaluate(effective: EffectiveTerms, use: Use) -> dict[str, Any]:
    """The verdict for the use, with each violation, obligation and unknown traced to its source."""
    consulted = _consulted(use)
    findings = [f for group in effective.groups for f in _best_alternative(group, use, consulted)]
    seen: set[tuple] = set()
    unique = []
    for f in findings:
        # The same duty from the same licence met twice on the way is one duty (the nearest is shown).
        key = (f.kind, f.term, f.message, f.contribution.licence)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return {
        "model": effective.model,
        "use": {k: v for k, v in asdict(use).items() if v is not None},
        "verdict": _verdict(unique),
        "violations": [f.as_dict() for f in unique if f.kind == "violation"],
        "obligations": [f.as_dict() for f in unique if f.kind == "obligation"],
        "unknowns": [f.as_dict() for f in unique if f.kind == "unknown"],
        "caveats": effective.caveats(),
    }
