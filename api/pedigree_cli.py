"""`pedigree`: check the models a product uses against a licence policy, in CI; write ML-BOMs.

    pedigree check MANIFEST --policy POLICY [--server URL | --hub] [--format text|json|junit|sarif|markdown] [--output FILE]
    pedigree bom MANIFEST --out-dir DIR [--server URL | --hub]

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


def _offline_snapshot(wanted: list[str], hub: bool = False):
    """The catalogue as one snapshot, the licence names it knows, and the current id of each wanted model."""
    from api.catalogue_files import read_catalogue
    from api.domain.offline import current_model_ids, snapshot_from_catalogue

    catalogue = read_catalogue()
    if hub:
        _add_from_hub(catalogue, wanted)
    names = {licence["id"].lower(): licence["id"] for licence in catalogue["licences"]}
    for licence in catalogue["licences"]:
        for alias in licence.get("aliases", []):
            names.setdefault(alias.lower(), licence["id"])
    return snapshot_from_catalogue(catalogue), names, current_model_ids(catalogue, wanted)


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


def run_check(args) -> int:
    from api import reports
    from api.manifest import ManifestError, parse_manifest

    try:
        entries = parse_manifest(args.manifest, args.manifest_kind)
    except ManifestError as error:
        raise UsageProblem(str(error)) from None
    if not entries:
        raise UsageProblem(f"no model ids found in {args.manifest}")
    policy = _read_policy(args.policy)
    ids = [entry.id for entry in entries]
    if args.server:
        status, payload = _request(args.server, "POST", "/v1/compliance/check", {"models": ids, "policy": policy})
        if status != 200:
            raise _client_error(status, payload)
        report = json.loads(payload)
    else:
        from api.domain.compliance import check, policy_from_data

        snapshot, names, current_ids = _offline_snapshot(ids, _hub_wanted(args))
        report = check(snapshot, ids, policy_from_data(policy, lambda name: names.get(name.lower())),
                       dt.date.today().isoformat(), current_ids)
    lines = {entry.id: entry.line for entry in entries}
    if args.format == "sarif":
        rendered = reports.sarif(report, manifest=args.manifest, lines=lines)
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
    from api.manifest import ManifestError, parse_manifest

    try:
        entries = parse_manifest(args.manifest, args.manifest_kind)
    except ManifestError as error:
        raise UsageProblem(str(error)) from None
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    missing = []
    snapshot = None
    for entry in entries:
        target = out / (entry.id.replace("/", "__") + ".cdx.json")
        if args.server:
            status, payload = _request(args.server, "GET", f"/v1/models/{urllib.parse.quote(entry.id)}/bom")
            if status == 404:
                missing.append(entry.id)
                continue
            if status != 200:
                raise _client_error(status, payload)
            target.write_bytes(payload)
        else:
            from api.bom import bom_json

            if snapshot is None:
                snapshot, _, current_ids = _offline_snapshot([e.id for e in entries], _hub_wanted(args))
            if entry.id not in current_ids:
                missing.append(entry.id)
                continue
            target.write_text(bom_json(snapshot, current_ids[entry.id]), encoding="utf-8")
        print(f"wrote {target}")
    for model_id in missing:
        print(f"error: {model_id} is not recorded in Pedigree; no BOM written", file=sys.stderr)
    return EXIT_VIOLATIONS if missing else EXIT_PASS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pedigree", description=__doc__.splitlines()[0])
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
    check.set_defaults(run=run_check)
    bom = commands.add_parser("bom", help="write a CycloneDX 1.6 ML-BOM for every model in a manifest")
    bom.add_argument("manifest")
    bom.add_argument("--out-dir", required=True)
    bom.add_argument("--server")
    bom.add_argument("--hub", action="store_true", help="offline: read models the catalogue lacks from the Hub")
    bom.add_argument("--manifest-kind", choices=["text", "json", "yaml", "requirements"])
    bom.set_defaults(run=run_bom)
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
