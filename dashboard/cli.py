"""`skillsim dashboard`: the sub-command, added through the ``skillsim.commands`` entry point
(simulate/cli.py loads it, so the simulator never imports the dashboard)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().with_name("app.py")  # resolved: an editable install links each file, and streamlit finds the pages beside the real script
# how the command passes its options to the app (dashboard/data.py reads them); this module
# imports no streamlit, since every `skillsim` command loads it
SIZE_ENV = "SKILLSIM_DASHBOARD_SIZE"
REPS_ENV = "SKILLSIM_DASHBOARD_REPLICATIONS"
PRECOMPUTE_ENV = "SKILLSIM_DASHBOARD_PRECOMPUTE"    # 0: no start-up computation (serve.py)


def forced_sizes() -> tuple[int | None, int | None]:
    """(population size, replications) the command passed to the app; None = the scenario's own."""
    def read(var: str) -> int | None:
        v = os.environ.get(var, "").strip()
        return int(v) if v else None
    return read(SIZE_ENV), read(REPS_ENV)


def precomputing() -> bool:
    """Whether the server computes the ready scenarios not on disk as it starts (default: yes;
    ``--no-precompute`` or SKILLSIM_DASHBOARD_PRECOMPUTE=0: no)."""
    return os.environ.get(PRECOMPUTE_ENV, "").strip().lower() not in ("0", "false", "no", "off")


def command(args: argparse.Namespace) -> list[str]:
    # showErrorDetails=type: should a bug slip past the pages' one-line errors, the browser
    # gets its type and a generic message and the traceback goes to this console
    # skillsim.dashboard.serve: `streamlit run` after loading what every page needs (a first view in seconds)
    return [sys.executable, "-m", "skillsim.dashboard.serve", str(APP), "--server.headless", "true",
            "--server.address", args.address, "--server.port", str(args.port),
            "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "type",
            "--client.toolbarMode", "viewer"]


def warm(args: argparse.Namespace) -> int:
    """Compute the ready scenarios' runs into the disk cache (dashboard/cache.py) at the
    dashboard's sizes, so that a fresh server's first view reads them instead of running."""
    import time

    from skillsim.simulate import scenario
    from skillsim.simulate.executor import progress_bar

    from . import cache

    ready = scenario.ready_scenarios()
    names = args.warm or ready
    unknown = [n for n in names if n not in ready]
    if unknown:
        print(f"skillsim dashboard --warm: {unknown[0]!r} is not a ready scenario (one of {', '.join(ready)})",
              file=sys.stderr)
        return 2
    print(f"skillsim dashboard --warm: into {cache.runs_dir()}", file=sys.stderr)
    for name in names:
        scen = cache.resized(scenario.load(name), args.size, args.replications)
        folder = cache.entry(scen, args.size, args.replications)
        if cache.has(folder):
            print(f"{name}: already cached ({folder.name})", file=sys.stderr)
            continue
        start = time.perf_counter()
        with progress_bar(f"{name}: replications", scen.replications) as bar:
            cache.compute(scen, args.size, args.replications, progress=bar)
        print(f"{name}: cached in {time.perf_counter() - start:.1f} s ({folder.name})", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.warm is not None:
        return warm(args)
    env = dict(os.environ)
    for var, value in ((SIZE_ENV, args.size), (REPS_ENV, args.replications)):
        if value:
            env[var] = str(value)
    if args.no_precompute:
        env[PRECOMPUTE_ENV] = "0"
    print(f"skillsim dashboard: http://{args.address}:{args.port}", file=sys.stderr)
    try:
        return subprocess.call(command(args), env=env)
    except KeyboardInterrupt:
        return 0


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ≥ 1")
    return n


def register(sub) -> None:
    p = sub.add_parser("dashboard", help="start the Streamlit dashboard (Tiers, Compare, Explain, Reform, Cash flow)",
                       description="Start the Streamlit dashboard in the browser: tiers, comparisons, one claim "
                                   "explained, reforms and cash flow, over the ready scenarios.")
    p.add_argument("--port", type=_positive, default=8501, help="port to listen on (default: 8501)")
    p.add_argument("--address", default="127.0.0.1", help="address to listen on (0.0.0.0 to share it)")
    p.add_argument("--size", type=_positive, help="people per population (default: each scenario's own)")
    p.add_argument("--replications", type=_positive, help="replications per scenario (default: each scenario's own)")
    p.add_argument("--warm", nargs="*", metavar="SCENARIO",
                   help="compute the ready scenarios' runs (these, or all) at --size/--replications into the disk "
                        "cache ($SKILLSIM_CACHE_DIR, else $XDG_CACHE_HOME/skillsim or ~/.cache/skillsim) and exit, "
                        "so a fresh server's first view reads them")
    p.add_argument("--no-precompute", action="store_true",
                   help="do not compute the ready scenarios missing from the disk cache as the server starts "
                        "(the baselines first, in the background); a page then runs what it needs when asked. "
                        "Also SKILLSIM_DASHBOARD_PRECOMPUTE=0")
    p.set_defaults(func=run)
