"""Every example in README.md, run in README order against one fresh server, its output compared with the one
the README shows (tests/readme_examples.py says how abridged output matches).

The server is what `make run` gives, the embedded default: gunicorn on a new SQLite database seeded with the
built-in catalogue, with the Hub on (`on-demand`), its endpoint the stand-in Hub (tests/hub_standin.py),
since huggingface.co is out of reach. Commands run through bash with `localhost:8000` pointing at this
server and `.venv/bin/` at this interpreter's; variables a command sets (`TOKEN=$(…)`) carry to the next.
Answers name the stand-in's address where the Hub's would be; it is written back as https://huggingface.co.
curl reports each HTTP status on stderr (a `.curlrc`): an answer of 400 or more must be the problem the
README shows.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests import shipping_fixtures
from tests.hub_standin import Served, StandInHub
from tests.readme_examples import (
    MORE,
    Block,
    Example,
    block_examples,
    glob,
    json_pattern,
    mismatches,
    output_mismatches,
    readme_blocks,
    text_mismatches,
)
from tests.server import ROOT, Gunicorn

BIN = Path(sys.executable).parent

PRE_COMMIT_CONFIG = ("repos:\n  - repo: https://github.com/pedigree/pedigree\n    rev: v1.0.0\n    hooks:\n"
                     "      - id: pedigree-check\n        args: [--policy, pedigree-policy.yaml]")
# README examples this test does not run, by their exact command text, and why.
NOT_RUN = {
    "make run": "serves on the fixed port 8000 until stopped; this test starts the same server (gunicorn, "
                "embedded SQLite, seeded) on a free port",
    "make test": "runs the whole suite, this test included",
    "PEDIGREE_HUB=on-demand make run": "as `make run`; the server here has the Hub on, at the stand-in Hub",
    "export DATABASE_URL=postgresql://pedigree@db.internal:5432/pedigree": "a production host; the commands "
                "after it run against this test's database",
    "make venv": "installs into the project's .venv; this test runs from an installed virtualenv",
    ".venv/bin/gunicorn --workers 4 --threads 4 --bind 0.0.0.0:8000 wsgi:app": "serves on all interfaces on "
                "the fixed port 8000 until stopped",
    PRE_COMMIT_CONFIG: "a product's pre-commit configuration; tests/test_pipelines.py runs the hook's command "
                       "and test_the_pre_commit_configuration_names_the_hook checks it names that hook",
}
# Blocks marked <!-- ci-example:NAME -->, checked elsewhere or used here as the output of a command.
MARKED = {
    "policy": "tests/test_ci_example.py writes it as the job's policy.yaml",
    "manifest": "tests/test_ci_example.py writes it as the job's models.txt",
    "steps": "tests/test_ci_example.py runs it",
    "github-workflow": "tests/test_pipelines.py runs the action as this workflow calls it",
    "gitlab": "tests/test_pipelines.py runs the job's script",
    "notice": "the output of the notice curl under \"What to ship\", compared here",
}
# Commands whose output the README shows in a marked block of its own.
SHOWN_IN_BLOCK = {"curl -s 'http://127.0.0.1:8000/v1/models/acme/llama-2-7b-wiki-chat/notice?format=text'": "notice"}


# --- the matcher and the parser -------------------------------------------------------------------------

def test_abridged_json_matches_as_a_subset():
    pattern = json_pattern('{"id": "a/b", "parents": [{"id": "c/d", "relation": "finetune"}], ...}')
    assert mismatches(pattern, {"id": "a/b", "parents": [{"id": "c/d", "relation": "finetune", "source": None}],
                                "license": "MIT"}) == []
    assert json_pattern('{"a": {...}, "b": [...]}') == {"a": {MORE: 0}, "b": [MORE]}


def test_a_wrong_value_a_missing_key_or_a_wrong_type_fails():
    pattern = json_pattern('{"verdict": "forbidden", "status": 409, "gated": null, ...}')
    assert mismatches(pattern, {"verdict": "permitted", "status": 409, "gated": None})
    assert mismatches(pattern, {"verdict": "forbidden", "gated": None}) == ["$: no key 'status'"]
    assert mismatches(pattern, {"verdict": "forbidden", "status": "409", "gated": None})
    assert mismatches(pattern, {"verdict": "forbidden", "status": 409, "gated": False})
    assert mismatches(json_pattern('{"x": true}'), {"x": 1})


def test_lists_match_in_order_and_exactly_unless_abridged():
    assert mismatches(json_pattern('["a", "b"]'), ["a", "b"]) == []
    assert mismatches(json_pattern('["a", "b"]'), ["b", "a"])  # out of order
    assert mismatches(json_pattern('["a", "b"]'), ["a", "b", "c"])  # not shown, not abridged
    assert mismatches(json_pattern("[]"), ["a"])
    assert mismatches(json_pattern('["a", "c", ...]'), ["a", "b", "c"])  # `a, c` are not the first two
    assert mismatches(json_pattern('["a", ..., "c", ...]'), ["a", "b", "c", "d"]) == []
    assert mismatches(json_pattern('[..., "c", ..., "a", ...]'), ["a", "b", "c"])
    assert mismatches(json_pattern('[{"id": "x"}, ...]'), [{"id": "x", "n": 1}, {"id": "y"}]) == []


def test_strings_abridged_and_placeholders():
    pattern = json_pattern('{"m": "exceeds the ...", "sha": "<sha>", "url": "https://h/blob/<sha>/README.md"}')
    good = {"m": "exceeds the cap", "sha": "0f3a", "url": "https://h/blob/0f3a/README.md"}
    assert mismatches(pattern, good) == []
    assert mismatches(pattern, {**good, "m": "within the cap"})
    assert mismatches(pattern, {**good, "url": "https://h/tree/0f3a/README.md"})
    assert mismatches(json_pattern('{"m": "exceeds"}'), {"m": "exceeds the cap"})  # not abridged: whole
    assert json_pattern('{"m": "a ... b"}') == {"m": "a ... b"}  # `...` inside a string is text


def test_text_matches_line_by_line_with_skips():
    shown = "graph BT\n  n0\n…\n  style n0"
    assert text_mismatches(shown, "graph BT\n  n0\n  n1\n  n0 --> n1\n  style n0\n") == []
    assert text_mismatches(shown, "graph BT\n  n0\n  style n0\n") == []
    assert text_mismatches(shown, "graph TD\n  n0\n  style n0\n")
    assert text_mismatches(shown, "graph BT\n  style n0\n  n0\n")
    assert text_mismatches("a\nb", "a\nb\nc")
    assert glob([MORE], [], lambda p, a: p == a)


def test_curl_statuses_of_400_or_more_must_be_the_problem_shown():
    assert http_statuses_match('{"status": 409, ...}', "HTTP 409\n") == []
    assert http_statuses_match("", "HTTP 200\nHTTP 201\n") == []
    assert http_statuses_match("", "HTTP 404\n") == ["HTTP 404"]
    assert http_statuses_match('{"status": 409, ...}', "HTTP 422\n") == ["HTTP 422"]


def test_output_is_compared_as_json_when_it_shows_json():
    assert output_mismatches('{"a": 1, ...}', '{"a": 1, "b": 2}') == []
    assert output_mismatches('{"a": 1}', "not json")
    assert output_mismatches("3 created", "3 created\n") == []


def test_commands_with_continuations_heredocs_and_output():
    body = ("$ curl -s -X POST u -H 'a: b' \\\n    -d @- <<'JSON'\n{\"x\": \"it's\"}\nJSON\n{\"ok\": true}\n\n"
            "$ curl -d '{\n  \"id\": 1}'\n{\"id\": 1,\n \"n\": 2}\n$ true\n")
    examples = block_examples(Block("sh", body, 10, None))
    assert [e.command for e in examples] == [
        "curl -s -X POST u -H 'a: b' \\\n    -d @- <<'JSON'\n{\"x\": \"it's\"}\nJSON", "curl -d '{\n  \"id\": 1}'",
        "true"]
    assert [e.shown for e in examples] == ['{"ok": true}', '{"id": 1,\n "n": 2}', ""]
    assert [e.line for e in examples] == [11, 17, 21]
    plain = block_examples(Block("sh", "make run   # serve\ncurl -s u \\\n  -d x\n", 1, None))
    assert [(e.key, e.shown) for e in plain] == [("make run", ""), ("curl -s u \\\n  -d x", "")]


def test_readme_blocks_carry_their_markers_and_indentation():
    text = "x\n<!-- ci-example:steps -->\n```sh\nset +e\n```\n- item:\n\n  ```sh\n  echo hi\n  ```\n"
    assert readme_blocks(text) == [Block("sh", "set +e\n", 3, "steps"), Block("sh", "echo hi\n", 8, None)]


def test_the_pre_commit_configuration_names_the_hook():
    hook, = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    shown, = yaml.safe_load(PRE_COMMIT_CONFIG)["repos"][0]["hooks"]
    assert shown == {"id": hook["id"], "args": hook["args"]}


# --- the README, run -----------------------------------------------------------------------------------

class Shell:
    """bash in a scratch folder holding the CI section's models.txt and the project's wsgi.py and tests/,
    as the README's reader has them; variables set by one command carry to the next."""

    def __init__(self, folder: Path, base: str, env: dict[str, str]) -> None:
        self.folder, self.base, self.hub = folder, base, env["PEDIGREE_HUB_ENDPOINT"]
        for name in ("wsgi.py", "tests"):
            (folder / name).symlink_to(ROOT / name)
        (folder / "models.txt").write_text(next(b.body for b in readme_blocks() if b.marker == "manifest"))
        (folder / ".curlrc").write_text('write-out = "%{stderr}HTTP %{http_code}\\n"\n')
        self.env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(folder), "CURL_HOME": str(folder),
                    "LC_ALL": "C.UTF-8", **env}

    def run(self, command: str) -> subprocess.CompletedProcess:
        command = re.sub(r"(?:http://)?(?:localhost|127\.0\.0\.1):8000", self.base, command)
        command = command.replace(".venv/bin/", f"{BIN}/")
        state = self.folder / ".env-after"
        script = f"set -a\n{command}\nstatus=$?\nenv -0 > {state}\nexit $status\n"
        result = subprocess.run(["bash", "-c", script], cwd=self.folder, env=self.env, capture_output=True,
                                text=True, timeout=120)
        if state.exists():
            variables = dict(item.split("=", 1) for item in state.read_text().split("\0") if "=" in item)
            self.env = {k: v for k, v in variables.items() if k not in {"_", "SHLVL", "PWD", "OLDPWD"}}
            state.unlink()
        result.stdout = result.stdout.replace(self.hub, "https://huggingface.co")  # the Hub it stands in for
        return result


