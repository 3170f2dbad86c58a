"""`pedigree`: check the models a product uses against a licence policy, in CI; write ML-BOMs.

    pedigree check MANIFEST --policy POLICY [--server URL | --hub] [--format text|json|junit|sarif|markdown] [--output FILE]
    pedigree bom MANIFEST --out-dir DIR [--format cyclonedx|spdx3] [--spec-version 1.6|1.7] [--server URL | --hub]
    pedigree notice MANIFEST --out-dir DIR [--commercial] [--redistribute-weights] [...] [--server URL]

Without --server it answers offline from the built-in catalogue (with --hub, models the catalogue lacks
are read from the Hugging Face Hub at PEDIGREE_HUB_ENDPOINT). With --server it asks a Pedigree
service, sending the token in PEDIGREE_TOKEN (if set) as a bearer token.
Exit codes: 0 pass, 1 policy violations, 2 usage or policy-file error, 3 server unreachable or failing.
Imports stay light (no Flask, no SQLAlchemy) so that a CI step starts fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

EXIT_PASS, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_SERVER = 0, 1, 2, 3


class UsageProblem(Exception):
    """Bad arguments, manifest or policy file: exit 2."""


class ServerProblem(Exception):
    """The server could not be reached or failed: exit 3."""


def _read_policy(path: str) -> dict[str, Any]:
    import yaml
    from marshmallow import ValidationError

    from schemas.policy import PolicySchema

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageProblem(f"cannot read policy {path}: {error}") from None
    except yaml.YAMLError as error:
        raise UsageProblem(f"policy {path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise UsageProblem(f"policy {path} must be a mapping")
    try:
        PolicySchema().load(raw)
    except ValidationError as error:
        raise UsageProblem(f"policy {path} is not valid: {json.dumps(error.messages)}") from None
    return raw


def _request(server: str, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    url = server.rstrip("/") + path
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    token = os.environ.get("PEDIGREE_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("PEDIGREE_TIMEOUT", "60"))) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        payload = error.read()
        if error.code >= 500:
            raise ServerProblem(f"{server} answered {error.code}: {payload[:300].decode(errors='replace')}") from None
        return error.code, payload
    except (urllib.error.URLError, OSError) as error:
        raise ServerProblem(f"cannot reach {server}: {getattr(error, 'reason', error)}") from None


def _client_error(status: int, payload: bytes) -> UsageProblem:
    try:
        body = json.loads(payload)
        detail = body.get("detail", "") + (f" {json.dumps(body['errors'])}" if body.get("errors") else "")
    except ValueError:
        detail = payload[:300].decode(errors="replace")
    return UsageProblem(f"the server refused the request ({status}): {detail}")


_CACHE: dict[str, Any] = {}


def _offline_catalogue() -> dict:
    from api.catalogue import read_catalogue

    if "catalogue" not in _CACHE:
        _CACHE["catalogue"] = read_catalogue()
    return _CACHE["catalogue"]


def _offline_snapshot(wanted: list[str], hub: bool = False):
    """The catalogue as one snapshot, the licence names it knows, and the current id of each wanted model."""
    from api.catalogue import current_model_ids, licence_names, snapshot_from_catalogue

    catalogue = _offline_catalogue()
    if hub:  # extend a copy: the cached catalogue stays as shipped
        catalogue = {kind: list(records) for kind, records in catalogue.items()}
        _add_from_hub(catalogue, wanted)
    return snapshot_from_catalogue(catalogue), licence_names(catalogue), current_model_ids(catalogue, wanted)


def _hub_wanted(args) -> bool:
    """--hub, or PEDIGREE_HUB=on-demand in the environment (the offline CLI's default is off)."""
    return bool(getattr(args, "hub", False)) or os.environ.get("PEDIGREE_HUB", "off").strip().lower() == "on-demand"


def _add_from_hub(catalogue: dict, wanted: list[str]) -> None:
    from api.hub.client import HubError
    from api.hub.offline import extend_catalogue
    from api.hub.settings import settings_from_environment

    try:
        settings = settings_from_environment("on-demand", {**os.environ, "PEDIGREE_HUB": "on-demand"})
        warnings = extend_catalogue(catalogue, wanted, settings)
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    except HubError as error:
        raise ServerProblem(f"the Hugging Face Hub could not be asked: {error}") from None
    for warning in warnings:
        print(f"pedigree: hub: {warning}", file=sys.stderr)


def _relative_to_root(path: str, root: str) -> str:
    """The manifest as a URI relative to the repository root (SARIF's %SRCROOT%), where it lies inside it."""
    resolved, base = Path(path).resolve(), Path(root).resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return Path(path).as_posix()


def run_check(args) -> int:
    from api.ci import reports
    from api.ci.manifest import ManifestError, parse_manifest

    try:
        entries = parse_manifest(args.manifest, args.manifest_kind)
    except ManifestError as error:
        raise UsageProblem(str(error)) from None
    if not entries:
        raise UsageProblem(f"no model ids found in {args.manifest}")
    policy = _read_policy(args.policy)
    ids = [entry.id for entry in entries]
    started = time.monotonic()
    if args.server:
        status, payload = _request(args.server, "POST", "/v1/compliance/check", {"models": ids, "policy": policy,
                                                                            "detail": "full"})
        if status != 200:
            raise _client_error(status, payload)
        report = json.loads(payload)
    else:
        from api.domain.compliance import check, policy_from_data

        snapshot, names, current_ids = _offline_snapshot(ids, _hub_wanted(args))
        report = check(snapshot, ids, policy_from_data(policy, lambda name: names.get(name.lower())),
                       dt.date.today().isoformat(), current_ids)
    seconds = time.monotonic() - started
    lines = {entry.id: entry.line for entry in entries}
    if args.format == "sarif":
        rendered = reports.sarif(report, manifest=_relative_to_root(args.manifest, args.source_root), lines=lines)
    elif args.format == "junit":
        rendered = reports.junit(report, seconds)
    elif args.format == "text":
        colour = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        rendered = reports.text(report, colour=colour)
    else:
        rendered = reports.RENDERERS[args.format](report)
    if args.output:
        Path(args.output).write_text(rendered, encoding="utf-8")
        print(reports.closing_line(report))
    else:
        sys.stdout.write(rendered)
    return EXIT_PASS if report["result"] == "pass" else EXIT_VIOLATIONS


def run_bom(args) -> int:
    from api.ci.manifest import ManifestError, parse_manifest

    try:
        entries = parse_manifest(args.manifest, args.manifest_kind)
    except ManifestError as error:
        raise UsageProblem(str(error)) from None
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    missing = []
    snapshot = None
    spdx = args.format == "spdx3"
    for entry in entries:
        target = out / (entry.id.replace("/", "__") + (".spdx.json" if spdx else ".cdx.json"))
        if args.server:
            path = f"/v1/models/{urllib.parse.quote(entry.id)}/" + (
                "spdx" if spdx else f"bom?spec_version={args.spec_version}")
            status, payload = _request(args.server, "GET", path)
            if status == 404:
                missing.append(entry.id)
                continue
            if status != 200:
                raise _client_error(status, payload)
            target.write_bytes(payload)
        else:
            from api.documents.bom import bom_json
            from api.documents.spdx3 import spdx_json

            if snapshot is None:
                snapshot, _, current_ids = _offline_snapshot([e.id for e in entries], _hub_wanted(args))
            if entry.id not in current_ids:
                missing.append(entry.id)
                continue
            current = current_ids[entry.id]
            document = spdx_json(snapshot, current) if spdx else bom_json(snapshot, current, args.spec_version)
            target.write_text(document, encoding="utf-8")
        print(f"wrote {target}")
    for model_id in missing:
        print(f"error: {model_id} is not recorded in Pedigree; no BOM written", file=sys.stderr)
    return EXIT_VIOLATIONS if missing else EXIT_PASS


USE_FLAGS = ("commercial", "redistribute_weights", "train_other_models_on_outputs", "research_only")


def _use_query(args) -> dict[str, str]:
    query = {flag: "true" for flag in USE_FLAGS if getattr(args, flag)}
    if args.monthly_active_users is not None:
        query["monthly_active_users"] = str(args.monthly_active_users)
    return query


def _unpack(payload: bytes, target: Path) -> None:
    """Unpack a bundle from the server, refusing any entry that would land outside the target folder."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            for name in archive.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise ServerProblem(f"the server's bundle has an unsafe entry: {name!r}")
            archive.extractall(target)
    except zipfile.BadZipFile:
        raise ServerProblem("the server's answer is not a zip bundle") from None


def _offline_bundle(snapshot, model_id: str, query: dict[str, str]) -> dict[str, str]:

    from api.documents import notice_bundle
    from api.domain.terms import effective_terms
    from api.domain.verdicts import Use

    effective = effective_terms(snapshot.with_root(model_id))
    values = {key: (int(value) if key == "monthly_active_users" else True) for key, value in query.items()}
    records = [(lic["id"], lic.get("name"), lic.get("url")) for lic in _offline_catalogue()["licences"]]
    notice = notice_bundle.notice_for(effective, Use(**values) if values else None, records)
    return notice_bundle.bundle_files(notice)


def run_notice(args) -> int:
    from api.ci.manifest import ManifestError, parse_manifest

    try:
        entries = parse_manifest(args.manifest, args.manifest_kind)
    except ManifestError as error:
        raise UsageProblem(str(error)) from None
    if not entries:
        raise UsageProblem(f"no model ids found in {args.manifest}")
    if args.monthly_active_users is not None and args.monthly_active_users < 0:
        raise UsageProblem("--monthly-active-users must be 0 or more")
    query = _use_query(args)
    out = Path(args.out_dir)
    missing = []
    snapshot = None
    for entry in entries:
        target = out / entry.id.replace("/", "__")
        if args.server:
            path = f"/v1/models/{urllib.parse.quote(entry.id)}/notice?" + urllib.parse.urlencode(
                {**query, "format": "zip"})
            status, payload = _request(args.server, "GET", path)
            if status == 404:
                missing.append(entry.id)
                continue
            if status != 200:
                raise _client_error(status, payload)
            target.mkdir(parents=True, exist_ok=True)
            _unpack(payload, target)
        else:
            if snapshot is None:
                snapshot, _, current_ids = _offline_snapshot([e.id for e in entries])
            if entry.id not in current_ids:
                missing.append(entry.id)
                continue
            for name, content in _offline_bundle(snapshot, current_ids[entry.id], query).items():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                (target / name).write_text(content, encoding="utf-8")
        print(f"wrote {target}/NOTICE")
    for model_id in missing:
        print(f"error: {model_id} is not recorded in Pedigree; no notice written", file=sys.stderr)
    return EXIT_VIOLATIONS if missing else EXIT_PASS


def build_parser() -> argparse.ArgumentParser:
    from api.version import VERSION

    parser = argparse.ArgumentParser(prog="pedigree", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"pedigree {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check a manifest of models against a policy")
    check.add_argument("manifest", help="model ids: .txt (one per line), .json/.yaml list, or a requirements-like "
                       "file (hf:// and huggingface.co/ references are picked out)")
    check.add_argument("--policy", required=True, help="policy file (YAML or JSON; see schemas/policy.schema.json)")
    check.add_argument("--server", help="Pedigree service URL (default: offline, built-in catalogue)")
    check.add_argument("--hub", action="store_true", help="offline: read models the catalogue lacks from the "
                       "Hugging Face Hub (PEDIGREE_HUB_ENDPOINT, HF_TOKEN)")
    check.add_argument("--format", choices=["text", "json", "junit", "sarif", "markdown"], default="text")
    check.add_argument("--output", help="write the report here instead of standard output")
    check.add_argument("--manifest-kind", choices=["text", "json", "yaml", "requirements"])
    check.add_argument("--source-root", default=".",
                       help="repository root that SARIF locations are relative to (%%SRCROOT%%; default: here)")
    check.set_defaults(run=run_check)
    bom = commands.add_parser("bom", help="write an ML-BOM (CycloneDX or SPDX 3.0.1) for every model in a manifest")
    bom.add_argument("manifest")
    bom.add_argument("--out-dir", required=True)
    bom.add_argument("--format", choices=["cyclonedx", "spdx3"], default="cyclonedx",
                     help="cyclonedx (ORG__NAME.cdx.json) or spdx3 (SPDX 3.0.1 JSON-LD, ORG__NAME.spdx.json)")
    bom.add_argument("--spec-version", choices=["1.6", "1.7"], default="1.6", help="CycloneDX version")
    bom.add_argument("--server")
    bom.add_argument("--hub", action="store_true", help="offline: read models the catalogue lacks from the Hub")
    bom.add_argument("--manifest-kind", choices=["text", "json", "yaml", "requirements"])
    bom.set_defaults(run=run_bom)
    notice = commands.add_parser("notice", help="write the notice bundle (NOTICE, NOTICE.md, obligations.json, "
                                 "licence texts) of every model in a manifest, one folder per model")
    notice.add_argument("manifest")
    notice.add_argument("--out-dir", required=True)
    notice.add_argument("--server")
    notice.add_argument("--manifest-kind", choices=["text", "json", "yaml", "requirements"])
    for flag in USE_FLAGS:
        notice.add_argument("--" + flag.replace("_", "-"), action="store_true",
                            help="the use includes this (without any use flag: shipping the weights)")
    notice.add_argument("--monthly-active-users", type=int)
    notice.set_defaults(run=run_notice)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageProblem as problem:
        print(f"pedigree: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except ServerProblem as problem:
        print(f"pedigree: server error: {problem}", file=sys.stderr)
        return EXIT_SERVER


if __name__ == "__main__":
    sys.exit(main())
