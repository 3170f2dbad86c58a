"""`pip install` of the repository gives a working `pedigree` (the README's CI example, offline) and --version."""

import shutil
import subprocess
import sys
from pathlib import Path

from api.version import VERSION
from tests.test_ci_example import readme_block

ROOT = Path(__file__).resolve().parent.parent


def test_pip_install_into_a_fresh_venv_gives_a_working_pedigree(tmp_path):
    source = tmp_path / "source"  # a copy: pip's in-tree build must not write into the repository
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for package in ("api", "schemas"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # A real install: dependencies resolved from pyproject.toml (pip's cache keeps this quick).
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(source)], check=True, timeout=300)
    work = tmp_path / "job"  # outside the repository: only the installed package can be imported
    work.mkdir()
    (work / "policy.yaml").write_text(readme_block("policy"))
    (work / "models.txt").write_text(readme_block("manifest"))
    pedigree = str(venv / "bin" / "pedigree")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    version = subprocess.run([pedigree, "--version"], cwd=work, capture_output=True, text=True, env=env, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"pedigree {VERSION}", version
    result = subprocess.run([pedigree, "check", "models.txt", "--policy", "policy.yaml", "--format", "json"],
                            cwd=work, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr  # the LLaMA-1 fine-tune fails the policy, as the README says
    import json

    report = json.loads(result.stdout)
    statuses = {m["model"]: m["status"] for m in report["models"]}
    assert statuses["lmsys/vicuna-7b-v1.3"] == "fail"
    assert statuses["mistralai/Mistral-7B-Instruct-v0.2"] == "pass" and statuses["EleutherAI/pythia-6.9b"] == "pass"
    installed = subprocess.run([str(venv / "bin" / "python"), "-c", "import api; print(api.__file__)"], cwd=work,
                               capture_output=True, text=True, env=env, timeout=60)
    assert str(venv) in installed.stdout  # the installed copy answered, not the source tree