def http_statuses_match(shown: str, stderr: str) -> list[str]:
    """curl's statuses are under 400, or the status of the problem the README shows."""
    statuses = [int(s) for s in re.findall(r"^HTTP (\d{3})$", stderr, re.M)]
    problem = re.search(r'"status": (\d{3})', shown)
    allowed = int(problem[1]) if problem else None
    return [f"HTTP {status}" for status in statuses if status >= 400 and status != allowed]


def record_the_shipping_example(base: str, token: str) -> None:
    """The model "What to ship" uses, recorded as tests/shipping_fixtures.py records it (the catalogue holds
    its base, its licence and the Dolly dataset)."""
    wiki = {"id": shipping_fixtures.DATASETS[1], "license": "CC-BY-SA-4.0"}
    model = {"id": shipping_fixtures.FINETUNE, "license": shipping_fixtures.LLAMA2, "organisation": "Acme",
             "parents": [{"id": shipping_fixtures.BASE, "relation": "finetune"}],
             "datasets": [{"id": d, "stage": "finetuning"} for d in shipping_fixtures.DATASETS]}
    for path, body in (("/v1/datasets", wiki), ("/v1/models", model)):
        request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201


def check(shell: Shell, example: Example, shown: str) -> list[str]:
    result = shell.run(example.command)
    problems = [] if result.returncode == 0 else [f"exit status {result.returncode}"]
    problems += http_statuses_match(shown, result.stderr)
    if shown:
        problems += output_mismatches(shown, result.stdout)
    if not problems:
        return []
    return [f"README line {example.line}: $ {example.command}\n  " + "\n  ".join(problems)
            + f"\n--- stdout:\n{result.stdout[:4000]}\n--- stderr:\n{result.stderr[-2000:]}"]


