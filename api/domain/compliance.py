"""Check a batch of models against a policy: per-model findings and one overall pass or fail.

Findings carry a severity (error / warning / note), the rule that raised them, the provenance from
the terms engine and a one-line how-to-fix. Errors fail the check; a live waiver turns a model's
errors into notes; an expired waiver is itself a warning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from api.domain import expressions
from api.domain.conflicts import conflicts
from api.domain.lineage import LicenceRecord, Lineage
from api.domain.terms import Contribution, EffectiveTerms, Group, effective_terms
from api.domain.verdicts import Use, caveats_named, judge


@dataclass(frozen=True)
class LicenceRules:
    licences: frozenset[str] = frozenset()
    expressions: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Waiver:
    model: str
    licence: str | None
    approved_by: str
    reason: str
    expires: str


@dataclass(frozen=True)
class Policy:
    use: Use = Use()
    allow: LicenceRules | None = None
    deny: LicenceRules | None = None
    fail_on_unknown: bool = True
    fail_on_conflicts: bool = False
    include_training_data: bool = True
    training_data: str = "caveat"  # caveat | strict (DESIGN §2)
    fail_on_caveats: bool = False
    waivers: tuple[Waiver, ...] = ()
    name: str | None = None


def policy_from_data(data: dict[str, Any], canonical_licence) -> Policy:
    """Build a Policy from validated data; `canonical_licence(name)` maps ids/aliases to ids (or None)."""

    def rules(raw: dict | None) -> LicenceRules | None:
        if raw is None:
            return None
        return LicenceRules(
            licences=frozenset(canonical_licence(name) or name for name in raw.get("licenses", [])),
            expressions=frozenset(_canonical_expression(text, canonical_licence) for text in raw.get("expressions", [])),
            tags=frozenset(tag.lower() for tag in raw.get("tags", [])),
        )

    return Policy(
        use=Use(**data.get("use", {})),
        allow=rules(data.get("allow")),
        deny=rules(data.get("deny")),
        fail_on_unknown=data.get("fail_on_unknown", True),
        fail_on_conflicts=data.get("fail_on_conflicts", False),
        include_training_data=data.get("include_training_data", True),
        training_data=data.get("training_data", "caveat"),
        fail_on_caveats=data.get("fail_on_caveats", False),
        waivers=tuple(Waiver(w["model"], canonical_licence(w["license"]) if w.get("license") else None,
                             w["approved_by"], w["reason"], w["expires"]) for w in data.get("waivers", [])),
        name=data.get("name"),
    )


def _canonical_expression(text: str, canonical_licence) -> str:
    try:
        return expressions.normalise(text, lambda names: {n: canonical_licence(n) for n in names
                                                          if canonical_licence(n)})[0]
    except (expressions.InvalidExpression, expressions.UnknownLicences):
        return text


@dataclass
class PolicyFinding:
    """One result of checking a model against a policy: a rule, its severity, the fix (a SARIF result)."""

    severity: str  # error | warning | note
    rule: str
    message: str
    fix: str
    term: str | None = None
    licence: str | None = None
    provenance: dict[str, Any] | None = None
    waived_by: dict[str, Any] | None = None
    origin: Contribution | None = None  # the provenance, written out only when asked for (`as_dict`)

    def as_dict(self, with_provenance: bool = True) -> dict[str, Any]:
        body = {}
        for name, key in _FINDING_KEYS:
            value = getattr(self, name)
            if name == "provenance":
                if not with_provenance:
                    continue
                if self.origin is not None:
                    value = self.origin.provenance()
            if value is not None:
                body[key] = value  # shared, not copied: the answer is written at once
        return body


_FINDING_KEYS = tuple((f.name, "license" if f.name == "licence" else f.name) for f in dataclasses.fields(PolicyFinding)
                      if f.name != "origin")


@dataclass
class ModelResult:
    model: str
    findings: list[PolicyFinding] = field(default_factory=list)
    verdict: str | None = None
    licence: str | None = None
    resolved_id: str | None = None  # the current id, when the model was named by a former id or another case
    caveats: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "fail" if any(f.severity == "error" for f in self.findings) else "pass"

    def as_dict(self) -> dict[str, Any]:
        body = {"model": self.model, "status": self.status, "verdict": self.verdict, "license": self.licence,
                "findings": [f.as_dict() for f in self.findings], "caveats": self.caveats}
        if self.resolved_id and self.resolved_id != self.model:
            body["resolved_id"] = self.resolved_id
        return body

    def compact(self) -> dict[str, Any]:
        """What a pipeline needs to pass or fail a build (`detail: "findings"`, the default): the status, verdict
        and the findings that decide it (errors and warnings, without provenance), the notes counted, the
        caveats' datasets named. `as_dict` (`detail: "full"`) is the whole result."""
        body = {"model": self.model, "status": self.status, "verdict": self.verdict, "license": self.licence}
        if self.resolved_id and self.resolved_id != self.model:
            body["resolved_id"] = self.resolved_id
        decisive = [f.as_dict(with_provenance=False) for f in self.findings if f.severity != "note"]
        return {**body, "findings": decisive, "notes": len(self.findings) - len(decisive),
                "caveats": caveats_named(self.caveats)}


