"""End to end: the real `skillsim dashboard` server on 127.0.0.1, loaded in headless Chromium
(Debian's package, driven by Playwright), on a disk cache warmed by `skillsim dashboard --warm`:

* a fresh server's first view of Compare and of Cash flow is under 5 s (the runs read from the
  cache, the modules loaded before the server answers);
* every page renders its charts and tables, not a blank shell, with no exception, in Chinese
  (the default) at desktop width and in English at phone width (390 px), where no element is
  wider than the screen (a table scrolls inside its own box) and the language, given by the
  link, stays from page to page;
* a link reproduces the view: a reform made with the slider, opened from its URL in a fresh
  browser, shows the same slider and the same figures.

Also the screenshot tool of docs/dashboard.md (every page at desktop and phone widths; a small
sweep is run for the Sweep page), and its browser timing of the Reform sliders:

    .venv/bin/python -m tests.test_dashboard_e2e --out docs/screenshots [--size N]
    .venv/bin/python -m tests.test_dashboard_e2e --redraws
    .venv/bin/python -m tests.test_dashboard_e2e --cold [--size N]    # first views, cache cold then warm
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from skillsim.dashboard import cache
from skillsim.dashboard.cache import DIR_ENV
from skillsim.dashboard.cli import PRECOMPUTE_ENV, REPS_ENV, SIZE_ENV, command
from skillsim.simulate import scenario

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SKILLSIM = Path(sys.executable).with_name("skillsim")
# page -> (url path, its header in Chinese and in English once it has really run, whether it draws
# a chart without input); Tiers is at /
PAGES = {"tiers": ("", "补贴标准", "Tiers", True), "compare": ("compare", "比较", "Compare", True),
         "explain": ("explain", "逐人解释", "Explain one person", True),
         "reform": ("reform", "改革模拟", "Reform", True), "cashflow": ("cashflow", "资金流", "Cash flow", True),
         "sweep": ("sweep", "参数扫描", "Sweep", False), "glossary": ("glossary", "术语表", "Glossary", False)}
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
SIZE, REPS = 20_000, 2
FIRST_VIEW_S = 5.0
UPLIFT = "p:beijing-2026-baseline:beijing-2026-key-groups:a_tier_uplift_pct"   # the Reform page's first slider
UPLIFT_SLIDER = ".st-key-" + UPLIFT.replace(":", "-") + " input[type=range]"    # in its box (st-key-<key>)

# elements wider than the screen that no box of their own scrolls (the page's own scroller aside)
TOO_WIDE = """() => {
  const w = window.innerWidth, out = [];
  const scrolled = el => { for (let a = el.parentElement; a && a.dataset.testid !== 'stMain'; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX, r = a.getBoundingClientRect();
      if ((o === 'auto' || o === 'scroll') && r.right <= w + 1 && r.left >= -1) return true; }
    return false; };
  for (const el of document.querySelectorAll('[data-testid=stMain] *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.height && (r.right > w + 1 || r.left < -1) && !scrolled(el))
      out.push(`${el.tagName} ${el.dataset.testid || ''} ${(el.textContent || '').slice(0, 40)} ` +
               `[${Math.round(r.left)}, ${Math.round(r.right)}]`);
  }
  return {page: document.documentElement.scrollWidth, screen: w, wide: out.slice(0, 5)};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def warm(size: int | None, replications: int | None, *names: str) -> None:
    """`skillsim dashboard --warm` into the cache folder of the environment."""
    sized = [*(["--size", str(size)] if size else []), *(["--replications", str(replications)] if replications else [])]
    subprocess.run([str(SKILLSIM), "dashboard", "--warm", *names, *sized], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def serve(size: int | None, replications: int | None, timeout: float = 60, precompute: bool = False) -> Iterator[str]:
    """Start `skillsim dashboard` and yield its URL once it answers; stop it afterwards. Without
    its start-up computation of the ready scenarios unless ``precompute`` (it would compete with
    the test for the machine's cores; the pages run what they need)."""
    port = free_port()
    env = {**os.environ, SIZE_ENV: str(size or ""), REPS_ENV: str(replications or ""),
           PRECOMPUTE_ENV: "1" if precompute else "0"}
    # the server process itself, not a wrapping shell or the skillsim process, so that stopping it stops it
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


def done(browser_page, timeout_ms: int = 120_000) -> None:
    """Wait until the page's script has finished its run (the header is drawn by then)."""
    browser_page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h2', timeout=timeout_ms)
    browser_page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


def load(browser_page, url: str, path: str, timeout_ms: int = 180_000, chart: bool = True) -> float:
    """Open a page and wait until it has run: its header, a chart drawn (where it draws one
    without input), the running indicator gone. Returns the seconds it took."""
    start = time.perf_counter()
    browser_page.goto(f"{url}/{path}")
    browser_page.wait_for_selector("h2", timeout=timeout_ms)
    if chart:   # vega draws into a canvas or an svg, both of class "marks"
        browser_page.wait_for_selector('[data-testid="stVegaLiteChart"] .marks', timeout=timeout_ms)
    done(browser_page, timeout_ms)
    seconds = time.perf_counter() - start
    browser_page.wait_for_timeout(300)   # let vega finish drawing
    return seconds


@contextlib.contextmanager
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b.new_page(viewport=DESKTOP)
        finally:
            b.close()


def rendered(page, name: str, header: str) -> None:
    assert page.locator("h2").all_inner_texts()[:1] == [header], name
    assert page.locator('[data-testid="stException"], [data-testid="stDialog"]').count() == 0, name
    if PAGES[name][3]:
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1, name
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1, name
    assert len(page.inner_text("[data-testid='stMain']")) > (200 if PAGES[name][3] else 60), name


def budget(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def server():
    """A fresh server on a cache warmed by `skillsim dashboard --warm` (the test session's cache folder)."""
    assert os.environ.get(DIR_ENV), "tests/conftest.py sets the session's cache folder"
    warm(SIZE, REPS)
    with serve(SIZE, REPS) as url:
        yield url


@needs_chromium
def test_first_views_of_a_fresh_server_are_fast(server):
    """The official lands on Tiers (the browser loads the app), then opens Compare and Cash flow:
    each page's first view on this fresh server reads its runs from the warm cache."""
    # a mark only the cache holds: the Compare page must show it, read from disk, not run anew
    # the entry the server reads (its size and replications): other tests of the session may have
    # cached the same scenario at other sizes in the same folder
    entry = cache.entry(scenario.load("beijing-2026-baseline"), SIZE, REPS) / "summary.json"
    original = entry.read_text(encoding="utf-8")
    marked = json.loads(original)
    marked["policies"]["beijing-2026-key-groups"]["budget_cny"]["mean"] = 987_654_321_000
    entry.write_text(json.dumps(marked, ensure_ascii=False), encoding="utf-8")
    with browser() as page:
        landing = load(page, server, "")
        for name in ("compare", "cashflow"):
            seconds = load(page, server, PAGES[name][0])
            print(f"landing {landing:.1f} s; {name}'s first view {seconds:.1f} s", file=sys.stderr)
            rendered(page, name, PAGES[name][1])
            assert seconds < FIRST_VIEW_S, (name, seconds)
            if name == "compare":
                assert "9,876.54 亿元" in page.inner_text("[data-testid='stMain']")
    entry.write_text(original, encoding="utf-8")


@needs_chromium
def test_every_page_in_chinese_on_a_desktop(server):
    with browser() as page:
        for name, (path, zh, _, chart) in PAGES.items():
            load(page, server, path, chart=chart)
            rendered(page, name, zh)


@needs_chromium
def test_every_page_in_english_on_a_phone_nothing_wider_than_the_screen(server):
    with browser() as page:
        page.set_viewport_size(PHONE)
        load(page, server, "?lang=English")
        for name, (path, _, en, chart) in PAGES.items():
            if name != "tiers":    # from page to page by the menu: the language stays in the link
                link = page.locator(f'[data-testid="stSidebarNavLink"][href$="/{path}"]')
                if link.evaluate("a => a.getBoundingClientRect().right <= 0"):   # the menu is folded away
                    page.locator('[data-testid="stExpandSidebarButton"]').click()
                    page.wait_for_timeout(500)
                link.click()
                page.wait_for_selector(f"h2:has-text('{en}')", timeout=120_000)
                if chart:
                    page.wait_for_selector('[data-testid="stVegaLiteChart"] .marks', timeout=120_000)
                done(page)
                page.wait_for_timeout(300)
            assert "lang=English" in page.url, (name, page.url)
            rendered(page, name, en)
            layout = page.evaluate(TOO_WIDE)
            assert layout["page"] <= PHONE["width"] and not layout["wide"], (name, layout)


@needs_chromium
def test_a_shared_link_shows_the_same_reform(server):
    with browser() as page:
        load(page, server, "reform")
        before = budget(page)
        slider = page.locator(UPLIFT_SLIDER)
        slider.focus()
        for _ in range(5):
            slider.press("ArrowRight")
        # the browser writes the bound slider's value into the link
        page.wait_for_function("() => decodeURIComponent(location.search).includes('a_tier_uplift_pct=25')",
                               timeout=60_000)
        page.wait_for_function("b => document.querySelector('[data-testid=stMetricValue]').innerText !== b",
                               arg=before, timeout=60_000)
        done(page)
        page.wait_for_timeout(500)
        link, shown = page.url, budget(page)
        fresh = page.context.browser.new_context(viewport=DESKTOP).new_page()   # another session: only the link
        load(fresh, server, link.removeprefix(server + "/"))
        assert budget(fresh) == shown != before
        assert fresh.locator(UPLIFT_SLIDER).input_value() == "25"


# ---------------------------------------------------------------- tools (python -m tests.test_dashboard_e2e)

def sweep_folder(size: int) -> Path:
    """A small sweep for the Sweep page's screenshot."""
    out = Path(tempfile.mkdtemp(prefix="skillsim-sweep-")) / "uplift"
    subprocess.run([str(SKILLSIM), "sweep", "beijing-2026-baseline", "--vary",
                    "beijing-2026-key-groups.a_tier_uplift_pct=0:40:10", "--size", str(size), "--replications", "2",
                    "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def screenshots(out: Path, size: int | None, replications: int | None) -> None:
    """Every page at desktop (``<page>.png``) and phone width (``<page>-phone.png``)."""
    out.mkdir(parents=True, exist_ok=True)
    swept = sweep_folder(min(size or 20_000, 20_000))
    with serve(size, replications, timeout=120) as url, browser() as page:
        for name, (path, _, _, chart) in PAGES.items():
            query = f"?swp_folder={swept}" if name == "sweep" else ""
            for suffix, viewport in (("", DESKTOP), ("-phone", PHONE)):
                page.set_viewport_size(viewport)
                load(page, url, path + query, timeout_ms=900_000, chart=chart or bool(query))
                # the page scrolls inside its main block: grow the window to show all of it
                height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
                page.set_viewport_size({"width": viewport["width"], "height": min(height + 40, 6000)})
                page.wait_for_timeout(1000)
                page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=True)
                print(out / f"{name}{suffix}.png", file=sys.stderr)
    shutil.rmtree(swept.parent, ignore_errors=True)


def cold_starts(size: int | None, replications: int | None) -> None:
    """docs/dashboard.md's first views: each of Compare and Cash flow as the first page a fresh
    server shows, with an empty cache (it runs, with a progress bar), then again on a fresh
    server with the cache that run wrote (read from disk); then both after landing on Tiers."""
    folder = tempfile.mkdtemp(prefix="skillsim-cache-")
    os.environ[DIR_ENV] = folder
    try:
        for name in ("compare", "cashflow"):
            shutil.rmtree(folder, ignore_errors=True)
            for state in ("empty cache", "warm cache"):
                with serve(size, replications, timeout=120, precompute=True) as url, browser() as page:
                    seconds = load(page, url, PAGES[name][0], timeout_ms=1_800_000)
                    print(f"{name}, first page of a fresh server, {state}: {seconds:.1f} s", file=sys.stderr)
        with serve(size, replications, timeout=120, precompute=True) as url, browser() as page:
            landing = load(page, url, "")
            for name in ("compare", "cashflow"):
                print(f"{name}, after landing on Tiers ({landing:.1f} s), warm cache: "
                      f"{load(page, url, PAGES[name][0]):.1f} s", file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def slider_redraws(size: int | None, times: int = 4) -> None:
    """Seconds from pressing → on a Reform slider to the new budget on screen (docs/dashboard.md)."""
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
                before = budget(page)
                start = time.perf_counter()
                slider.press("ArrowRight")
                page.wait_for_function("b => document.querySelector('[data-testid=stMetricValue]').innerText !== b",
                                       arg=before, timeout=60_000)
                print(f"{scenario} {parameter}: {time.perf_counter() - start:.2f} s", file=sys.stderr)
                page.wait_for_timeout(500)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="screenshots of every dashboard page, the first views' times, or the "
                                             "Reform slider's redraw time")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--size", type=int)
    ap.add_argument("--replications", type=int)
    ap.add_argument("--redraws", action="store_true", help="time the Reform sliders instead")
    ap.add_argument("--cold", action="store_true", help="time the first views of Compare and Cash flow instead")
    a = ap.parse_args()
    if a.redraws:
        slider_redraws(a.size)
    elif a.cold:
        cold_starts(a.size, a.replications)
    else:
        screenshots(a.out, a.size, a.replications)
