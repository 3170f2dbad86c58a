"""End to end in headless Chromium (Debian's package) against a real gunicorn, with JavaScript turned off.

Search, open a model, submit the use form, read the verdict, follow a node of the drawing to its parent
with the keyboard. Screenshots of each step go to tests/artifacts/ (git-ignored). Without the browser the
test is skipped, and under CI=true it fails, as a missing PostgreSQL does.
"""

from __future__ import annotations

import os

import pytest

from tests.browser import ARTIFACTS, browser_page, chromium_missing
from tests.server import Gunicorn

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    missing = chromium_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"headless Chromium is needed: {missing} (CI=true: a missing browser is a failure)",
                        pytrace=False)
        pytest.skip(missing)
    database = tmp_path_factory.mktemp("web") / "pedigree.sqlite3"
    # The embedded default: created, migrated and seeded with the built-in catalogue on start.
    with Gunicorn({"DATABASE_URL": f"sqlite:///{database}", "PEDIGREE_AUTO_INIT": "true"}, workers=2) as running:
        yield running


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_open_a_model_evaluate_a_use_and_follow_a_node_to_its_parent(server):
    with browser_page(javascript=False) as page:
        page.goto(server.base + "/")
        page.get_by_label("Search by model id, name, organisation or licence").fill("vicuna-7b-v1.3")
        page.locator("form.search button[type=submit]").click()
        page.wait_for_url("**/?q=vicuna-7b-v1.3")
        assert "model" in page.locator("#results-heading").inner_text()
        result = page.locator("ol.results li").filter(has_text="lmsys/vicuna-7b-v1.3").first
        assert "Commercial use: Forbidden" in result.inner_text()
        shot(page, "1-search")

        result.get_by_role("link", name="lmsys/vicuna-7b-v1.3", exact=True).click()
        page.wait_for_url("**/models/lmsys/vicuna-7b-v1.3")
        assert page.locator("h1").inner_text() == "lmsys/vicuna-7b-v1.3"
        assert page.locator("svg.lineage a.node").count() >= 1
        shot(page, "2-model")

        page.get_by_label("Use it commercially").check()
        page.get_by_label("Monthly active users (leave empty if not asked)").fill("1000")
        page.get_by_label("Strict about training data").check()
        page.get_by_role("button", name="Evaluate").click()
        page.wait_for_url("**/models/lmsys/vicuna-7b-v1.3?**")
        verdict = page.locator("#verdict")
        assert "Verdict:" in verdict.inner_text() and "Forbidden" in verdict.locator("h3").inner_text()
        assert "commercial use is forbidden" in verdict.inner_text()
        assert "training_data=strict" in page.url and page.get_by_label("Strict about training data").is_checked()
        shot(page, "3-verdict")

        parent = page.locator('svg.lineage a.node[href="/models/huggyllama/llama-7b"]')
        assert "commercial use: Forbidden" in parent.get_attribute("aria-label")
        parent.focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/models/huggyllama/llama-7b")
        assert page.locator("h1").inner_text() == "huggyllama/llama-7b"
        assert page.locator('svg.lineage a.node[href="/models/lmsys/vicuna-7b-v1.3"]').count() == 1  # now below
        shot(page, "4-parent")
