"""Target vs simulated person-times of a population of cohorts (a plan's task table, e.g.
BJSA-K1), and the budget they imply, from a run's breakdowns; ``python -m skillsim.simulate.calibration OUT_DIR`` prints the
markdown note (docs/calibration-2019.md is its output for beijing-2019-task-table).

Simulated person-times are the claims the calculator paid (``eligible_claims`` of the
``cohort`` dimension), plus, for programmes no line funds, their person-times (the
``unfunded`` dimension). Budgets are the whole public cost (amount + second payments),
the mean over replications with the 5th and 95th percentiles. Line names, "up to" lines
and the note's policy-specific phrases come from the policy's ``cohort_lines()``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

from . import scenario
from .cohorts import NONE, CohortPopulation

C = pl.col
KEY = ("agency", "line", "programme")


def cohorts_table(pop: CohortPopulation, breakdowns: pl.DataFrame) -> pl.DataFrame:
    """One row per cohort: target, simulated person-times, places, budget (mean, p05, p95)."""
    rows = breakdowns.filter((C("population") == pop.name) & (C("variant") == "baseline")
                             & C("dimension").is_in(["cohort", "unfunded"]))
    sim = rows.with_columns(
        pl.when(C("dimension") == "unfunded").then(C("claims")).otherwise(C("eligible_claims")).alias("simulated"),
        pl.when(C("dimension") == "unfunded").then(0).otherwise(C("claims")).alias("places"),
    ).group_by("key").agg(
        C("simulated").mean(), C("places").mean(), C("budget_cny").mean().alias("budget_cny"),
        C("budget_cny").quantile(0.05, "linear").alias("budget_p05"),
        C("budget_cny").quantile(0.95, "linear").alias("budget_p95"))
    target = pl.DataFrame([(c.agency, c.line or NONE, c.programme, c.counts(pop.scale)[0],
                            c.a["eligible_share"]["value"] if c.line else None) for c in pop.cohorts],
                          schema={"agency": pl.String, "line": pl.String, "programme": pl.String,
                                  "target": pl.Int64, "eligible_share": pl.Float64}, orient="row")
    out = target.with_columns(pl.concat_str(*KEY, separator=" | ").alias("key")).join(sim, on="key", how="left")
    return out.drop("key").with_columns(C("simulated", "places", "budget_cny", "budget_p05", "budget_p95").fill_null(0))


def by(table: pl.DataFrame, key: str) -> pl.DataFrame:
    """Targets, simulated person-times and budget summed by ``key`` (agency or line), with the
    relative difference; the order of first appearance (the table's)."""
    out = table.group_by(key, maintain_order=True).agg(C("target", "simulated", "budget_cny").sum())
    return out.with_columns(((C("simulated") - C("target")) / C("target")).alias("difference"))


# ---------------------------------------------------------------- the markdown note

def _wan(yuan: float) -> str:
    return f"{yuan / 1e4:,.1f}"


def _md(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _header_comment(path: str) -> str:
    """The comment lines that open a scenario file, as markdown."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines() if path else []:
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines).strip()


def note(out_dir: str | Path) -> str:
    out = Path(out_dir)
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    scen = scenario.load(doc["scenario"])
    breakdowns = pl.read_parquet(out / "breakdowns.parquet")
    parts = [f"# Calibration: {scen.name}\n", scen.description + "\n",
             "Generated from a real run (seed {seed}, {reps} replications; budgets are the mean over "
             "replications, [5th, 95th percentile]):\n".format(seed=doc["seed"], reps=doc["replications"]),
             f"```\nskillsim run {scen.name} --out {out}\npython -m skillsim.simulate.calibration {out} "
             "> docs/calibration-2019.md\n```\n"]
    header = _header_comment(scen.path)
    if header:
        parts += ["## Readings (the scenario file's header)\n", header + "\n"]
    for pop in scen.populations:
        if not isinstance(pop, CohortPopulation):
            continue
        size = doc["policies"][pop.policies[0]]["by_population"][pop.name]["target_population"]
        pop = pop.resized(size) if size != pop.size else pop
        t = cohorts_table(pop, breakdowns)
        parts += _sections(pop, t, breakdowns, scen, doc)
    return "\n".join(parts)


def _sections(pop: CohortPopulation, t: pl.DataFrame, breakdowns: pl.DataFrame, scen, doc) -> list[str]:
    agency = by(t, "agency")
    total_t, total_s, budget = t["target"].sum(), t["simulated"].sum(), t["budget_cny"].sum()
    pid, lines = pop.policy, pop.lines
    recipients = (breakdowns.filter((C("population") == pop.name) & (C("variant") == "baseline")
                                    & (C("dimension") == "recipient"))
                  .group_by("key").agg(C("budget_cny").mean()).sort("budget_cny", descending=True))
    order = {rid: i for i, rid in enumerate(lines.lines)}  # as the policy lists its lines
    line = by(t.filter(C("line") != NONE), "line").sort(C("line").replace_strict(order, return_dtype=pl.Int32))
    up_to_lines = [x for x in line["line"] if lines.lines[x].up_to]  # 不超过: ceiling × the scenario's paid share
    up_to = line.filter(C("line").is_in(up_to_lines))["budget_cny"].sum()
    out = [f"## Person-times by agency (target = {lines.wording.target})\n",
           _md(["agency", "target (人次)", "simulated", "difference", "implied budget (万元)"],
               [[r["agency"], f"{r['target']:,}", f"{r['simulated']:,.0f}", f"{r['difference']:+.2%}",
                 _wan(r["budget_cny"])] for r in agency.iter_rows(named=True)]
               + [["**total**", f"**{total_t:,}**", f"**{total_s:,.0f}**",
                   f"**{(total_s - total_t) / total_t:+.2%}**", f"**{_wan(budget)}**"]]) + "\n",
           "## Person-times and budget by programme and line\n",
           "`none`: no line of the plan funds the programme; its person-times count, with no budget. "
           "Places = claims drawn (target ÷ eligible share); the rest fail the line's main condition "
           "(its `fails` in the policy's `cohort_lines()`).\n",
           _md(["agency", "programme", "line", "eligible share", "places", "target", "simulated (paid)",
                "implied budget (万元) [p05, p95]"],
               [[r["agency"], r["programme"], r["line"], "—" if r["eligible_share"] is None else f"{r['eligible_share']:.2f}",
                 f"{r['places']:,.0f}", f"{r['target']:,}", f"{r['simulated']:,.0f}",
                 f"{_wan(r['budget_cny'])} [{_wan(r['budget_p05'])}, {_wan(r['budget_p95'])}]"]
                for r in t.iter_rows(named=True)]) + "\n",
           "## Implied budget\n",
           f"Whole public cost (`city_cny` in summary.json: each claim's amount plus "
           f"{lines.wording.second_payments}): **{_wan(budget)}万元** (≈ {budget / 1e8:,.2f}亿元) for "
           f"{t.filter(C('line') != NONE)['simulated'].sum():,.0f} paid person-times; "
           f"{t.filter(C('line') == NONE)['target'].sum():,} person-times have no line and no budget.\n",
           "By line:\n",
           _md(["line", "programme", "paid person-times", "budget (万元)", "per person-time (元)"],
               [[r["line"], lines.lines[r["line"]].name, f"{r['simulated']:,.0f}", _wan(r["budget_cny"]),
                 f"{r['budget_cny'] / r['simulated']:,.0f}"] for r in line.iter_rows(named=True)]) + "\n",
           f"The \"up to\" (不超过) lines here, {', '.join(up_to_lines)}, are {up_to / budget:.0%} of it at the paid shares "
           f"below; their cost scales with the shares ({lines.wording.up_to}): at half "
           f"of each, the total would be {_wan(budget - up_to / 2)}万元.\n",
           "By recipient (who receives each payment; the `recipient` dimension of breakdowns.parquet):\n",
           _md(["recipient", "budget (万元)"], [[r["key"], _wan(r["budget_cny"])]
                                                for r in recipients.iter_rows(named=True)]) + "\n",
           "## Assumptions\n",
           "Amounts the text leaves to a scenario (`[parameters]`):\n",
           _md(["parameter", "value", "source"],
               [[f"`{k}`", str(v), scen.sources.get(f"parameters.{pid}.{k}", "")]
                for k, v in scen.parameters.get(pid, {}).items()]) + "\n",
           "Population: " + "; ".join(f"{k}: {pop.a[k]['source']}" for k in pop.a) + ".\n",
           "Each cohort's eligible share and attribute mixes, with their sources, are in "
           f"`scenarios/{scen.name}.toml`, whose comments give the programme → line reading of every row; "
           "summary.json lists every source under `assumptions`.\n"]
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m skillsim.simulate.calibration OUT_DIR  (a 'skillsim run' output of a scenario with cohorts)",
              file=sys.stderr)
        return 2
    print(note(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