def _licence_allowed(licence_id: str | None, tags: dict[str, set[str]], policy: Policy) -> tuple[bool, str]:
    """Whether one licence passes the allow/deny rules, and why not."""
    if licence_id is None:
        return False, "no licence"
    own_tags = tags.get(licence_id, set())
    if policy.deny and (licence_id in policy.deny.licences or own_tags & policy.deny.tags):
        matched = sorted(own_tags & policy.deny.tags)
        return False, f"{licence_id} is denied" + (f" (tag {', '.join(matched)})" if matched else "")
    if policy.allow and not (licence_id in policy.allow.licences or own_tags & policy.allow.tags):
        return False, f"{licence_id} is not on the allow list"
    return True, ""


def _group_passes(group: Group, tags: dict[str, set[str]], policy: Policy) -> tuple[bool, list[str]]:
    """`A OR B` passes if any branch is allowed; `A AND B` needs every part allowed."""
    if policy.allow and group.expression and group.expression in policy.allow.expressions:
        return True, []
    if policy.deny and group.expression and group.expression in policy.deny.expressions:
        return False, [f"the expression {group.expression} is denied"]
    reasons: list[str] = []
    for licence_ids in group.licence_sets:
        verdicts = [_licence_allowed(licence_id, tags, policy) for licence_id in licence_ids]
        if all(ok for ok, _ in verdicts):
            return True, []
        reasons.append("; ".join(why for ok, why in verdicts if not ok))
    return False, reasons


def _licence_findings(effective: EffectiveTerms, tags: dict[str, set[str]], policy: Policy) -> list[PolicyFinding]:
    if policy.allow is None and policy.deny is None:
        return []
    findings = []
    for group in effective.groups:
        if group.role == "generator":
            continue
        ok, reasons = _group_passes(group, tags, policy)
        if ok:
            continue
        where = "its declared licence" if group.role == "declared" else f"{group.role.replace('_', ' ')} {group.carrier}"
        route = " → ".join(hop.id for hop in group.path)
        findings.append(PolicyFinding(
            "error", "license-policy",
            f"{where} ({group.expression or 'no licence'}) fails the licence policy: {' / '.join(reasons)}",
            "Use a model whose lineage carries only allowed licences, or add a waiver approved by your legal team.",
            licence=group.expression,
            provenance={"imposed_by": {"kind": group.carrier_kind, "id": group.carrier}, "path": route.split(" → ")},
        ))
    return findings


def _use_findings(effective: EffectiveTerms, policy: Policy) -> tuple[str, list[dict[str, Any]], list[PolicyFinding]]:
    """The verdict for the policy's use, the caveats, and the findings they give (each finding's provenance is
    written out only if the answer shows it)."""
    verdict, judged = judge(effective, policy.use)
    caveats = effective.caveats()
    findings = [
        PolicyFinding("error", "use-forbidden", f"{v.message} ({v.contribution.explain()})",
                "Pick another model, change the intended use, or obtain a separate licence from the rights holder.",
                term=v.term, licence=v.contribution.licence, origin=v.contribution)
        for v in judged if v.kind == "violation"
    ]
    findings += [
        PolicyFinding("error" if policy.fail_on_unknown else "warning", "unknown-terms", u.message,
                "Record the missing licence or terms in Pedigree (or describe the placeholder record).",
                term=u.term, licence=u.contribution.licence, origin=u.contribution)
        for u in judged if u.kind == "unknown"
    ]
    findings += [
        PolicyFinding("note", "obligation", o.message, "Fulfil this obligation when you ship.",
                term=o.term, licence=o.contribution.licence, origin=o.contribution)
        for o in judged if o.kind == "obligation"
    ]
    findings += [
        PolicyFinding("error" if policy.fail_on_caveats else "warning", "training-data-caveat", c["message"],
                "Check the training data's licence yourself, or record it in Pedigree.",
                provenance={"imposed_by": {"kind": "dataset", "id": c["dataset"]}, "path": c["path"]})
        for c in caveats
    ]
    return verdict, caveats, findings


