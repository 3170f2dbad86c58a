"""Render a compliance report for people and for CI: text, JSON, JUnit XML, SARIF 2.1.0, Markdown."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from xml.etree import ElementTree as ET

from api.version import TOOL_URI, VERSION

SRCROOT = "%SRCROOT%"
FINGERPRINT = "pedigreeFinding/v1"
RULES = {
    "license-policy": "A licence the model is subject to is denied or not allowed by the policy.",
    "use-forbidden": "The intended use is forbidden by a licence in the model's lineage.",
    "unknown-terms": "Terms the intended use depends on are unknown.",
    "unknown-model": "The model is not recorded in Pedigree.",
    "declared-license-conflict": "The declared licence is looser than what the model inherits.",
    "obligation": "An obligation to fulfil when using or shipping the model.",
    "waiver-expired": "A waiver in the policy has expired.",
}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def _counts(model: dict[str, Any]) -> tuple[int, int, int]:
    severities = [f["severity"] for f in model["findings"]]
    return severities.count("error"), severities.count("warning"), severities.count("note")


def closing_line(report: dict[str, Any]) -> str:
    s = report["summary"]
    return (f"result: {report['result'].upper()} ({s['models']} models checked: {s['passed']} pass, "
            f"{s['failed']} fail; {s['error']} errors, {s['warning']} warnings)")


def text(report: dict[str, Any], colour: bool = False) -> str:
    def paint(value: str, code: str) -> str:
        return f"\033[{code}m{value}\033[0m" if colour else value

    width = max([len(m["model"]) for m in report["models"]] + [5])
    lines = [f"{'STATUS':<6}  {'MODEL':<{width}}  {'VERDICT':<26}  ERRORS  WARNINGS"]
    for model in report["models"]:
        errors, warnings, _ = _counts(model)
        status = paint("PASS", "32") if model["status"] == "pass" else paint("FAIL", "31;1")
        lines.append(f"{status:<6}  {model['model']:<{width}}  {model['verdict'] or '-':<26}  "
                     f"{errors:>6}  {warnings:>8}")
        for finding in model["findings"]:
            if finding["severity"] in ("error", "warning"):
                mark = paint(finding["severity"], "31" if finding["severity"] == "error" else "33")
                waived = " [waived]" if finding.get("waived_by") else ""
                lines.append(f"        {mark}: {finding['rule']}: {finding['message']}{waived}")
                lines.append(f"          fix: {finding['fix']}")
    lines.append(closing_line(report))
    return "\n".join(lines) + "\n"


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def junit(report: dict[str, Any], seconds: float = 0.0) -> str:
    """JUnit XML; `seconds` is the time the whole check took (per model it is not measured: each case has 0)."""
    elapsed = f"{seconds:.3f}"
    suite = ET.Element("testsuite", {
        "name": "pedigree licence check" + (f" ({report['policy']})" if report.get("policy") else ""),
        "tests": str(report["summary"]["models"]),
        "failures": str(report["summary"]["failed"]),
        "errors": "0",
        "skipped": "0",
        "time": elapsed,
    })
    for model in report["models"]:
        case = ET.SubElement(suite, "testcase", {"classname": "pedigree.models", "name": model["model"],
                                                 "time": "0.000"})
        errors = [f for f in model["findings"] if f["severity"] == "error"]
        if errors:
            failure = ET.SubElement(case, "failure", {
                "message": "; ".join(f"{f['rule']}: {f['message']}" for f in errors)[:2000],
                "type": errors[0]["rule"],
            })
            failure.text = "\n".join(f"{f['rule']}: {f['message']}\n  fix: {f['fix']}" for f in errors)
        others = [f for f in model["findings"] if f["severity"] != "error"]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"{f['severity']}: {f['rule']}: {f['message']}" for f in others)
    testsuites = ET.Element("testsuites", {"name": "pedigree", "tests": str(report["summary"]["models"]),
                                           "failures": str(report["summary"]["failed"]), "time": elapsed})
    testsuites.append(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(testsuites, encoding="unicode") + "\n"


def fingerprint(model: str, finding: dict[str, Any]) -> str:
    """The same finding on the same model hashes the same in every run (no time, no order, no path in it)."""
    parts = [finding["rule"], model, finding.get("term") or "", finding.get("license") or "", finding["message"]]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def sarif(report: dict[str, Any], manifest: str | None = None, lines: dict[str, int] | None = None) -> str:
    """SARIF 2.1.0; `manifest` is the manifest's path relative to the repository root (%SRCROOT%)."""
    used_rules = sorted({f["rule"] for m in report["models"] for f in m["findings"]})
    results = []
    for model in report["models"]:
        for finding in model["findings"]:
            result = {
                "ruleId": finding["rule"],
                "ruleIndex": used_rules.index(finding["rule"]),
                "level": _SARIF_LEVEL[finding["severity"]],
                "message": {"text": f"{model['model']}: {finding['message']}"},
                "partialFingerprints": {FINGERPRINT: fingerprint(model["model"], finding)},
                "properties": {"model": model["model"], "fix": finding["fix"],
                               **({"term": finding["term"]} if finding.get("term") else {}),
                               **({"license": finding["license"]} if finding.get("license") else {})},
            }
            if finding.get("waived_by"):
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": f"{finding['waived_by']['reason']} "
                                           f"(approved by {finding['waived_by']['approved_by']}, "
                                           f"expires {finding['waived_by']['expires']})"}]
            if manifest:
                result["locations"] = [{"physicalLocation": {
                    "artifactLocation": {"uri": manifest, "uriBaseId": SRCROOT},
                    "region": {"startLine": (lines or {}).get(model["model"], 1)},
                }}]
            results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "Pedigree",
                "version": VERSION,
                "semanticVersion": VERSION,
                "informationUri": TOOL_URI,
                "rules": [{"id": rule, "shortDescription": {"text": RULES.get(rule, rule)},
                           "help": {"text": RULES.get(rule, rule)}} for rule in used_rules],
            }},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def markdown(report: dict[str, Any]) -> str:
    icon = "✅" if report["result"] == "pass" else "❌"
    lines = [f"## {icon} Pedigree licence check: {report['result']}", "",
             f"{closing_line(report)}", "",
             "| Model | Status | Verdict | Errors | Warnings |", "|---|---|---|---:|---:|"]
    for model in report["models"]:
        errors, warnings, _ = _counts(model)
        status = "✅ pass" if model["status"] == "pass" else "❌ fail"
        lines.append(f"| `{model['model']}` | {status} | {model['verdict'] or '–'} | {errors} | {warnings} |")
    failing = [m for m in report["models"] if any(f["severity"] in ("error", "warning") for f in m["findings"])]
    for model in failing:
        lines += ["", f"### `{model['model']}`", ""]
        for finding in model["findings"]:
            if finding["severity"] in ("error", "warning"):
                lines.append(f"- **{finding['severity']}** `{finding['rule']}`: {finding['message']}  \n"
                             f"  _Fix:_ {finding['fix']}")
    with_duties = [m for m in report["models"] if any(f["rule"] == "obligation" for f in m["findings"])]
    if with_duties:
        lines += ["", "### Obligations", "",
                  "What each model requires when you ship or serve it (passing models included):"]
        for model in with_duties:
            lines += ["", f"**`{model['model']}`**", ""]
            lines += [f"- {f['message']}" for f in model["findings"] if f["rule"] == "obligation"]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": text, "json": as_json, "junit": junit, "sarif": sarif, "markdown": markdown}
