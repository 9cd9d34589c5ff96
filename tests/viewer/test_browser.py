"""The viewer in a real browser: Playwright driving Debian's chromium, headless.

Skipped when chromium or Playwright is missing, except under ``CI=true``, where the
browser tests must run. Screenshots go to the test's tmp dir and to
/tmp/skyscreen-viewer-shots/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skyscreen.viewer import ViewerServer

SHOTS = Path("/tmp/skyscreen-viewer-shots")
VIEWPORT = {"width": 1400, "height": 880}


def _need(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}: the browser tests must run under CI=true")
    pytest.skip(what)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright is not installed")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        _need("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"], headless=True)
        yield b
        b.close()


class Page:
    """A page on the viewer, recording console errors, page errors and requests."""

    def __init__(self, browser: Any, server: ViewerServer, shots: Path) -> None:
        self.page = browser.new_page(viewport=VIEWPORT)
        self.url = server.url
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.shots = shots
        p = self.page
        p.on("console", self._console)
        p.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        p.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        p.on("request", lambda r: self.requests.append(r.url))
        p.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400
                else None
            ),
        )

    def _console(self, message: Any) -> None:
        # The test's own pixel reads (getImageData) make Chromium suggest
        # willReadFrequently; that warning is about the test, not the page.
        if message.type in ("error", "warning") and (
            "willReadFrequently" not in message.text
        ):
            self.problems.append(f"console.{message.type}: {message.text}")

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_function(
            "() => window.skyscreenViewer && window.skyscreenViewer.ready",
            timeout=30_000,
        )

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def time(self) -> float:
        return float(self.js("() => window.skyscreenViewer.time()"))

    def drones(self) -> list[dict[str, Any]]:
        return list(self.js("() => window.skyscreenViewer.drones()"))

    def seek(self, t: float) -> None:
        self.js("(t) => window.skyscreenViewer.seek(t)", t)
        self.settle()

    def settle(self) -> None:
        # two animation frames: the draw requested has happened
        self.js(
            "() => new Promise(r => requestAnimationFrame(() => "
            "requestAnimationFrame(() => r(null))))"
        )

    def pixels(self, x: float, y: float, half: int = 10) -> list[int]:
        """The map canvas's RGBA bytes in a square around page point (x, y)."""
        return list(
            self.js(
                """([x, y, h]) => {
                  const c = document.getElementById('map');
                  const r = c.getBoundingClientRect();
                  const d = c.width / r.width;
                  const px = Math.round((x - r.left - h) * d);
                  const py = Math.round((y - r.top - h) * d);
                  const n = Math.round(2 * h * d);
                  return Array.from(c.getContext('2d').getImageData(px, py, n, n).data);
                }""",
                [x, y, half],
            )
        )

    def map_pixels(self) -> list[int]:
        return list(
            self.js(
                """() => {
                  const c = document.getElementById('map');
                  const g = c.getContext('2d').getImageData(0, 0, c.width, c.height);
                  const out = [];
                  for (let i = 0; i < g.data.length; i += 4 * 97) out.push(g.data[i]);
                  return out;
                }"""
            )
        )

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"{name}.png"))
        shutil.copyfile(self.shots / f"{name}.png", SHOTS / f"{name}.png")


@pytest.fixture
def page(browser: Any, server: ViewerServer, tmp_path: Path) -> Iterator[Page]:
    p = Page(browser, server, tmp_path)
    yield p
    p.page.close()


