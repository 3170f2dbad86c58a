"""The notice bundle as files: NOTICE, NOTICE.md, obligations.json, licence texts and policy copies; or one zip."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, Iterable

from api.documents import license_texts
from api.domain.notice import LicenceInfo, PolicyInfo, build_notice, policy_file
from api.domain.notice_render import markdown, text
from api.domain.terms import EffectiveTerms
from api.domain.verdicts import Use

ZIP_MEDIA_TYPE = "application/zip"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no clock time, so the same notice gives the same bytes


def licence_ids(effective: EffectiveTerms) -> set[str]:
    """Every licence id met in the effective terms."""
    return {licence for group in effective.groups for alternative in group.licence_sets
            for licence in alternative if licence}


def licence_infos(records: Iterable[tuple[str, str | None, str | None]]) -> dict[str, LicenceInfo]:
    """(id, name, url) records → what the notice needs, with whether the full text ships."""
    shipped = license_texts.shipped_text_ids()
    return {licence_id: LicenceInfo(licence_id, name, url, licence_id in shipped)
            for licence_id, name, url in records}


def policy_infos() -> dict[str, PolicyInfo]:
    return {name: PolicyInfo(name, record.get("url"), policy_file(name) if record.get("text") else None)
            for name, record in license_texts.use_policies().items()}


def notice_for(effective: EffectiveTerms, use: Use | None,
               licences: Iterable[tuple[str, str | None, str | None]]) -> dict[str, Any]:
    return build_notice(effective, use, licence_infos(licences), policy_infos())


def obligations_json(notice: dict[str, Any]) -> str:
    return json.dumps(notice, indent=2, ensure_ascii=False) + "\n"


# format → (renderer, media type) for the single-file renderings
RENDERINGS = {"json": (obligations_json, "application/json"), "text": (text, "text/plain"),
              "markdown": (markdown, "text/markdown")}


def bundle_files(notice: dict[str, Any]) -> dict[str, str]:
    """Path in the bundle → content."""
    files = {"NOTICE": text(notice), "NOTICE.md": markdown(notice), "obligations.json": obligations_json(notice)}
    for entry in notice["license_texts"]:
        if entry.get("file"):
            files[entry["file"]] = license_texts.licence_text(entry["license"]) or ""
    for entry in notice["use_policies"]:
        if entry.get("file"):
            files[entry["file"]] = license_texts.use_policy_text(entry["policy"]) or ""
    return files


def bundle_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            entry = zipfile.ZipInfo(path, _FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16  # a plain readable file when unpacked
            archive.writestr(entry, files[path])
    return buffer.getvalue()