@pytest.fixture()
def readme_server(tmp_path):
    hub = Served(StandInHub.from_fixtures())
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'pedigree.sqlite3'}", "PEDIGREE_HUB": "on-demand",
           "PEDIGREE_HUB_ENDPOINT": hub.url}
    try:
        with Gunicorn(env, workers=2, threads=4) as server:
            folder = tmp_path / "reader"
            folder.mkdir()
            yield Shell(folder, server.base, env)
    finally:
        hub.stop()


def test_every_readme_example_runs_as_shown(readme_server):
    shell, blocks = readme_server, readme_blocks()
    marked = {block.marker: block.body for block in blocks if block.marker}
    assert set(marked) == set(MARKED), "a marked README block nobody checks, or a stale entry in MARKED"
    failures, skipped, recorded = [], set(), False
    for block in blocks:
        for example in [] if block.marker else block_examples(block):
            if example.key in NOT_RUN:
                skipped.add(example.key)
                continue
            if block.lang != "sh":
                failures.append(f"README line {block.line}: a ```{block.lang} block: mark it, or list it in NOT_RUN")
                continue
            if shipping_fixtures.FINETUNE in example.command and not recorded:
                record_the_shipping_example(shell.base, shell.env["TOKEN"])
                recorded = True
            shown = marked[SHOWN_IN_BLOCK[example.key]] if example.key in SHOWN_IN_BLOCK else example.shown
            failures += check(shell, example, shown)
    assert not failures, "\n\n".join(failures)
    assert skipped == set(NOT_RUN), f"NOT_RUN names commands the README no longer has: {set(NOT_RUN) - skipped}"
