"""Two runs compared: B − A of every headline figure, with a 90 % interval a researcher can trust.

``compare(a, b)`` takes two run folders or loaded summaries (``report.load_summary``).

*Paired* when both runs share seed, replications and populations (names and sizes) and
both summaries hold per-replication values: replication r of A and replication r of B are
drawn from the same seed, so the difference is taken replication by replication, and its
interval is the 5th–95th percentile of those differences (common random numbers: the
draw's noise cancels, the interval is much narrower). Otherwise *unpaired*: the interval
is the 5th–95th percentile of every difference B_j − A_i between a replication of B and
one of A, or, for a summary written before per-replication values were kept, a normal
approximation from the two runs' own intervals. Each interval is, as everywhere in
skillsim, the spread of the figure over replications (not a confidence interval of the
mean). docs/compare.md says why.

A total (budget, beneficiaries, claims) scales with the population: where the two runs'
target populations differ, totals are not differenced unless asked
(``allow_different_sizes``), and the budget per person of the target population is
compared instead.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Mapping

import numpy as np
import polars as pl

from .outputs import OutputError
from . import tables
from .report import FIGURES, check_summary, load_summary, summary_entries as _entries

# metric -> (unit of a and b, unit of the difference, scale from the summary's number)
UNITS: dict[str, tuple[str, str, float]] = {
    "budget_cny": ("yuan", "yuan", 1.0),
    "beneficiaries": ("people", "people", 1.0),
    "coverage": ("%", "pp", 100.0),  # a share shown in %, so its difference is in percentage points
    "cost_per_beneficiary_cny": ("yuan/beneficiary", "yuan/beneficiary", 1.0),
    "claims": ("claims", "claims", 1.0),
    "eligible_claims": ("claims", "claims", 1.0),
    "budget_per_person_cny": ("yuan/person", "yuan/person", 1.0),  # budget ÷ target population
}
TOTALS = ("budget_cny", "beneficiaries", "claims", "eligible_claims")  # these scale with the population
PER_PERSON = "budget_per_person_cny"
ALL = "(all)"
COLUMNS = {"comparison": pl.String, "policy_id": pl.String, "population": pl.String, "metric": pl.String,
           "unit": pl.String, "difference_unit": pl.String, "a": pl.Float64, "b": pl.Float64,
           "difference": pl.Float64, "difference_p05": pl.Float64, "difference_p95": pl.Float64,
           "relative": pl.Float64, "paired": pl.Boolean}


@dataclass(frozen=True)
class Comparison:
    """``rows``: one row per comparison × policy × population × metric (columns ``COLUMNS``;
    ``relative`` is the difference in % of ``a``; a figure that cannot be given is null, never
    NaN). ``notes``: how the intervals were made and every warning, one sentence each.
    ``paired``: whether A and B were paired replication by replication. ``validation``: each
    run's validation rows (its summary's, simulate/validation.py) by "A" and "B", where it has them."""
    rows: pl.DataFrame
    notes: list[str]
    paired: bool
    labels: tuple[str, str] = ("A", "B")
    validation: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class _Side:
    """One figure of one run: its mean, 90 % interval and per-replication values if known."""
    mean: float | None
    p05: float | None = None
    p95: float | None = None
    values: np.ndarray | None = None

    def scaled(self, by: float) -> "_Side":
        s = lambda v: None if v is None else v * by  # noqa: E731
        return _Side(s(self.mean), s(self.p05), s(self.p95), None if self.values is None else self.values * by)


def _finite(v: Any) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def _side(entry: Mapping[str, Any] | None, metric: str, values_ok: bool) -> _Side:
    if entry is None:
        return _Side(None)
    values = entry.get("values") if values_ok else None
    if metric == PER_PERSON:  # per person of the target population (known in every summary written with it)
        size = entry.get("target_population")
        return _side(entry, "budget_cny", values_ok).scaled(1 / size) if size else _Side(None)
    v = entry[metric]
    vals = None if values is None else np.asarray(values[metric], dtype=float)
    if isinstance(v, Mapping):
        return _Side(v["mean"], v["p05"], v["p95"], vals)
    if vals is not None and vals.size:  # a count: its interval from its values
        return _Side(v, float(np.percentile(vals, 5)), float(np.percentile(vals, 95)), vals)
    return _Side(v, values=vals)


def _interval(a: _Side, b: _Side, paired: bool) -> tuple[float | None, float | None, bool]:
    """(p05, p95) of B − A and whether it is paired."""
    with np.errstate(all="ignore"):  # hand-edited summaries can hold 1e308: the result is then null
        if a.values is not None and b.values is not None:
            if paired:
                d = b.values - a.values
                return float(np.percentile(d, 5)), float(np.percentile(d, 95)), True
            # independent runs: every replication of B against every one of A (≤ 10⁶ pairs)
            d = (b.values[None, :] - a.values[:, None]).ravel()
            return float(np.percentile(d, 5)), float(np.percentile(d, 95)), False
        if None in (a.mean, a.p05, a.p95, b.mean, b.p05, b.p95):
            return None, None, False
        # normal approximation: each side's half-widths add in quadrature
        d = b.mean - a.mean
        return (d - float(np.hypot(a.p95 - a.mean, b.mean - b.p05)),
                d + float(np.hypot(a.mean - a.p05, b.p95 - b.mean)), False)


def _row(comparison: str, pid: str, pop: str, metric: str, a: _Side, b: _Side, paired: bool,
         stored: Mapping[str, Any] | None = None, difference: bool = True) -> dict[str, Any]:
    """One row; ``stored``: a paired interval the summary holds (a reform's difference)."""
    unit, d_unit, scale = UNITS[metric]
    a, b = a.scaled(scale), b.scaled(scale)
    diff = p05 = p95 = rel = None
    is_paired = False
    if difference and a.mean is not None and b.mean is not None:
        with np.errstate(all="ignore"):
            diff = _finite(b.mean - a.mean)
            if stored is not None and (a.values is None or b.values is None):
                p05, p95, is_paired = stored["p05"] * scale, stored["p95"] * scale, True
            else:
                p05, p95, is_paired = _interval(a, b, paired)
            rel = _finite(diff / abs(a.mean) * 100) if diff is not None and a.mean else None
    return {"comparison": comparison, "policy_id": pid, "population": pop, "metric": metric, "unit": unit,
            "difference_unit": d_unit, "a": _finite(a.mean), "b": _finite(b.mean), "difference": diff,
            "difference_p05": _finite(p05), "difference_p95": _finite(p95), "relative": rel,
            "paired": is_paired if diff is not None else None}


@dataclass
class _Run:
    label: str
    doc: dict[str, Any]
    bad_values: set[int] = field(default_factory=set)  # ids of entries whose values disagree with their means

    def ok(self, entry: Mapping[str, Any] | None) -> bool:
        return entry is not None and entry.get("values") is not None and id(entry) not in self.bad_values


def _load(x: Any, name: str) -> _Run:
    if isinstance(getattr(x, "summary", None), Mapping):  # a run result that carries its summary
        x = x.summary
    if isinstance(x, Mapping):
        return _Run(f"{name} ({x.get('scenario', 'summary')})", check_summary(dict(x), name))
    if isinstance(x, (str, os.PathLike)):
        return _Run(os.fspath(x), load_summary(x))
    raise OutputError(f"{name}: a run folder or a loaded summary, not {type(x).__name__}")


def _check_values(run: _Run, notes: list[str]) -> None:
    """Values whose mean is not the figure's mean (a hand-edited summary) are not used."""
    for key, e in _entries(run.doc):
        if e.get("values") is None:
            continue
        for k in FIGURES:
            mean = e[k]["mean"] if isinstance(e[k], Mapping) else e[k]
            with np.errstate(all="ignore"):
                got = float(np.mean(np.asarray(e["values"][k], dtype=float))) if e["values"][k] else mean
            if not np.isclose(got, mean, rtol=1e-9, atol=1e-9):
                run.bad_values.add(id(e))
                notes.append(f"warning: {run.label}: {key}.{k}.mean is {mean:,.6g} but its values average "
                             f"{got:,.6g}: that entry's values are not used (its intervals are approximate)")
                break


def _pairing(a: _Run, b: _Run) -> list[str]:
    """Why A and B cannot be paired (none: they can)."""
    why = []
    for r in (a, b):
        if any(e.get("values") is None for _, e in _entries(r.doc)):
            why.append(f"{r.label} holds no per-replication values (a summary.json written before they were kept)")
    for key, what in (("seed", "seeds"), ("replications", "replications")):
        va, vb = a.doc.get(key), b.doc.get(key)
        if va is None or vb is None:
            why.append(f"{what} not recorded in {a.label if va is None else b.label}")
        elif va != vb:
            why.append(f"{what} differ: {va:,} in A, {vb:,} in B")
    why += _population_differences(a.doc.get("population_sizes"), b.doc.get("population_sizes"), a, b)
    return why


def _population_differences(sa: Mapping[str, int] | None, sb: Mapping[str, int] | None, a: _Run, b: _Run) -> list[str]:
    if sa is None or sb is None:
        return [f"population sizes not recorded in {a.label if sa is None else b.label}"]
    why = []
    only_a, only_b = sorted(set(sa) - set(sb)), sorted(set(sb) - set(sa))
    if only_a or only_b:
        why.append("populations differ: " + "; ".join(
            f"only in {side}: {', '.join(names)}" for side, names in (("A", only_a), ("B", only_b)) if names))
    sizes = [f"{n} {sa[n]:,} in A, {sb[n]:,} in B" for n in sorted(set(sa) & set(sb)) if sa[n] != sb[n]]
    if sizes:
        why.append("population sizes differ: " + "; ".join(sizes))
    return why


def _metrics(ea: Mapping[str, Any] | None, eb: Mapping[str, Any] | None) -> tuple[tuple[str, ...], bool]:
    """The metrics of a row group, and whether its two target populations differ."""
    ta = ea.get("target_population") if ea else None
    tb = eb.get("target_population") if eb else None
    differ = ta is not None and tb is not None and ta != tb
    return (FIGURES + (PER_PERSON,) if differ else FIGURES), differ


def _interval_meaning(run: "_Run") -> str:
    """What a run's 90 % intervals cover: sampling only, or its uncertain assumptions too (with
    the share of each policy's budget variance they make, where the run could split it)."""
    if not run.doc.get("manifest", {}).get("uncertain"):
        return f"{run.label}: a point-valued scenario: its intervals are sampling noise only"
    shares = [f"{pid} {e['budget_cny']['from_assumptions']:.0%}" for pid, e in sorted(run.doc["policies"].items())
              if isinstance(e.get("budget_cny"), Mapping) and e["budget_cny"].get("from_assumptions") is not None]
    return (f"{run.label}: uncertain assumptions: its intervals cover them and sampling"
            + (f" (budget variance from the assumptions: {', '.join(shares)})" if shares else ""))


def compare(a: Any, b: Any, *, allow_different_sizes: bool = False) -> Comparison:
    """B − A of every policy, population and reform in either run (see the module's docstring).
    ``a``, ``b``: run folders, loaded summaries, or objects with a ``summary`` mapping.
    A summary of the wrong shape is an OutputError naming the key."""
    ra, rb = _load(a, "A"), _load(b, "B")
    notes: list[str] = []
    for r in (ra, rb):
        _check_values(r, notes)
    why = _pairing(ra, rb)
    paired = not why
    rows: list[dict[str, Any]] = []
    resized: list[str] = []  # row groups whose target populations differ

    def group(comparison: str, pid: str, pop: str, ea, eb, pair: bool, run_a: _Run, run_b: _Run,
              stored: Mapping[str, Any] | None = None) -> None:
        metrics, differ = _metrics(ea, eb)
        if differ:
            resized.append(f"{pid} × {pop} {ea['target_population']:,} in A, {eb['target_population']:,} in B")
        for m in metrics:
            rows.append(_row(comparison, pid, pop, m, _side(ea, m, run_a.ok(ea)), _side(eb, m, run_b.ok(eb)), pair,
                             (stored or {}).get(m), difference=allow_different_sizes or not differ or m not in TOTALS))

    pa, pb = ra.doc["policies"], rb.doc["policies"]
    for pid in sorted(set(pa) | set(pb)):
        ea, eb = pa.get(pid), pb.get(pid)
        group("B − A", pid, ALL, ea, eb, paired, ra, rb)
        pops = list(dict.fromkeys([*(ea or {}).get("by_population", {}), *(eb or {}).get("by_population", {})]))
        if len(pops) > 1 or (ea and eb and set(ea["by_population"]) != set(eb["by_population"])):
            for pop in pops:
                group("B − A", pid, pop, (ea or {}).get("by_population", {}).get(pop),
                      (eb or {}).get("by_population", {}).get(pop), paired, ra, rb)
        fa, fb = (ea or {}).get("reform"), (eb or {}).get("reform")
        if fa is not None or fb is not None:
            group("B − A (reform)", pid, ALL, fa, fb, paired, ra, rb)
        for side, run, e in (("A", ra, ea), ("B", rb, eb)):
            if e is not None and e.get("reform") is not None:  # the same drawn population: always paired
                group(f"reform − baseline ({side})", pid, ALL, e, e["reform"], True, run, run, e.get("difference"))

    if paired:
        sizes = ", ".join(f"{n} {s:,}" for n, s in ra.doc["population_sizes"].items())
        notes.insert(0, f"paired: A and B share seed {ra.doc['seed']}, {ra.doc['replications']:,} replications and "
                        f"populations ({sizes}): B − A is taken replication by replication; its interval is the "
                        "5th–95th percentile of the per-replication differences (90 %)")
    else:
        approx = not all(x.ok(e) for x in (ra, rb) for _, e in _entries(x.doc))  # some entry has no usable values
        notes.insert(0, "unpaired (" + "; ".join(why) + "): B − A is the difference of the means; its interval is "
                        "the 5th–95th percentile of every difference between a replication of B and one of A"
                        + (", or, where a run holds no per-replication values, approximated from the two runs' "
                           "90 % intervals (normal approximation)" if approx else ""))
    if resized:
        notes.append("warning: target populations differ (" + "; ".join(dict.fromkeys(resized)) + "): " + (
            "totals (budget, beneficiaries, claims) are differenced as asked, but they reflect the sizes as much "
            "as the policies" if allow_different_sizes else
            "totals (budget, beneficiaries, claims) are not differenced; compare budget_per_person_cny and "
            "coverage, or pass --allow-different-sizes"))
    if any(r["comparison"].startswith("reform − baseline") for r in rows):
        notes.append("reform − baseline: within one run, on the same drawn population, so paired by replication")
    notes.extend(_interval_meaning(r) for r in (ra, rb))
    notes.append("coverage in %, its differences in percentage points (pp); relative: the difference in % of A")
    checks = {side: r.doc["validation"] for side, r in (("A", ra), ("B", rb)) if r.doc.get("validation")}
    return Comparison(pl.DataFrame(rows, schema=COLUMNS), notes, paired, (ra.label, rb.label), checks)


# a row's unit -> how tables.Figure shows it, and the factor back to the Figure's scale
# (a Figure's percent and pp are fractions); per-person yuan keep their cents
_SHOWN = {"yuan": ("yuan", 1.0), "people": ("people", 1.0), "claims": ("claims", 1.0),
          "%": ("percent", 0.01), "pp": ("pp", 0.01)}


def _figure(v: float | None, unit: str, p05: float | None = None, p95: float | None = None,
            signed: bool = False) -> tables.Figure:
    shown, k = _SHOWN.get(unit, ("", 1.0))
    scale = (lambda x: None if x is None else x * k) if shown else (lambda x: None if x is None else round(x, 2))
    return tables.Figure(scale(v), scale(p05), scale(p95), shown, signed)


def show(c: Comparison, fmt: str = "table", file: IO[str] | None = None) -> None:
    """The rows as a table (differences as ``mean [p05, p95]`` in their unit, notes below it),
    or as CSV or JSON (the rows' numbers as they are; the notes on stderr)."""
    title = f"skillsim compare: A = {c.labels[0]}, B = {c.labels[1]}"
    if fmt != "table":
        tables.show(c.rows, fmt, title, file=file)
        for n in c.notes:
            print(n, file=sys.stderr)
        return
    shown = [{"comparison": r["comparison"], "policy_id": r["policy_id"], "population": r["population"],
              "metric": r["metric"], "unit": r["unit"],
              "a": _figure(r["a"], r["unit"]), "b": _figure(r["b"], r["unit"]),
              "difference [90 %]": _figure(r["difference"], r["difference_unit"], r["difference_p05"],
                                           r["difference_p95"], signed=True),
              "relative": _figure(r["relative"], "%", signed=True),
              "paired": {True: "yes", False: "no", None: ""}[r["paired"]]}
             for r in c.rows.iter_rows(named=True)]
    tables.show(shown, "table", title, file=file)
    out = sys.stdout if file is None else file
    for n in c.notes:
        print(n, file=out)
    if c.validation:  # each run against its own scenario's targets (csv and json: in summary.json)
        from .validation import table_rows
        tables.show(table_rows({side: {"validation": v} for side, v in c.validation.items()}), "table",
                    "validation of each run: model mean [90 % interval] against its scenario's targets", file=file,
                    columns=["run", "metric", "policy_id", "population", "payment_year", "target", "model", "gap",
                             "gap_pct", "inside", "grade", "warning"])


__all__ = ["Comparison", "compare", "show", "COLUMNS", "UNITS"]
