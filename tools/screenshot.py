"""Regenerate the README's screenshot of a model page: `make screenshot`.

Serves the embedded default (a fresh SQLite file seeded with the built-in catalogue) with gunicorn on
127.0.0.1, opens a model page in headless Chromium with a use evaluated, and saves docs/model-page.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser_page, chromium_missing
from tests.server import Gunicorn

DEFAULT_MODEL = "Kukedlc/NeuralKukedlc-7B-Labonned"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "model-page.png")
    args = parser.parse_args()
    missing = chromium_missing()
    if missing:
        sys.exit(f"cannot take the screenshot: {missing}")
    database = Path(tempfile.mkdtemp()) / "pedigree.sqlite3"
    with Gunicorn({"DATABASE_URL": f"sqlite:///{database}", "PEDIGREE_AUTO_INIT": "true"}, workers=1) as server:
        with browser_page(width=1200, height=1500) as page:
            page.goto(f"{server.base}/models/{args.model}?evaluate=1&commercial=1&users=1000000")
            page.locator("#lineage-heading").scroll_into_view_if_needed()
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=False)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
