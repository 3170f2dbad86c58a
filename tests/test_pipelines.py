"""The GitHub Action, the pre-commit hook and the GitLab job, each run with the commands its wrapper runs."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from junitparser import JUnitXml

from tests.test_ci_example import readme_block

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def workspace(tmp_path: Path) -> Path:
    """A product repository: the README's policy and manifest (one model passes, the LLaMA-1 fine-tune fails)."""
    (tmp_path / "policy.yaml").write_text(readme_block("policy"))
    (tmp_path / "models.txt").write_text(readme_block("manifest"))
    return tmp_path


def run_action(tmp_path: Path, inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """Run every `run:` step of action.yml as the runner would: its env with `${{ }}` filled in, bash, the
    GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. `uses:` steps (setup-python) are the runner's business."""
    if not (ROOT / ".venv" / "bin" / "pedigree").exists():
        pytest.skip("the action runs Pedigree from its own .venv, which `make venv` creates")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {f"inputs.{name}": spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update({f"inputs.{name}": value for name, value in inputs.items()})
    values["github.action_path"] = str(ROOT)
    output, summary = tmp_path / "github-output", tmp_path / "step-summary.md"
    output.touch()
    summary.touch()
    result = None
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        env = {"PATH": f"{BIN}:/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_ACTION_PATH": str(ROOT), "HOME": str(tmp_path)}
        env.update({key: EXPRESSION.sub(lambda m: values[m.group(1)], value) for key, value in step["env"].items()})
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=300)
        if result.returncode != 0:
            break
    return result, output, summary


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_action_declares_the_documented_inputs():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"manifest", "policy", "server", "format"}
    assert action["inputs"]["manifest"]["required"] and action["inputs"]["policy"]["required"]
    workflow = yaml.safe_load(readme_block("github-workflow"))
    step = next(s for s in workflow["jobs"]["licences"]["steps"] if s.get("id") == "pedigree")
    assert set(step["with"]) <= set(action["inputs"])
    assert not any("upload" in str(s.get("uses", "")) for s in action["runs"]["steps"])  # uploads nothing


def test_action_as_in_the_readme_workflow_writes_report_and_summary(tmp_path):
    job = workspace(tmp_path)
    workflow = yaml.safe_load(readme_block("github-workflow"))
    step = next(s for s in workflow["jobs"]["licences"]["steps"] if s.get("id") == "pedigree")
    result, output, summary = run_action(job, {k: str(v) for k, v in step["with"].items()})
    assert result.returncode == 1, result.stderr  # the LLaMA-1 fine-tune fails the policy
    assert outputs(output) == {"report": "pedigree-report.sarif", "exit-code": "1"}
    sarif = json.loads((job / "pedigree-report.sarif").read_text())
    assert any(r["level"] == "error" for r in sarif["runs"][0]["results"])
    assert "❌ Pedigree licence check: fail" in summary.read_text()


def test_action_with_junit_and_a_passing_manifest(tmp_path):
    job = workspace(tmp_path)
    (job / "good.txt").write_text("mistralai/Mistral-7B-Instruct-v0.2\n")
    result, output, summary = run_action(job, {"manifest": "good.txt", "policy": "policy.yaml", "format": "junit"})
    assert result.returncode == 0, result.stderr
    assert outputs(output)["report"] == "pedigree-report.xml"
    cases = [case for suite in JUnitXml.fromfile(str(job / "pedigree-report.xml")) for case in suite]
    assert [case.name for case in cases] == ["mistralai/Mistral-7B-Instruct-v0.2"] and cases[0].is_passed
    assert "✅ Pedigree licence check: pass" in summary.read_text()


def test_action_refuses_an_unknown_format(tmp_path):
    job = workspace(tmp_path)
    result, _, summary = run_action(job, {"manifest": "models.txt", "policy": "policy.yaml", "format": "pdf"})
    assert result.returncode == 2 and "format must be" in result.stdout
    assert summary.read_text() == ""


def test_pre_commit_hook_checks_each_changed_manifest(tmp_path):
    hook, = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "script" and hook["pass_filenames"]
    changed = ["models.txt", "services/chat/models.yaml", "README.md", "src/models.py"]
    selected = [name for name in changed if re.search(hook["files"], name)]
    assert selected == ["models.txt", "services/chat/models.yaml"]
    job = workspace(tmp_path)
    (job / "pedigree-policy.yaml").write_text(readme_block("policy"))
    (job / "services" / "chat").mkdir(parents=True)
    (job / "services" / "chat" / "models.yaml").write_text("- mistralai/Mistral-7B-Instruct-v0.2\n")
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    if not (ROOT / ".venv" / "bin" / "pedigree").exists():
        env["PEDIGREE_BIN"] = str(BIN / "pedigree")
    command = [str(ROOT / hook["entry"]), *hook["args"]]
    both = subprocess.run([*command, *selected], cwd=job, env=env, capture_output=True, text=True, timeout=300)
    assert both.returncode == 1, both.stderr
    assert "FAIL    lmsys/vicuna-7b-v1.3" in both.stdout and "PASS    mistralai/Mistral-7B-Instruct-v0.2" in both.stdout
    passing = subprocess.run([*command, selected[1]], cwd=job, env=env, capture_output=True, text=True, timeout=300)
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_gitlab_job_in_the_readme_runs_as_written(tmp_path):
    job = workspace(tmp_path)
    (job / "pedigree").symlink_to(ROOT)
    if not (ROOT / ".venv" / "bin" / "pedigree").exists():  # tests run from another virtualenv
        (job / "pedigree").unlink()
        (job / "pedigree" / ".venv").mkdir(parents=True)
        (job / "pedigree" / ".venv" / "bin").symlink_to(BIN)
    gitlab = yaml.safe_load(readme_block("gitlab"))["pedigree"]
    script = "\n".join(gitlab["script"])
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=job, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=300)
    assert result.returncode == 1, result.stderr
    assert gitlab["artifacts"]["reports"]["junit"] == "pedigree-junit.xml"
    cases = {case.name: case for suite in JUnitXml.fromfile(str(job / "pedigree-junit.xml")) for case in suite}
    assert not cases["lmsys/vicuna-7b-v1.3"].is_passed
    for path in gitlab["artifacts"]["paths"]:
        assert (job / path).exists(), path
    notice = (job / "notice" / "lmsys__vicuna-7b-v1.3" / "NOTICE").read_text()
    assert "LLaMA is licensed under the LLaMA License" in notice
    assert (job / "ml-bom" / "lmsys__vicuna-7b-v1.3.spdx.json").exists()
