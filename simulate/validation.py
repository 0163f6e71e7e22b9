"""Targets and the validation table: a run held against the published figures its scenario lists.

    [[targets]]
    metric = "budget_cny"                       # a headline figure of the summary
    policy = "shanghai-2025-skills-upgrade"     # a policy the scenario runs
    population = "shanghai"                     # optional: one population (else all of them)
    year = 2025                                 # optional: a calendar year of payment (by_payment_year)
    value = 710000000
    unit = "yuan"                               # optional, a note for the reader
    source = "Jiefang Daily 2025-11-16 …"       # one line
    grade = "C"                                 # A, B or C (docs/data-sources.md)
    note = "a lead only: …"                     # required for grade C

``validation(summary, targets)`` gives one row a target: the model's mean and 90 % interval
of that figure, the target, gap = model mean − target, gap in % of the target, and whether
the target lies inside the interval (p05 ≤ target ≤ p95); ``warning`` where a total is held
against a run whose size the command line overrode. A run without targets has no
``validation`` key in its summary.json. docs/validation.md says what the rows mean.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Mapping, Sequence

from pydantic import Field, model_validator

from .assumptions import At, PolicyId, Slug, Source, Table, Text

METRICS = ("budget_cny", "beneficiaries", "claims", "eligible_claims", "cost_per_beneficiary_cny", "coverage")
GRADES = ("A", "B", "C")
LEAD = "C: lead only"  # how a grade C target is shown
YEARS = (1990, 2100)
COLUMNS = ["metric", "policy", "population", "year", "target", "grade", "source", "model_mean", "model_p05",
           "model_p95", "gap", "gap_pct", "inside", "note", "warning"]
TOTALS = ("budget_cny", "beneficiaries", "claims", "eligible_claims")  # these scale with the population's size
RESIZED = "{note}: this total is not comparable with the published figure"


class Target(Table):
    """A published figure a run is held against ([[targets]])."""
    metric: Literal[METRICS] = Field(description="a headline figure of the summary")
    policy: PolicyId = Field(description="a policy the scenario runs")
    population: Slug | None = Field(None, description="one population of the scenario (left out: all of them)")
    year: Annotated[int, Field(ge=YEARS[0], le=YEARS[1])] | None = Field(
        None, description="a calendar year of payment (left out: the whole run)")
    value: Annotated[float, Field(ge=0)] = Field(description="the published figure, in the metric's unit")
    unit: Text | None = Field(None, description="the figure's unit as published (a note for the reader)")
    source: Source
    grade: Literal[GRADES] = Field(description="A: official, B: state press quoting an official, C: a lead")
    note: Text | None = Field(None, description="required for grade C: that the figure is only a lead, and why")

    @model_validator(mode="after")
    def _grade_c_says_so(self):
        if self.grade == "C" and self.note is None:
            raise At("note", "is missing: a grade C figure is only a lead, so its target must say so "
                             "(docs/data-sources.md)")
        if self.metric == "coverage" and self.value > 1:
            raise At("value", f"{self.value!r} is not a share 0–1 (coverage)")
        return self

    def parsed(self) -> dict[str, Any]:
        return self.model_dump()


def _entry(doc: Mapping[str, Any], t: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The summary's figures a target is held against (None: the run has no such figure)."""
    e = doc["policies"].get(t["policy"])
    if e is None:
        return None
    pop = t.get("population")
    if pop is not None and list(e.get("by_population", {})) != [pop]:  # one population of several
        e = e.get("by_population", {}).get(pop)
        if e is None:
            return None
    if t.get("year") is not None:  # a year the run pays nothing in: 0 in every replication
        years = e.get("by_payment_year")
        return None if years is None else years.get(str(t["year"]), _NOTHING_PAID)
    return e


_NOTHING_PAID: Mapping[str, Any] = {m: {"mean": 0.0, "p05": 0.0, "p95": 0.0} for m in METRICS}


