"""``skillsim run``, ``skillsim compare`` and ``skillsim scenarios``: the simulator on the
command line.

    skillsim run [SCENARIO ...] [--out DIR] [--replications N] [--size N] [--seed N]
                 [--engine local|ray] [--workers N] [--format F]
    skillsim compare DIR_A DIR_B [--format F]
    skillsim scenarios [--format F]

``run`` with one scenario writes DIR/summary.json, DIR/breakdowns.parquet and
DIR/claims.parquet; with several (or none: every ready baseline, one a jurisdiction, the
plug-ins' included) it writes DIR/<scenario>/ for each and prints them side by side.
The output is one transaction (simulate/outputs.py): all scenarios land, or none, and the
folder is checked and locked before anything is computed.

The scenario models (pydantic), polars and the runner load inside the commands that need
them, so ``skillsim --help`` and ``skillsim policies`` start fast.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from . import tables

if TYPE_CHECKING:
    from .scenario import Scenario

FORMAT_HELP = "output format: table (for people), csv or json (every value, numbers as numbers; messages on stderr)"

# the side-by-side figures of a run and their units
RUN_FIGURES = {"budget_cny": "yuan", "beneficiaries": "people", "coverage": "percent",
               "cost_per_beneficiary_cny": "yuan", "claims": "claims", "eligible_claims": "claims"}
RUN_COLUMNS = ["run", "policy_id", "population", "variant", *RUN_FIGURES, "interval"]
YEAR_FIGURES = {"budget_cny": "yuan", "beneficiaries": "people", "claims": "claims"}
YEAR_COLUMNS = ["run", "policy_id", "population", "payment_year", *YEAR_FIGURES]


OUTPUT_BYTES_PER_CLAIM = 4  # claims.parquet takes ~13 bytes a claim row: a low estimate, so a run that fits is never refused


def output_bytes(scens: list[Scenario]) -> int:
    """At least what the output folder will take (claims.parquet dominates: replication 0's rows)."""
    from .estimate import claims_per_person
    rows = sum(getattr(pop, "places", pop.size) * claims_per_person(pop) * len(pop.policies) * (2 if s.reform else 1)
               for s in scens for pop in s.populations)
    return int(rows * OUTPUT_BYTES_PER_CLAIM) + 16_384 * len(scens)


def _check_names(scens: list[Scenario]) -> None:
    """Each scenario names a folder of a run of several: slugs, none twice."""
    from . import outputs
    seen = set()
    for s in scens:
        outputs.check_name(s.name)
        if s.name in seen:
            raise outputs.OutputError(f"two scenarios named {s.name}: each needs a folder of its own")
        seen.add(s.name)


def _figures(run: str, pid: str, population: str, variant: str, figures: Mapping[str, Any],
             signed: bool = False, uncertain: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {"run": run, "policy_id": pid, "population": population, "variant": variant}
    for k, unit in RUN_FIGURES.items():
        if k in figures:
            row[k] = tables.figure(figures[k], "pp" if signed and unit == "percent" else unit, signed)
        else:
            row[k] = None  # a difference has no cost per beneficiary or claim count
    row["interval"] = interval_meaning(figures.get("budget_cny"), uncertain)
    return row


def interval_meaning(budget: Any, uncertain: bool) -> str:
    """What a row's 90 % intervals cover (its "interval" column): sampling alone, or the
    uncertain assumptions too, with the share of the budget's variance that comes from them
    (simulate/uncertainty.py's split)."""
    if not uncertain:
        return "sampling"
    share = budget.get("from_assumptions") if isinstance(budget, Mapping) else None
    return "assumptions + sampling " + (f"({share:.0%} from assumptions)" if share is not None
                                        else "(4 replications or more split them)")


def run_rows(summaries: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every figure a run prints, a row per (run, policy, population, variant): the policy's
    totals, each population under it where there are several, its reform, and the reform's
    difference from the baseline (paired by replication; coverage in percentage points)."""
    rows = []
    for run, doc in summaries.items():
        uncertain = bool((doc.get("manifest") or {}).get("uncertain"))  # the run drew uncertain assumptions
        for pid, e in doc["policies"].items():
            rows.append(_figures(run, pid, "all", "baseline", e, uncertain=uncertain))
            if len(e["by_population"]) > 1:  # e.g. the swap: each population under this policy
                rows += [_figures(run, pid, pop, "baseline", f, uncertain=uncertain)
                         for pop, f in e["by_population"].items()]
            if e.get("reform") is not None:
                rows.append(_figures(run, pid, "all", "reform", e["reform"], uncertain=uncertain))
            if e.get("difference") is not None:
                rows.append(_figures(run, pid, "all", "reform − baseline", e["difference"], signed=True,
                                     uncertain=uncertain))
    return rows


def year_rows(summaries: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The budget, beneficiaries and paid claims by calendar year of payment: a row per (run,
    policy, population, year), each population apart where a policy runs on several."""
    rows = []
    for run, doc in summaries.items():
        for pid, e in doc["policies"].items():
            several = len(e["by_population"]) > 1
            for pop, f in [("all", e), *(e["by_population"].items() if several else ())]:
                for year, figs in (f.get("by_payment_year") or {}).items():
                    rows.append({"run": run, "policy_id": pid, "population": pop, "variant": "baseline",
                                 "payment_year": year,
                                 **{k: tables.figure(figs[k], unit) for k, unit in YEAR_FIGURES.items()}})
    return rows


def pays_in_several_years(summaries: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether any policy of any run pays in more than one calendar year."""
    return any(len(e.get("by_payment_year") or {}) > 1
               for doc in summaries.values() for e in doc["policies"].values())


def show_run(summaries: Mapping[str, Mapping[str, Any]], fmt: str) -> None:
    """The run table; then, where a policy pays in more than one year, the budget by year of
    payment; then the validation table of the runs with targets. csv and json: the rows of
    every table in one document, each naming its ``table`` (figures, by_payment_year, validation)."""
    from . import validation  # pydantic: loaded by the commands that need it
    figures = run_rows(summaries)
    years = year_rows(summaries) if pays_in_several_years(summaries) else []
    checks = validation.table_rows(summaries, for_table=fmt == "table")
    if fmt != "table":
        tables.show([{"table": "figures", **r} for r in figures] + [{"table": "by_payment_year", **r} for r in years]
                    + [{"table": "validation", **r} for r in checks], fmt,
                    columns=["table", *dict.fromkeys(RUN_COLUMNS + YEAR_COLUMNS + validation.TABLE_COLUMNS)])
        return
    tables.show(figures, fmt, "skillsim run: mean [90 % interval] over replications", columns=RUN_COLUMNS)
    if years:
        tables.show(years, fmt, "budget by calendar year of payment: mean [90 % interval]; claims paid that year, "
                                "beneficiaries paid that year (distinct)", columns=YEAR_COLUMNS)
    if checks:
        tables.show(checks, fmt, "validation against published figures: model mean [90 % interval]; gap = model − "
                                 "target; inside: the target lies in the interval", columns=validation.TABLE_COLUMNS)


def cmd_run(args: argparse.Namespace) -> int:
    from . import interrupts, outputs, report, runner, scenario  # the heavy part: only this command loads it
    names = args.scenario or scenario.baselines()
    changes = {k: v for k, v in (("replications", args.replications), ("size", args.size),
                                 ("seed", args.seed)) if v is not None}
    scens = [scenario.load(n).with_changes(by="the command line", **changes) for n in names]  # all checked before any runs
    single = len(scens) == 1
    if single:
        outputs.check_name(scens[0].name)
    else:
        _check_names(scens)
    out = Path(args.out)
    with outputs.Target(out, estimate=output_bytes(scens)) as target, executor_of(args) as ex:  # checked and locked before computing
        results = [runner.with_progress(s, stop=interrupts.checkpoint, executor=ex) for s in scens]
        folder = target.stage()
        docs = {s.name: report.write_files(res, folder if single else target.subfolder(s.name))
                for s, res in zip(scens, results)}
        target.commit()  # all scenarios land, or none
    written = [str(out)] if single else [str(out / s.name) for s in scens]
    for w in written:
        print(f"wrote {w}/summary.json, breakdowns.parquet, claims.parquet", file=sys.stderr)
    show_run(docs, args.format)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from . import comparison  # polars and numpy: loaded by the command that needs them
    c = comparison.compare(args.a, args.b, allow_different_sizes=args.allow_different_sizes)
    comparison.show(c, args.format)
    return 0


def scenario_rows() -> list[dict[str, Any]]:
    """The ready scenarios: name, description, policies, populations (name and people), file."""
    from . import scenario
    rows, baselines = [], scenario.baselines()
    for name in scenario.ready_scenarios():
        s = scenario.load(name)
        rows.append({"name": s.name, "baseline": name in baselines, "description": s.description,
                     "policies": s.policy_ids,
                     "populations": [p.name for p in s.populations],
                     "people": sum(p.size for p in s.populations), "replications": s.replications,
                     "file": s.path})
    return rows


def cmd_scenarios(args: argparse.Namespace) -> int:
    tables.show(scenario_rows(), args.format, "skillsim scenarios (run one with: skillsim run NAME)",
                columns=["name", "baseline", "description", "policies", "populations", "people", "replications", "file"])
    return 0


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return v


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """--engine and --workers, the same on every multi-run command (simulate/executor.py)."""
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="where the independent runs go: local (this machine; the default) or ray (a local Ray, "
                        "or the cluster at RAY_ADDRESS: docs/cluster.md; pip install 'skillsim[ray]'); the "
                        "results are the same bit for bit on either")
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="processes (local; default 1: in this process) or CPUs of a local Ray (default: all)")


def executor_of(args: argparse.Namespace) -> Any:
    """The executor --engine and --workers name (a context manager)."""
    from .executor import executor
    return executor(getattr(args, "engine", "local"), getattr(args, "workers", None))


def register(sub: Any) -> None:
    fmt = dict(choices=tables.FORMATS, default="table", help=FORMAT_HELP)
    p = sub.add_parser("run", help="run scenarios: budget, coverage, breakdowns with intervals",
                       description="Run scenarios (ready ones by name, or TOML files) and print their budget, "
                                   "beneficiaries, coverage and cost per beneficiary side by side, each as the mean "
                                   "and 90 % interval over replications. Writes summary.json, breakdowns.parquet "
                                   "and claims.parquet under --out, all scenarios or none. Every override given "
                                   "here is recorded in summary.json's manifest (run_changes).")
    p.add_argument("scenario", nargs="*", help="ready scenario name or TOML file (default: every ready baseline, one a "
                                               "jurisdiction; skillsim scenarios lists them)")
    p.add_argument("--out", default="out", help="output folder: absent, empty, or one skillsim wrote (default: out)")
    p.add_argument("--replications", type=_positive, help="override the scenario's replications")
    p.add_argument("--size", type=_positive, help="override every population's size (people)")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    add_engine_arguments(p)
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="differences between two run outputs (B − A)",
                       description="Differences B − A between two run output folders (each with its summary.json): "
                                   "paired 90 % intervals where both runs share seed, size and replications, "
                                   "unpaired ones otherwise; coverage differences in percentage points.")
    p.add_argument("a", metavar="DIR_A", help="the first run's output folder (A)")
    p.add_argument("b", metavar="DIR_B", help="the second run's output folder (B)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format (csv and json: the rows' numbers; notes on stderr)")
    p.add_argument("--allow-different-sizes", action="store_true",
                   help="difference totals (budget, beneficiaries, claims) even where the two runs' "
                        "target populations differ (by default only per-person figures are)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("scenarios", help="list the ready scenarios with their descriptions",
                       description="The ready scenarios that skillsim run takes by name: description, policies, "
                                   "populations, people, replications and file.")
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_scenarios)


def __getattr__(name: str) -> Any:
    """ScenarioError and OutputError, as before, without loading them at start-up."""
    if name == "ScenarioError":
        from .scenario import ScenarioError
        return ScenarioError
    if name == "OutputError":
        from .outputs import OutputError
        return OutputError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["register", "run_rows", "year_rows", "show_run", "scenario_rows", "ScenarioError",
           "OutputError"]
