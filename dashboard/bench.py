"""How fast the dashboard redraws: each page's first load, then one widget change, timed
in-process with streamlit's AppTest (the script run is what a redraw waits for; the
browser's drawing adds ~0.1 s).

    .venv/bin/python -m skillsim.dashboard.bench [--size N] [--replications R]

Without --size: the ready scenarios' own sizes (the two baselines together: ~1.1 million claims).
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from .cli import REPS_ENV, SIZE_ENV

VIEWS = Path(__file__).with_name("views")
BJ, SH = "beijing-2026-baseline", "shanghai-2025-baseline"
# page, session state to start from, the widget (kind, key), new values never seen before (a value
# seen before would come from the cache), a label
CHANGES = [
    ("tiers", {}, ("radio", "tiers_rate"), ["rate_120", "rate_80", "rate_all"], "Shanghai's rate view"),
    ("compare", {}, ("selectbox", "cmp_dimension"), ["level", "tier", "occupation"], "breakdown dimension"),
    ("explain", {}, ("number_input", "f:bj-unemployed-care-worker:cert_level"), [3, 2, 5], "certificate level"),
    ("reform", {"rf_scenario": BJ}, ("slider", f"p:{BJ}:beijing-2026-key-groups:a_tier_uplift_pct"), [30, 40, 50],
     "Beijing's A-tier uplift (%)"),
    ("reform", {"rf_scenario": SH}, ("slider", f"p:{SH}:shanghai-2025-skills-upgrade:rate_employed_pct"),
     [90, 100, 70], "Shanghai's employed rate (%)"),
    ("cashflow", {}, ("toggle", "cf_cumulative"), [True, False, True], "cumulative on/off"),
]


def timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int)
    ap.add_argument("--replications", type=int)
    ap.add_argument("--pages", nargs="*", help="only these pages (tiers, compare, explain, reform, cashflow)")
    a = ap.parse_args()
    os.environ[SIZE_ENV], os.environ[REPS_ENV] = str(a.size or ""), str(a.replications or "")
    print("| page | widget changed | first load (s) | each redraw (s) |")
    print("|---|---|---|---|")
    for view, state, (kind, key), values, label in CHANGES:
        if a.pages and view not in a.pages:
            continue
        at = AppTest.from_file(str(VIEWS / f"{view}.py"), default_timeout=1800)
        for k, v in state.items():
            at.session_state[k] = v
        first = timed(at)
        redraws = []
        for v in values:
            getattr(at, kind)(key=key).set_value(v)
            redraws.append(timed(at))
        print(f"| {view} | {label} | {first:.1f} | {', '.join(f'{r:.2f}' for r in redraws)} |", flush=True)
        note = next((c.value for c in at.caption if "条申请" in c.value), None)
        if note:
            print(f"|  | {note} | | |", flush=True)


if __name__ == "__main__":
    main()