def _conflict_findings(effective: EffectiveTerms, policy: Policy) -> list[PolicyFinding]:
    return [
        PolicyFinding("error" if policy.fail_on_conflicts else "warning", "declared-license-conflict", c["message"],
                "Treat the model as carrying the inherited terms; ask its publisher to correct the declared licence.",
                term=c["term"], licence=c["declared_license"], provenance=c["sources"][0] if c["sources"] else None)
        for c in conflicts(effective)
    ]


def _apply_waivers(result: ModelResult, policy: Policy, today: str) -> None:
    for waiver in policy.waivers:
        if waiver.model != result.model:
            continue
        if waiver.expires < today:
            result.findings.append(PolicyFinding(
                "warning", "waiver-expired",
                f"waiver approved by {waiver.approved_by} expired on {waiver.expires}: {waiver.reason}",
                "Renew the waiver or remove it from the policy."))
            continue
        for finding in result.findings:
            if finding.severity == "error" and (waiver.licence is None or waiver.licence in (finding.licence or "")):
                finding.severity = "note"
                finding.waived_by = {"approved_by": waiver.approved_by, "reason": waiver.reason,
                                     "expires": waiver.expires}


def model_results(terms_of: Callable[[str], EffectiveTerms | None], licences: dict[str, LicenceRecord],
                  model_ids: list[str], policy: Policy, today: str,
                  current_ids: dict[str, str] | None = None, detail: str = "full") -> list[dict[str, Any]]:
    """Each model's result (status, verdict, findings with provenance); unknown ids are findings, not errors.
    `detail` "full" (`ModelResult.as_dict`) or "findings" (`ModelResult.compact`).

    `terms_of(current id)` gives the model's effective terms under the policy's training-data options, None for a
    model not recorded; `licences` holds at least every licence those terms name. `current_ids` maps ids as
    asked (another case, a former id) to current ones.
    """
    tags = {licence_id: {c.lower() for c in record.categories} for licence_id, record in licences.items()}
    results = []
    for model_id in dict.fromkeys(model_ids):
        current = (current_ids or {}).get(model_id, model_id)
        result = ModelResult(model_id, resolved_id=current)
        effective = terms_of(current)
        if effective is None:
            result.findings.append(PolicyFinding(
                "error" if policy.fail_on_unknown else "warning", "unknown-model",
                f"{model_id} is not recorded in Pedigree: its terms are unknown",
                "Add the model (POST /v1/models or import its model card), or correct the id."))
        else:
            declared = effective.declared_group()
            result.licence = declared.expression if declared else None
            result.verdict, result.caveats, use_findings = _use_findings(effective, policy)
            result.findings += _licence_findings(effective, tags, policy) + use_findings
            result.findings += _conflict_findings(effective, policy)
        _apply_waivers(result, policy, today)
        results.append(result.as_dict() if detail == "full" else result.compact())
    return results


def walked_terms(snapshot: Lineage, policy: Policy) -> Callable[[str], EffectiveTerms | None]:
    """`terms_of` for `model_results` that walks each model's lineage on a snapshot holding it."""
    def terms_of(model_id: str) -> EffectiveTerms | None:
        if model_id not in snapshot.models:
            return None
        return effective_terms(snapshot.with_root(model_id), policy.include_training_data, policy.training_data)

    return terms_of


def report(models: list[dict[str, Any]], policy_name: str | None, detail: str = "full") -> dict[str, Any]:
    """The whole answer from per-model results, full or compacted (`ModelResult.compact`)."""
    failed = sum(m["status"] == "fail" for m in models)
    counts = {severity: sum(f["severity"] == severity for m in models for f in m["findings"])
              for severity in ("error", "warning", "note")}
    if detail != "full":  # compacted results count their notes instead of listing them
        counts["note"] = sum(m["notes"] for m in models)
    return {
        "result": "fail" if failed else "pass",
        "detail": detail,
        "policy": policy_name,
        "summary": {"models": len(models), "passed": len(models) - failed, "failed": failed, **counts},
        "models": models,
    }


def check(snapshot: Lineage, model_ids: list[str], policy: Policy, today: str,
          current_ids: dict[str, str] | None = None) -> dict[str, Any]:
    """Check every model on one shared snapshot: the full report."""
    results = model_results(walked_terms(snapshot, policy), snapshot.licences, model_ids, policy, today, current_ids)
    return report(results, policy.name)

