"""The domain and the CI command import neither Flask, SQLAlchemy nor marshmallow."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import api.ci
import api.domain

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("flask", "sqlalchemy", "marshmallow")


def _modules(package) -> list[str]:
    return [package.__name__] + [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]


def test_domain_and_ci_modules_load_no_web_or_database_framework():
    modules = _modules(api.domain) + _modules(api.ci) + ["api.catalogue"]
    assert "api.domain.terms" in modules and "api.ci.cli" in modules
    probe = (f"import importlib, sys\nfor name in {modules!r}:\n    importlib.import_module(name)\n"
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FRAMEWORKS!r})))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"loaded: {result.stdout.strip()}"
