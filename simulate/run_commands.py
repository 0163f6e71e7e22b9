"""``skillsim run`` and ``skillsim compare``: the simulator on the command line.

    skillsim run [SCENARIO ...] [--out DIR] [--replications N] [--size N] [--seed N]
    skillsim compare DIR_A DIR_B

``run`` with one scenario writes DIR/summary.json, DIR/breakdowns.parquet and
DIR/claims.parquet; with several (or none: beijing-2026-baseline and
shanghai-2025-baseline) it writes DIR/<scenario>/ for each and prints them side by side.
The output is one transaction (simulate/outputs.py): all scenarios land, or none, and the
folder is checked and locked before anything is computed.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import interrupts, outputs, report, runner, scenario
from .estimate import claims_per_person

DEFAULT_SCENARIOS = ("beijing-2026-baseline", "shanghai-2025-baseline")


def _fmt(v: Any, key: str = "") -> str:
    if isinstance(v, dict):
        return f"{_fmt(v['mean'], key)} [{_fmt(v['p05'], key)}, {_fmt(v['p95'], key)}]"
    percent = "coverage" in key or key == "relative"
    if v is None or not math.isfinite(v * 100 if percent else v):  # never "nan" or "inf" (a huge ratio × 100)
        return "—"
    return f"{v:.2%}" if percent else f"{v:,.0f}"


def _table(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
    t = Table(title=escape(title))  # names and paths are text, not rich markup
    for c in cols:
        t.add_column(c, justify="left" if c in ("run", "policy_id", "metric") else "right")
    for r in rows:
        # a compare row's a / b / difference are in the unit of its metric
        unit = lambda c: r.get("metric", "") if c in ("a", "b", "b_minus_a") else c  # noqa: E731
        t.add_row(*(escape(str(r[c])) if c in ("run", "policy_id", "metric") else _fmt(r[c], unit(c)) for c in cols))
    Console(width=220).print(t)


OUTPUT_BYTES_PER_CLAIM = 4  # claims.parquet takes ~13 bytes a claim row: a low estimate, so a run that fits is never refused


def output_bytes(scens: list[scenario.Scenario]) -> int:
    """At least what the output folder will take (claims.parquet dominates: replication 0's rows)."""
    rows = sum(getattr(pop, "places", pop.size) * claims_per_person(pop) * len(pop.policies) * (2 if s.reform else 1)
               for s in scens for pop in s.populations)
    return int(rows * OUTPUT_BYTES_PER_CLAIM) + 16_384 * len(scens)


def _check_names(scens: list[scenario.Scenario]) -> None:
    """Each scenario names a folder of a run of several: slugs, none twice."""
    seen = set()
    for s in scens:
        outputs.check_name(s.name)
        if s.name in seen:
            raise outputs.OutputError(f"two scenarios named {s.name}: each needs a folder of its own")
        seen.add(s.name)


def cmd_run(args: argparse.Namespace) -> int:
    names = args.scenario or list(DEFAULT_SCENARIOS)
    changes = {k: v for k, v in (("replications", args.replications), ("size", args.size),
                                 ("seed", args.seed)) if v is not None}
    scens = [scenario.load(n).with_changes(by="the command line", **changes) for n in names]  # all checked before any runs
    single = len(scens) == 1
    if single:
        outputs.check_name(scens[0].name)
    else:
        _check_names(scens)
    out = Path(args.out)
    with outputs.Target(out, estimate=output_bytes(scens)) as target:  # checked and locked before computing
        results = [runner.with_progress(s, stop=interrupts.checkpoint) for s in scens]
        folder = target.stage()
        docs = {s.name: report.write_files(res, folder if single else target.subfolder(s.name))
                for s, res in zip(scens, results)}
        target.commit()  # all scenarios land, or none
    written = [str(out)] if single else [str(out / s.name) for s in scens]
    for w in written:
        print(f"wrote {w}/summary.json, breakdowns.parquet, claims.parquet", file=sys.stderr)
    _table("skillsim run: mean [90 % interval] over replications", report.side_by_side(docs),
           ["run", "policy_id", "budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny",
            "claims", "eligible_claims"])
    for name, doc in docs.items():
        for pid, e in doc["policies"].items():
            if "difference" in e:
                d = e["difference"]
                print(f"{name}: reform of {pid}: budget {_fmt(d['budget_cny'])} yuan, "
                      f"beneficiaries {_fmt(d['beneficiaries'])}, coverage {_fmt(d['coverage'], 'coverage')} "
                      "against baseline")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from . import comparison  # polars and numpy: loaded by the command that needs them
    c = comparison.compare(args.a, args.b, allow_different_sizes=args.allow_different_sizes)
    comparison.show(c, args.format)
    return 0


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return v


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="run scenarios: budget, coverage, breakdowns with intervals")
    p.add_argument("scenario", nargs="*", help=f"ready scenario name or TOML file (default: {' '.join(DEFAULT_SCENARIOS)})")
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument("--replications", type=_positive, help="override the scenario's replications")
    p.add_argument("--size", type=_positive, help="override every population's size (people)")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="differences between two run outputs (B − A)")
    p.add_argument("a", metavar="DIR_A")
    p.add_argument("b", metavar="DIR_B")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format (csv and json: the rows' numbers; notes on stderr)")
    p.add_argument("--allow-different-sizes", action="store_true",
                   help="difference totals (budget, beneficiaries, claims) even where the two runs' "
                        "target populations differ (by default only per-person figures are)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("scenarios", help="list the ready scenarios")
    p.set_defaults(func=lambda args: (print("\n".join(scenario.ready_scenarios())), 0)[1])


__all__ = ["register", "ScenarioError"]
ScenarioError = scenario.ScenarioError
OutputError = outputs.OutputError