def test_play_moves_drones(page: Page, server: ViewerServer) -> None:
    page.open()
    page.shot("01-opened")
    assert page.time() == 0.0
    assert page.js("() => window.skyscreenViewer.replication()") == 0
    # Play: the clock advances and drones appear and move.
    page.page.click("#play")
    page.page.wait_for_function(
        "() => window.skyscreenViewer.drones().length > 0", timeout=20_000
    )
    page.page.click("#play")  # pause
    page.settle()
    t1 = page.time()
    assert t1 > 0.0
    assert page.page.inner_text("#clock") != "T+00:00"
    before = page.drones()
    assert before
    d0 = before[0]
    around = page.pixels(d0["x"], d0["y"])
    page.shot("02-playing")
    # 30 s of simulated time later the drone has moved: the pixels where it was
    # changed, and it is drawn elsewhere.
    page.seek(t1 + 30.0)
    after = {d["id"]: d for d in page.drones()}
    assert page.time() == pytest.approx(t1 + 30.0)
    assert page.pixels(d0["x"], d0["y"]) != around
    if d0["id"] in after:
        moved = after[d0["id"]]
        assert (moved["worldX"], moved["worldY"]) != (d0["worldX"], d0["worldY"])
    # Playing again from here advances the clock by itself.
    page.page.keyboard.press("Space")
    page.page.wait_for_function(
        f"() => window.skyscreenViewer.time() > {t1 + 31.0}", timeout=20_000
    )
    page.page.keyboard.press("Space")
    assert not page.js("() => window.skyscreenViewer.playing()")
    assert not page.problems, page.problems


def test_layers_replications_and_hover(page: Page, server: ViewerServer) -> None:
    page.open()
    # A time with drones in the air, found from the replication's own data.
    meta = page.js("() => fetch('/api/replication/0').then(r => r.json())")
    t_busy = max(tr["t0"] for tr in meta["trajectories"]) + 60.0
    page.seek(t_busy)
    assert page.drones(), "drones should be airborne at the busiest time"
    page.shot("03-busy")

    # Zoom onto the defences and toggle the weapon envelopes off and on.
    page.page.click("#fit-site")
    page.settle()
    page.shot("04-defences")
    with_env = page.map_pixels()
    page.page.click("#layer-envelopes")
    page.settle()
    assert page.js("() => window.skyscreenViewer.layers().envelopes") is False
    without = page.map_pixels()
    assert with_env != without
    page.shot("05-no-envelopes")
    page.page.click("#layer-envelopes")
    page.settle()
    assert page.map_pixels() == with_env

    # Hover a drone: the tooltip names it and its raid.
    page.page.click("#fit-all")
    page.seek(t_busy)
    drone = page.drones()[0]
    page.page.mouse.move(drone["x"], drone["y"])
    page.settle()
    tip = page.page.locator("#tooltip")
    tip.wait_for(state="visible", timeout=5_000)
    text = tip.inner_text()
    assert f"Drone {drone['id']}" in text
    assert "wave-1" in text
    assert "fixed_wing_owa" in text
    assert "speed" in text
    assert "m/s" in text
    page.shot("06-hover-drone")

    # Hover the asset (at the scenario's origin), before any drone flies.
    page.page.click("#fit-site")
    page.seek(0.0)
    x, y = page.js("() => window.skyscreenViewer.toPage(0, 0)")
    page.page.mouse.move(x, y)
    page.settle()
    tip.wait_for(state="visible", timeout=5_000)
    text = tip.inner_text()
    assert "fuel" in text
    assert "$20.0M" in text
    assert "10 people" in text
    page.shot("07-hover-asset")
    page.page.mouse.move(5, 5)

    # Another replication: the data shown changes.
    events_0 = page.page.inner_text("#events")
    outcome_0 = page.page.inner_text("#replication")
    page.page.select_option("#replication", "2")
    page.page.wait_for_function(
        "() => window.skyscreenViewer.replication() === 2", timeout=20_000
    )
    page.settle()
    assert page.page.inner_text("#events") != events_0
    assert page.page.input_value("#replication") == "2"
    assert outcome_0
    page.shot("08-replication-2")

    # The event list follows the clock: some rows are past, one is current.
    page.seek(t_busy)
    current = page.page.locator("#events .ev.current")
    assert current.count() == 1
    past = page.page.locator("#events .ev:not(.future)").count()
    page.seek(page.js("() => window.skyscreenViewer.endTime()"))
    assert page.page.locator("#events .ev:not(.future)").count() > past
    page.shot("09-end")

    # Offline: every request went to the viewer's own server.
    assert all(u.startswith(page.url) for u in page.requests), page.requests
    assert not page.problems, page.problems
