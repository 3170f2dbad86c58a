"""Headless Chromium (Debian's package) driven by Playwright's Python client, for end-to-end tests and screenshots.

Playwright is pointed at /usr/bin/chromium; `playwright install` (which downloads a browser build) is never run.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path(os.environ.get("PEDIGREE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (make venv)"
    return None


@contextmanager
def browser_page(width: int = 1280, height: int = 900, javascript: bool = True):
    """A fresh page in headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, java_script_enabled=javascript)
            yield page
        finally:
            browser.close()
