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


def command(args: argparse.Namespace) -> list[str]:
    # showErrorDetails=type: should a bug slip past the pages' one-line errors, the browser
    # gets its type and a generic message and the traceback goes to this console
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
            "--server.address", args.address, "--server.port", str(args.port),
            "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "type",
            "--client.toolbarMode", "viewer"]


def run(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    for var, value in ((SIZE_ENV, args.size), (REPS_ENV, args.replications)):
        if value:
            env[var] = str(value)
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
    p.set_defaults(func=run)
