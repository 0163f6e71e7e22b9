"""End to end: the real `skillsim dashboard` server on 127.0.0.1, loaded in headless Chromium
(Debian's package, driven by Playwright): every page renders its charts and tables, not a
blank shell, and shows no exception.

Also the screenshot tool of docs/dashboard.md, and its browser timing of the Reform sliders:

    .venv/bin/python -m tests.test_dashboard_e2e --out docs/screenshots [--size N]
    .venv/bin/python -m tests.test_dashboard_e2e --redraws
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from skillsim.dashboard.cli import REPS_ENV, SIZE_ENV, command

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# page -> (url path, the header it shows once it has really run, in Chinese: the default); Tiers is at /
PAGES = {"tiers": ("", "补贴标准"), "compare": ("compare", "比较"), "explain": ("explain", "逐人解释"),
         "reform": ("reform", "改革模拟"), "cashflow": ("cashflow", "资金流")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(size: int | None, replications: int | None, timeout: float = 60) -> Iterator[str]:
    """Start `skillsim dashboard` and yield its URL once it answers; stop it afterwards."""
    port = free_port()
    env = {**os.environ, SIZE_ENV: str(size or ""), REPS_ENV: str(replications or "")}
    # streamlit itself, not a wrapping shell or the skillsim process, so that stopping it stops the server
    cmd = command(argparse.Namespace(address="127.0.0.1", port=port))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def load(browser_page, url: str, path: str, timeout_ms: int = 180_000) -> None:
    """Open a page and wait until it has run: a chart drawn, the running indicator gone."""
    browser_page.goto(f"{url}/{path}")
    # vega draws into a canvas or an svg, both of class "marks"
    browser_page.wait_for_selector('[data-testid="stVegaLiteChart"] .marks', timeout=timeout_ms)
    browser_page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)
    browser_page.wait_for_timeout(500)   # let vega finish drawing


@contextlib.contextmanager
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            b.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_every_page_renders_in_a_real_browser():
    with serve(size=20_000, replications=2) as url, browser() as page:
        for name, (path, header) in PAGES.items():
            load(page, url, path)
            assert page.locator("h2").all_inner_texts()[:1] == [header], name
            assert page.locator('[data-testid="stException"], [data-testid="stDialog"]').count() == 0, name
            assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1, name
            assert page.locator('[data-testid="stDataFrame"]').count() >= 1, name
            assert len(page.inner_text("[data-testid='stMain']")) > 200, name


def screenshots(out: Path, size: int | None, replications: int | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with serve(size, replications, timeout=120) as url, browser() as page:
        for name, (path, _) in PAGES.items():
            page.set_viewport_size({"width": 1400, "height": 1000})
            load(page, url, path, timeout_ms=900_000)
            # the page scrolls inside its main block: grow the window to show all of it
            height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": 1400, "height": min(height + 40, 5000)})
            page.wait_for_timeout(1000)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png", file=sys.stderr)


def slider_redraws(size: int | None, times: int = 4) -> None:
    """Seconds from pressing → on a Reform slider to the new budget on screen (docs/dashboard.md)."""
    def budget() -> str:
        return page.locator('[data-testid="stMetricValue"]').first.inner_text()

    with serve(size, None, timeout=120) as url, browser() as page:
        load(page, url, "reform", timeout_ms=900_000)
        for scenario, parameter in (("beijing-2026-baseline", "a_tier_uplift_pct"),
                                    ("shanghai-2025-baseline", "rate_employed_pct")):
            if scenario != "beijing-2026-baseline":
                page.locator('[data-testid="stSelectbox"]').first.click()
                page.get_by_role("option", name=scenario).click()
            slider = page.locator('[data-testid="stSlider"]', has_text=parameter).locator("input[type=range]")
            slider.wait_for(timeout=900_000)
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=900_000)
            for _ in range(times):
                before = budget()
                start = time.perf_counter()
                slider.press("ArrowRight")
                page.wait_for_function("b => document.querySelector('[data-testid=stMetricValue]').innerText !== b",
                                       arg=before, timeout=60_000)
                print(f"{scenario} {parameter}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
                page.wait_for_timeout(500)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="screenshots of every dashboard page, or the Reform slider's redraw time")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--size", type=int)
    ap.add_argument("--replications", type=int)
    ap.add_argument("--redraws", action="store_true", help="time the Reform sliders instead")
    a = ap.parse_args()
    if a.redraws:
        slider_redraws(a.size)
    else:
        screenshots(a.out, a.size, a.replications)
