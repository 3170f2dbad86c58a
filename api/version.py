"""Pedigree's own version, as installed (named in ML-BOMs, SPDX documents and SARIF reports)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("pedigree")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0+unknown"

TOOL_NAME = "Pedigree"
TOOL_URI = "https://github.com/pedigree/pedigree"
