"""What a product that ships or serves a model must carry: the obligations of a use, grouped for a NOTICE.

Built on `evaluate()`: each licence group (the model's own licence, each ancestor's, each dataset's) is
evaluated on its own, so that a duty two datasets impose names both datasets, not just the nearest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from api.domain.terms import EffectiveTerms
from api.domain.verdicts import Use, evaluate

# Without a use, the bundle covers shipping the weights: the case that triggers every notice duty.
SHIPPING = Use(redistribute_weights=True)
LIST_TERMS = ("attribution", "derivative_name_prefix", "use_restrictions")
ROLE_LABELS = {"declared": "declared licence", "ancestor": "ancestor", "training_data": "training data",
               "generator": "generator of training data"}


@dataclass(frozen=True)
class LicenceInfo:
    """What the bundle says about one licence: its name, its link, and whether its full text ships."""

    id: str
    name: str | None = None
    url: str | None = None
    text_shipped: bool = False


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    url: str | None = None
    text_file: str | None = None


def licence_file(licence_id: str) -> str:
    return f"licenses/{licence_id}.txt"


def policy_file(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"policies/{slug}.md"


def _carrier(provenance: dict[str, Any]) -> dict[str, Any]:
    return {"kind": provenance["imposed_by"]["kind"], "id": provenance["imposed_by"]["id"],
            "role": provenance["role"], "license": provenance["license"], "path": provenance["path"]}


class _Collector:
    """Entries keyed by what they say, each accumulating every record that requires it."""

    def __init__(self) -> None:
        self.entries: dict[tuple, dict[str, Any]] = {}

    def add(self, key: tuple, entry: dict[str, Any], carrier: dict[str, Any]) -> None:
        current = self.entries.get(key)
        if current is None:
            current = self.entries[key] = {**entry, "required_by": []}
        elif "reasons" in entry:  # a licence both share-alike and text-required is one text with both reasons
            current["reasons"] = sorted(set(current["reasons"]) | set(entry["reasons"]))
        if all((c["kind"], c["id"]) != (carrier["kind"], carrier["id"]) for c in current["required_by"]):
            current["required_by"].append(carrier)

    def values(self) -> list[dict[str, Any]]:
        return list(self.entries.values())


def build_notice(effective: EffectiveTerms, use: Use | None, licences: dict[str, LicenceInfo],
                 policies: dict[str, PolicyInfo]) -> dict[str, Any]:
    """The obligations of the use (shipping the weights when None), grouped as a NOTICE lists them."""
    use = use or SHIPPING
    verdict = evaluate(effective, use)
    attribution, prefixes, policies_out, share_alike, texts, conditions = (_Collector() for _ in range(6))
    sources: dict[tuple[str, str], dict[str, Any]] = {}
    for group in effective.groups:
        alone = dataclasses.replace(effective, groups=[group])
        for finding in evaluate(alone, use)["obligations"]:
            term, provenance = finding["term"], finding["provenance"]
            licence = provenance["license"]
            carrier = _carrier(provenance)
            sources.setdefault((group.carrier_kind, group.carrier), {
                "kind": group.carrier_kind, "id": group.carrier, "license": group.expression,
                "role": group.role, "path": [hop.id for hop in group.path]})
            if term == "attribution":
                for notice in finding["value"]:
                    attribution.add((notice, licence), {"notice": notice, "license": licence}, carrier)
            elif term == "derivative_name_prefix":
                for prefix in finding["value"]:
                    prefixes.add((prefix,), {"prefix": prefix, "license": licence}, carrier)
            elif term == "use_restrictions":
                for name in finding["value"]:
                    known = policies.get(name)
                    link = (known.url if known and known.url else None) or _licence_url(licences, licence)
                    policies_out.add((name,), {
                        "policy": name, "url": link, "license": licence,
                        "file": known.text_file if known and known.text_file else None,
                    }, carrier)
            elif term == "share_alike":
                share_alike.add((licence,), {"license": licence, "message": finding["message"]}, carrier)
                texts.add((licence,), _text_entry(licences, licence, "share_alike"), carrier)
            elif term == "include_license_text":
                texts.add((licence,), _text_entry(licences, licence, "include_license_text"), carrier)
            else:
                conditions.add((term, finding["message"], licence),
                               {"term": term, "message": finding["message"], "license": licence}, carrier)
    return {
        "model": effective.model,
        "use": verdict["use"],
        "verdict": verdict["verdict"],
        "attribution": attribution.values(),
        "name_prefixes": prefixes.values(),
        "use_policies": policies_out.values(),
        "share_alike": share_alike.values(),
        "license_texts": texts.values(),
        "conditions": conditions.values(),
        "violations": [_brief(f) for f in verdict["violations"]],
        "unknowns": [_brief(f) for f in verdict["unknowns"]],
        "caveats": list(verdict.get("caveats") or []),
        "sources": sorted(sources.values(), key=lambda s: (len(s["path"]), s["kind"], s["id"])),
    }


def _licence_url(licences: dict[str, LicenceInfo], licence_id: str | None) -> str | None:
    info = licences.get(licence_id) if licence_id else None
    return info.url if info else None


def _text_entry(licences: dict[str, LicenceInfo], licence_id: str, reason: str) -> dict[str, Any]:
    info = licences.get(licence_id) or LicenceInfo(licence_id)
    return {"license": licence_id, "name": info.name, "url": info.url,
            "file": licence_file(licence_id) if info.text_shipped else None, "reasons": [reason]}


def _brief(finding: dict[str, Any]) -> dict[str, Any]:
    return {"term": finding["term"], "message": finding["message"],
            "explanation": finding["provenance"]["explanation"]}