def _model(entry: Mapping[str, Any], metric: str) -> tuple[float, float | None, float | None]:
    """Mean, p05 and p95 of a figure; a count kept as a mean alone takes its interval from its values."""
    v = entry[metric]
    if isinstance(v, Mapping):
        return float(v["mean"]), v.get("p05"), v.get("p95")
    values = (entry.get("values") or {}).get(metric)
    if values:
        from .metrics import interval
        i = interval(values)
        return float(v), i["p05"], i["p95"]
    return float(v), None, None


def validation(run: Any, targets: Sequence[Mapping[str, Any] | Target]) -> list[dict[str, Any]]:
    """One row a target (``COLUMNS``), from a summary (a dict as summary.json holds it) or a
    RunResult. A target the run has no figure for (a policy or population it did not run) is
    a ValueError naming it."""
    doc = run
    if not isinstance(run, Mapping):
        from .report import summary  # a RunResult
        doc = summary(run)
    resized = ((doc.get("manifest") or {}).get("run_changes") or {}).get("size")
    rows = []
    for i, t in enumerate(targets):
        t = t.parsed() if isinstance(t, Target) else dict(t)
        entry = _entry(doc, t)
        if entry is None:
            what = f"population {t['population']!r} under " if t.get("population") else ""
            by = " by year of payment" if t.get("year") is not None else ""
            raise ValueError(f"targets[{i}]: the run has no figures{by} for {what}policy {t['policy']!r}")
        mean, p05, p95 = _model(entry, t["metric"])
        target = float(t["value"])
        gap = mean - target
        rows.append({"metric": t["metric"], "policy": t["policy"], "population": t.get("population") or "all",
                     "year": t.get("year"), "target": target, "grade": t["grade"], "source": t["source"],
                     "model_mean": mean, "model_p05": p05, "model_p95": p95, "gap": gap,
                     "gap_pct": gap / target * 100 if target else None,
                     "inside": None if p05 is None or p95 is None else bool(p05 <= target <= p95),
                     "note": t.get("note"),
                     "warning": RESIZED.format(note=resized.get("note") or "size overridden")
                     if resized and t["metric"] in TOTALS
                     else None})
    return rows


# ---------------------------------------------------------------- as the command line shows them

# a metric -> the unit its target, model and gap are shown in (simulate/tables.py)
METRIC_UNITS = {"budget_cny": "yuan", "beneficiaries": "people", "claims": "claims", "eligible_claims": "claims",
                "cost_per_beneficiary_cny": "yuan", "coverage": "percent"}
TABLE_COLUMNS = ["run", "metric", "policy_id", "population", "payment_year", "target", "model", "gap", "gap_pct",
                 "inside", "grade", "source", "note", "warning"]


def table_rows(summaries: Mapping[str, Mapping[str, Any]], for_table: bool = True) -> list[dict[str, Any]]:
    """The validation rows of every run (run name -> its summary) as ``skillsim run`` and
    ``compare`` print them (``TABLE_COLUMNS``): target, model mean [90 %], gap (signed), gap
    in % of the target, inside. ``for_table``: grade C shown as "C: lead only", inside as
    yes/no; else the values as summary.json holds them (for csv and json)."""
    from . import tables
    rows = []
    for run, doc in summaries.items():
        for v in doc.get("validation") or []:
            unit = METRIC_UNITS.get(v["metric"], "")
            pct, inside = v["gap_pct"], v["inside"]
            if for_table:
                pct = tables.MISSING if pct is None else f"{pct:+,.1f}%"
                inside = {True: "yes", False: "no", None: tables.MISSING}[inside]
            rows.append({"run": run, "metric": v["metric"], "policy_id": v["policy"], "population": v["population"],
                         "payment_year": "all" if v["year"] is None else str(v["year"]),
                         "target": tables.figure(v["target"], unit),
                         "model": tables.Figure(v["model_mean"], v["model_p05"], v["model_p95"], unit),
                         "gap": tables.figure(v["gap"], unit, signed=True), "gap_pct": pct, "inside": inside,
                         "grade": LEAD if for_table and v["grade"] == "C" else v["grade"],
                         "source": v["source"], "note": v.get("note"), "warning": v.get("warning")})
    return rows


__all__ = ["Target", "validation", "table_rows", "METRICS", "GRADES", "LEAD", "COLUMNS", "TABLE_COLUMNS"]
