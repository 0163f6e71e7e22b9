"""How fast the dashboard redraws: each page's first load, then one widget change, timed
in-process with streamlit's AppTest (the script run is what a redraw waits for; the
browser's drawing adds ~0.1 s).

    .venv/bin/python -m skillsim.dashboard.bench [--size N] [--replications R]

Without --size: the ready scenarios' own sizes (every baseline at its own size).
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from . import amounts, data, person
from .cli import REPS_ENV, SIZE_ENV

VIEWS = Path(__file__).resolve().with_name("views")   # the real files, not the editable link tree


def changes() -> list[tuple[str, dict, tuple[str, str] | None, list, str]]:
    """Per page: session state to start from, the widget (kind, key; None: the page's first
    slider), new values never seen before (a value seen before would come from the cache), a
    label. Taken from the registry and the ready scenarios: every baseline's Reform page."""
    views = amounts.views(amounts.by_level())
    tiers = (("radio", "tiers_view"), [*views[1:], views[0]][:3], "amount view") if views else \
        (("selectbox", "tiers_city"), [*amounts.cities_by_level()[1:], amounts.cities_by_level()[0]], "jurisdiction")
    preset = next(iter(person.presets()))
    baselines = [n for n in data.ready() if n in data.baselines()]
    return [("tiers", {}, *tiers),
            ("compare", {}, ("selectbox", "cmp_dimension"), ["level", "tier", "occupation"], "breakdown dimension"),
            ("explain", {}, ("number_input", f"f:{preset}:cert_level"), [3, 2, 5], "certificate level"),
            *(("reform", {"rf_scenario": name}, None, [], f"{name}: the first parameter") for name in baselines),
            ("cashflow", {}, ("toggle", "cf_cumulative"), [True, False, True], "cumulative on/off")]


def parameter_widget(at: AppTest) -> tuple[tuple[str, str], list, str]:
    """The page's first parameter slider (else its first parameter number) and three values of
    it not seen yet: a quarter, half and three quarters of a slider's range, 3/4, 5/4 and 3/2 of
    a number."""
    sliders = [w for w in at.slider if w.key.startswith("p:")]
    if sliders:
        w, kind = sliders[0], "slider"
        picks = [w.min + (w.max - w.min) * q / 4 for q in (1, 2, 3)]
    else:
        numbers = [w for w in at.number_input if w.key.startswith("p:") and w.value]
        if not numbers:
            raise RuntimeError("the page shows no parameter to change")
        w, kind = numbers[0], "number_input"
        picks = [w.value * q for q in (0.75, 1.25, 1.5)]
    picks = [type(w.value)(round(v / w.step) * w.step) for v in picks]
    return (kind, w.key), [v for v in dict.fromkeys(picks) if v != w.value][:3], w.label


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
    for view, state, widget, values, label in changes():
        if a.pages and view not in a.pages:
            continue
        at = AppTest.from_file(str(VIEWS / f"{view}.py"), default_timeout=1800)
        for k, v in state.items():
            at.session_state[k] = v
        first = timed(at)
        if widget is None:
            widget, values, name = parameter_widget(at)
            label = f"{label} ({name})"
        kind, key = widget
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
