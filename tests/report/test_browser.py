"""The report opens in Chromium (Debian's package, headless) without console errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from skyscreen.report import SECTIONS, Report, render_report

SHOTS = Path("/tmp/skyscreen-report-shots")
"""Screenshots for people to look at (also written to the test's tmp dir)."""


def _browser() -> tuple[str, object]:
    """Chromium's path and Playwright's sync API, or skip (fail under CI=true)."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        sync_playwright = None
    if chromium is None or sync_playwright is None:
        what = "chromium" if chromium is None else "playwright"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is missing; under CI=true the browser tests must run")
        pytest.skip(f"{what} is missing")
    return chromium, sync_playwright


def test_report_opens_without_console_errors(
    full_report: Report, tmp_path: Path
) -> None:
    """Every section and figure shows; no console error or page error; screenshots."""
    chromium, sync_playwright = _browser()
    page_file = tmp_path / "report.html"
    page_file.write_text(render_report(full_report), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:  # type: ignore[operator]
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"], headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text) if m.type in ("error", "warning") else None
                ),
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            assert page.title() == full_report.title
            for sid, title in SECTIONS:
                assert page.locator(f"#{sid}-h").inner_text() == title
            # Every figure decoded to a real image.
            widths = page.eval_on_selector_all(
                "figure img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
            )
            assert len(widths) == len(SECTIONS) - 1
            assert all(w > 300 for w in widths)
            # The table of contents jumps to the section.
            page.click('nav.toc a[href="#timeline"]')
            assert page.evaluate("location.hash") == "#timeline"
            SHOTS.mkdir(parents=True, exist_ok=True)
            for where in (tmp_path, SHOTS):
                page.screenshot(path=str(where / "report-full.png"), full_page=True)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(where / "report-top.png"))
        finally:
            browser.close()
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
