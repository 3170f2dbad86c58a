"""Evaluate a concrete use against effective terms: permitted, with obligations, forbidden or unknown."""

from __future__ import annotations

from dataclasses import dataclass, fields
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


_USE_QUESTIONS = tuple(f.name for f in fields(Use))


@dataclass(slots=True)
class TermFinding:
    """What one contribution means for a use. Not changed once made (not frozen: a batch check makes thousands)."""

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


def _judge(c: Contribution, use: Use) -> list[TermFinding]:
    """What one contribution means for the use."""
    if c.value == UNKNOWN:
        return [TermFinding("unknown", c.term, f"{c.term.replace('_', ' ')} is unknown ({c.explain()})", c)]
    judge = _JUDGES.get(c.term)
    return judge(c, use) if judge else []


def _violation(c: Contribution, message: str) -> list[TermFinding]:
    return [TermFinding("violation", c.term, message, c)]


def _obligation(c: Contribution, message: str) -> list[TermFinding]:
    return [TermFinding("obligation", c.term, message, c)]


def _note(c: Contribution) -> str:
    return f": {c.note}" if c.note else ""


def _forbidden_or_limited(forbidden: str, limited: str, limited_value: str = "conditional"):
    """A term valued `forbidden` (a violation) or `limited_value` (an obligation, with the licence's note)."""

    def judge(c: Contribution, use: Use) -> list[TermFinding]:
        if c.value == "forbidden":
            return _violation(c, forbidden)
        if c.value == limited_value:
            return _obligation(c, f"{limited}{_note(c)}")
        return []

    return judge


def _each(template: str):
    """A term whose value is a list: one obligation per entry."""

    def judge(c: Contribution, use: Use) -> list[TermFinding]:
        return [TermFinding("obligation", c.term, template.format(entry), c) for entry in c.value]

    return judge


def _research_only(c: Contribution, use: Use) -> list[TermFinding]:
    return _violation(c, "the licence permits research use only") if c.value is True else []


def _user_cap(c: Contribution, use: Use) -> list[TermFinding]:
    cap, users = c.value, use.monthly_active_users
    if cap is None or users is None:
        return []
    if users > cap:
        return _violation(c, f"{users:,} monthly active users exceeds the cap of {cap:,}")
    return _obligation(c, f"stay at or under {cap:,} monthly active users")


def _share_alike(c: Contribution, use: Use) -> list[TermFinding]:
    return _obligation(c, f"derivatives must carry the same licence ({c.licence})") if c.value is True else []


def _no_derivatives(c: Contribution, use: Use) -> list[TermFinding]:
    if c.value != "forbidden":
        return []
    if c.role == "declared":
        return _obligation(c, f"share only unmodified copies: {c.licence} allows no adaptations")
    return _violation(c, f"this model adapts material under {c.licence}, which forbids sharing "
                         "adaptations, so its weights may not be distributed")


def _licence_text(c: Contribution, use: Use) -> list[TermFinding]:
    return _obligation(c, f"include the text of {c.licence}") if c.value is True else []


_JUDGES = {
    "commercial_use": _forbidden_or_limited("commercial use is forbidden", "commercial use is conditional"),
    "research_only": _research_only,
    "max_monthly_active_users": _user_cap,
    "redistribution": _forbidden_or_limited("redistributing the weights is forbidden", "redistribution is conditional"),
    "outputs_train_other_models": _forbidden_or_limited("using outputs to train other models is forbidden",
                                                        "using outputs to train other models is restricted",
                                                        limited_value="restricted"),
    "share_alike": _share_alike,
    "derivatives": _no_derivatives,
    "include_license_text": _licence_text,
    "derivative_name_prefix": _each("a distributed derivative's name must begin with '{}'"),
    "attribution": _each("show the notice: {}"),
    "use_restrictions": _each("comply with and pass on: {}"),
}


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


def judge(effective: EffectiveTerms, use: Use) -> tuple[str, list[TermFinding]]:
    """The verdict for the use and the findings behind it, each holding the contribution that raised it (whose
    provenance `evaluate` writes out)."""
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
    return _verdict(unique), unique


def evaluate(effective: EffectiveTerms, use: Use) -> dict[str, Any]:
    """The verdict for the use, with each violation, obligation and unknown traced to its source."""
    verdict, unique = judge(effective, use)
    return {
        "model": effective.model,
        "use": {name: getattr(use, name) for name in _USE_QUESTIONS if getattr(use, name) is not None},
        "verdict": verdict,
        "violations": [f.as_dict() for f in unique if f.kind == "violation"],
        "obligations": [f.as_dict() for f in unique if f.kind == "obligation"],
        "unknowns": [f.as_dict() for f in unique if f.kind == "unknown"],
        "caveats": effective.caveats(),
    }


def summarised(verdict: dict[str, Any]) -> dict[str, Any]:
    """The verdict with each finding cut to its term, message and licence, and each caveat to what it names:
    for clients that want the answer, not its provenance (`view=summary`)."""
    def short(finding: dict[str, Any]) -> dict[str, Any]:
        return {"term": finding["term"], "message": finding["message"],
                "license": (finding.get("provenance") or {}).get("license")}

    return {**verdict, **{kind: [short(f) for f in verdict[kind]] for kind in ("violations", "obligations", "unknowns")},
            "caveats": caveats_named(verdict["caveats"])}


def caveats_named(caveats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each caveat cut to what it names: its kind, dataset and generating model."""
    return [{key: caveat[key] for key in ("kind", "dataset", "model") if caveat.get(key)} for caveat in caveats]
