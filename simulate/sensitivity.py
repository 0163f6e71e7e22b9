"""``skillsim sensitivity``: which uncertain assumption moves each headline figure, and how much.

    skillsim sensitivity SCENARIO --out DIR [--method morris|sobol] [--samples N] [--size N]
                         [--replications R] [--seed N] [--engine local|ray] [--workers N]
                         [--format table|csv|json]

The scenario's uncertain assumptions (ranges, triangular ones and shares with a
concentration, simulate/uncertainty.py) are varied; each run is ``uncertainty.at(scenario, values)``, a
point-valued copy with the given assumptions fixed and the others at their central values.
Two views, each of budget, beneficiaries and cost per beneficiary, per policy (and variant):

1. A tornado, one assumption at a time: each at its 5th and at its 95th percentile (its
   ``ppf``; a 90 % range, the interval skillsim reports everywhere, so one wide tail does
   not decide the bar), all others central: 1 + 2k runs for k assumptions.
2. Indices from SALib over the whole ranges (the sampler's points in [0, 1]^k mapped through
   each assumption's ppf): Morris by default (r trajectories, r(k+1) runs; mu_star is the
   mean absolute change of the figure as the assumption crosses its range, sigma how much
   that change depends on the others), or Sobol (N base points, N(k+2) runs: first-order
   and total indices, the shares of the figure's variance, with 95 % confidence; no
   second-order indices, which would double the runs).

Every run uses the same seed (common random numbers): two runs draw the same people and
differ only by the assumption values, so the bars show the assumption, not noise. Runs
simulate at most ``--size`` people a population (default 100,000) and scale budget and
beneficiaries by the population's size over the people simulated (its size at the run's
values, so an uncertain size moves them in full); cost per beneficiary is their ratio.
Shares with a concentration K (Dirichlet(K × shares)) are varied through one uniform u_i a
share: x_i = the Gamma(K × share_i) quantile at u_i, shares = x / sum(x)
(``Uncertain.shares_at``), exactly Dirichlet when the u_i are uniform. The u_i of one
assumption are one SALib group named by its key (one index for the whole vector); the
sampler's 0 and 1 (Morris' grid has them; a Gamma's quantile there is 0 or infinite) are
taken as the ``TAIL`` and 1 - ``TAIL`` quantiles. In the tornado each share's u_i goes to
its 5th and 95th percentile, the other u at their medians (all u at 0.05 together would give
the central shares again), and the assumption's row is the share whose move swings the
figure most (``moved``: ``<key>.<share>``; low and high are that share's values).

The runs are independent tasks of one executor (``--engine local|ray --workers N``,
simulate/executor.py): the tornado's, then the sampler's; the figures are the same bit for
bit on any engine and any number of workers.

Outputs under --out, one transaction (simulate/outputs.py): tornado.parquet,
indices.parquet, sensitivity.json (the manifest). Light to import: numpy, polars, SALib and
the runner load inside the command.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from . import run_commands, tables

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

    from .executor import Executor
    from .scenario import Scenario
    from .uncertainty import Uncertain

FIGURES = {"budget_cny": "yuan", "beneficiaries": "people", "cost_per_beneficiary_cny": "yuan"}
METHODS = ("morris", "sobol")
SCALAR = ("uniform", "triangular")     # kinds of one number, one SALib variable; Dirichlet shares: one a share
TAIL = 0.005                           # a Dirichlet's u_i within [TAIL, 1 - TAIL] (no Gamma quantile at 0 or 1)
QUANTILES = (0.05, 0.95)               # the tornado's low and high ends
DEFAULT_SIZE = 100_000                 # people simulated a population and run
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
MORRIS_LEVELS = 4
RESAMPLES = 100                        # bootstrap resamples behind the indices' confidence
OUTPUT_BYTES = 1 << 20                 # about what the three files take (checked against free space)
INDEX_COLUMNS = {"morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
                 "sobol": ("S1", "S1_conf", "ST", "ST_conf")}
RANKED_BY = {"morris": "mu_star", "sobol": "ST"}

Key = tuple[str, str]                   # (policy id, variant)
Figures = dict[Key, dict[str, float]]   # the headline figures of one run


@dataclass(frozen=True)
class Plan:
    """What a sensitivity analysis runs: checked whole before anything runs."""
    scenario: Scenario
    factors: tuple[Uncertain, ...]      # the assumptions varied, in file order
    method: str
    samples: int                        # Morris trajectories, or Sobol base points
    size: int                           # at most this many people simulated a population
    replications: int                   # a run's figures: the mean over these
    seed: int                           # the same for every run (common random numbers)
    people: Mapping[str, int]           # population -> people simulated in every run

    @property
    def runs(self) -> dict[str, int]:
        k = len(self.factors)   # one SALib group each
        return {"central": 1, "tornado": 2 * sum(len(variables(u)) for u in self.factors),
                self.method: self.samples * (k + 1 if self.method == "morris" else k + 2)}


@dataclass(frozen=True)
class Result:
    plan: Plan
    tornado: pl.DataFrame
    indices: pl.DataFrame
    manifest: dict[str, Any]


# ---------------------------------------------------------------------- the plan

def make_plan(scen: Scenario, method: str = "morris", samples: int | None = None, size: int = DEFAULT_SIZE,
              replications: int = 1, seed: int | None = None) -> Plan:
    """The analysis of ``scen``, or a UsageError / ScenarioError naming what is wrong."""
    from .cli import UsageError
    from .uncertainty import at, uncertain
    if method not in METHODS:
        raise UsageError(f"--method: {method!r} is not one of {', '.join(METHODS)}")
    specs = uncertain(scen)
    factors = tuple(specs)
    if not factors:
        raise UsageError(f"{scen.name}: no uncertain assumption to vary; give one a range, e.g. "
                         + "{ low = 0.2, high = 0.4, source = ... }, or a shares table a concentration")
    samples = DEFAULT_SAMPLES[method] if samples is None else samples
    if method == "morris" and samples < 2:
        raise UsageError(f"--samples: {samples} Morris trajectories; give 2 or more (sigma needs two)")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise UsageError(f"--samples: {samples} is not a power of 2 of at least 2 (Sobol' points need one)")
    if size < 1 or replications < 1:
        raise UsageError(f"--{'size' if size < 1 else 'replications'}: must be at least 1")
    # every run simulates the same people: as many as the population has at its central
    # values (at most --size), whatever its size at the run's values (which scales the figures)
    people = {pop.name: min(pop.size, size) for pop in at(scen, {}).populations}
    p = Plan(scen, factors, method, samples, size, replications, scen.seed if seed is None else seed, people)
    point(p, {})  # the seed, replications and every assumption's central value checked before anything runs
    return p


def value(u: Uncertain, q: float) -> Any:
    """The assumption's value at quantile ``q`` (``ppf`` rounds an integer one to a whole number)."""
    v = u.ppf(float(q))
    return int(v) if u.integer else float(v)


def variables(u: Uncertain) -> list[str]:
    """The assumption's SALib variables: its key, or one a varying share (``<key>.<share>``)."""
    return [u.key] if u.kind in SCALAR else [f"{u.key}.{k}" for k in u.components()]


def quantity(u: Uncertain, qs: Any) -> Any:
    """The assumption's value at quantiles ``qs`` in [0, 1], one a variable: a number by
    ``value``, or shares by ``shares_at`` (each quantile within [TAIL, 1 - TAIL])."""
    if u.kind == "dirichlet":
        return u.shares_at([min(max(float(q), TAIL), 1 - TAIL) for q in qs])
    return value(u, qs[0])


def values_at(p: Plan, qs: Any) -> dict[str, Any]:
    """The assumptions' values at one sampler point (a quantile a variable, in ``problem``'s order)."""
    out, i = {}, 0
    for u in p.factors:
        n = len(variables(u))
        out[u.key] = quantity(u, qs[i:i + n])
        i += n
    return out


def end(u: Uncertain, j: int, q: float) -> tuple[Any, float]:
    """The assumption with its ``j``-th variable at quantile ``q``, the others at their medians:
    its value, and the value of what moved (the number, or the ``j``-th share)."""
    if u.kind != "dirichlet":
        v = value(u, q)
        return v, float(v)
    qs = [0.5] * len(u.components())
    qs[j] = q
    v = quantity(u, qs)
    return v, v[u.components()[j]]


def point(p: Plan, values: Mapping[str, Any]) -> tuple[Scenario, dict[str, float]]:
    """The scenario at ``values`` (the other assumptions central), as a run simulates it: each
    population as many people as ``p.people`` says (the same in every run, so an uncertain
    size does not redraw them), the analysis' replications and seed; and each population's
    scale (its size at these values over the people simulated)."""
    from .uncertainty import at
    fixed = at(p.scenario, values)
    small = dataclasses.replace(fixed, populations=tuple(pop if pop.size == p.people[pop.name] else
                                                         pop.resized(p.people[pop.name]) for pop in fixed.populations))
    run = small.with_changes(by="skillsim sensitivity", replications=p.replications, seed=p.seed)
    return run, {full.name: full.size / part.size for full, part in zip(fixed.populations, run.populations)}


def figures(p: Plan, values: Mapping[str, Any], stop: Callable[[], None] | None = None) -> Figures:
    """One run at ``values``: per (policy, variant), each headline figure's mean over the
    replications, budget and beneficiaries scaled to the populations' sizes."""
    from .runner import run
    scen, scale = point(p, values)
    res = run(scen, keep_claims=False, stop=stop)
    sums: dict[tuple[str, str, int], list[float]] = {}
    # summed in a fixed order (sorted rows), so the same run gives the same figures bit for bit
    for r in sorted(res.totals.to_dicts(), key=lambda r: (r["policy_id"], r["variant"], r["replication"],
                                                           r["population"])):
        acc = sums.setdefault((r["policy_id"], r["variant"], r["replication"]), [0.0, 0.0])
        acc[0] += r["budget_cny"] * scale[r["population"]]
        acc[1] += r["beneficiaries"] * scale[r["population"]]
    out: dict[Key, dict[str, list[float]]] = {}
    for (pid, variant, _), (budget, people) in sums.items():
        f = out.setdefault((pid, variant), {k: [] for k in FIGURES})
        f["budget_cny"].append(budget)
        f["beneficiaries"].append(people)
        f["cost_per_beneficiary_cny"].append(budget / people if people > 0 else 0.0)
    return {key: {k: sum(v) / len(v) for k, v in f.items()} for key, f in out.items()}


# ---------------------------------------------------------------------- the two views

def ends(p: Plan) -> list[dict[str, Any]]:
    """The tornado's runs: each assumption's variables in turn (a number, or each share) at the
    low, then at the high quantile."""
    return [{u.key: end(u, j, q)[0]} for u in p.factors for j in range(len(variables(u))) for q in QUANTILES]


def tornado(p: Plan, central: Figures, at_ends: list[Figures]) -> pl.DataFrame:
    """Each assumption at its low and high quantile, the others central (``at_ends``: the
    runs of ``ends(p)``): a row per policy, variant, figure and assumption, ranked by swing
    (the largest 1) within each figure. Shares: the row of the share whose move swings the
    figure most (the first on a tie), ``moved`` naming it."""
    import polars as pl
    rows, n = [], 0
    for u in p.factors:
        names = variables(u)
        runs = [(at_ends[n + 2 * j], at_ends[n + 2 * j + 1]) for j in range(len(names))]
        moved = [(end(u, j, QUANTILES[0])[1], end(u, j, QUANTILES[1])[1]) for j in range(len(names))]
        n += 2 * len(names)
        for key in sorted(central):
            for fig, unit in FIGURES.items():
                swings = [abs(hi[key][fig] - lo[key][fig]) for lo, hi in runs]
                j = swings.index(max(swings))
                rows.append({"policy_id": key[0], "variant": key[1], "figure": fig, "unit": unit,
                             "assumption": u.key, "moved": names[j], "kind": u.kind, "source": u.source,
                             "low": float(moved[j][0]), "high": float(moved[j][1]), "central": central[key][fig],
                             "at_low": runs[j][0][key][fig], "at_high": runs[j][1][key][fig], "swing": swings[j]})
    return _ranked(pl.DataFrame(rows, schema=_schemas()[0]), p, "swing")


def _ranked(df: pl.DataFrame, p: Plan, by: str) -> pl.DataFrame:
    """A rank (1 = moves the figure most) within each policy, variant and figure; ties and
    missing values keep the assumptions' file order."""
    import polars as pl
    order = {u.key: i for i, u in enumerate(p.factors)}
    figs = {f: i for i, f in enumerate(FIGURES)}
    df = df.with_columns(pl.col("assumption").replace_strict(order, return_dtype=pl.Int64).alias("_order"),
                         pl.col("figure").replace_strict(figs, return_dtype=pl.Int64).alias("_figure"))
    df = df.sort("policy_id", "variant", "_figure", by, "_order", descending=[False, False, False, True, False],
                 nulls_last=True)
    return (df.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("policy_id", "variant", "figure")
                            .alias("rank")).drop("_order", "_figure"))


def problem(p: Plan) -> dict[str, Any]:
    """SALib's problem: a variable a number and a share (its quantile in [0, 1]); with shares,
    a group an assumption (its key), so each gets one index."""
    names = [v for u in p.factors for v in variables(u)]
    groups = [u.key for u in p.factors for _ in variables(u)]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
            **({"groups": groups} if any(u.kind == "dirichlet" for u in p.factors) else {})}


def sample(p: Plan) -> np.ndarray:
    """The sampler's points, a row per run, a column per variable (quantiles in [0, 1])."""
    if p.method == "morris":
        from SALib.sample.morris import sample as morris
        return morris(problem(p), p.samples, num_levels=MORRIS_LEVELS, seed=p.seed)
    from SALib.sample.sobol import sample as sobol
    return sobol(problem(p), p.samples, calc_second_order=False, seed=p.seed)


def indices(p: Plan, X: np.ndarray, outputs: list[Figures]) -> pl.DataFrame:
    """SALib's indices of every figure from the runs at the sampler's points ``X``."""
    import warnings

    import numpy as np
    import polars as pl
    rows = []
    for key in sorted(outputs[0]):
        for fig, unit in FIGURES.items():
            Y = np.array([o[key][fig] for o in outputs], dtype=float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a figure that does not move: indices of 0 / 0
                got = _analyse(p, X, Y)
            for i, u in enumerate(p.factors):
                rows.append({"policy_id": key[0], "variant": key[1], "figure": fig, "unit": unit,
                             "assumption": u.key, "kind": u.kind, "source": u.source, "method": p.method,
                             **{c: got[c][i] for c in INDEX_COLUMNS[p.method]}})
    schema = {**_schemas()[1], **{c: pl.Float64 for c in INDEX_COLUMNS[p.method]}}
    return _ranked(pl.DataFrame(rows, schema=schema), p, RANKED_BY[p.method])


def _analyse(p: Plan, X: np.ndarray, Y: np.ndarray) -> dict[str, list[float | None]]:
    import math

    import numpy as np
    if p.method == "morris":
        from SALib.analyze.morris import analyze
        got = analyze(problem(p), X, Y, num_resamples=RESAMPLES, num_levels=MORRIS_LEVELS, seed=p.seed)
    elif np.ptp(Y) == 0:  # a figure no assumption moves has no variance to share out
        return {c: [None] * len(p.factors) for c in INDEX_COLUMNS["sobol"]}
    else:
        from SALib.analyze.sobol import analyze
        got = analyze(problem(p), Y, calc_second_order=False, num_resamples=RESAMPLES, seed=p.seed)

    def num(v: Any) -> float | None:
        f = float(np.ma.filled(v, np.nan))
        return f if math.isfinite(f) else None
    return {c: [num(v) for v in np.asarray(got[c]).ravel()] for c in INDEX_COLUMNS[p.method]}


def _schemas() -> tuple[dict, dict]:
    """The columns of tornado.parquet and (before the method's own) of indices.parquet."""
    import polars as pl
    head = {"policy_id": pl.String, "variant": pl.String, "figure": pl.String, "unit": pl.String,
            "assumption": pl.String, "kind": pl.String, "source": pl.String}
    return ({**head, "moved": pl.String, **{c: pl.Float64 for c in ("low", "high", "central", "at_low", "at_high", "swing")}},
            {**head, "method": pl.String})


# ---------------------------------------------------------------------- the analysis

def run_point(task: tuple[Plan, Mapping[str, Any]]) -> Figures:
    """One run of the analysis (an executor's task): ``figures`` at the task's values."""
    p, values = task
    return figures(p, values)


def analyse(p: Plan, progress: Callable[[int, int], None] | None = None,
            stop: Callable[[], None] | None = None, executor: Executor | None = None) -> Result:
    """The tornado and the indices of ``p``, every run a task of ``executor`` (default: one
    after another in this process; the same result on any). ``progress(done, total)`` as
    runs finish, ``stop()`` between them (it may raise to end the analysis: an interrupt)."""
    from .executor import InProcess
    ex = executor or InProcess()
    total, done = sum(p.runs.values()), 0

    def finished(_done: int, _total: int) -> None:
        nonlocal done
        done += 1
        if stop:
            stop()
        if progress:
            progress(done, total)

    def evaluate(points: list[Mapping[str, Any]]) -> list[Figures]:
        if stop:
            stop()
        return ex.map(run_point, [(p, values) for values in points], progress=finished)

    started = time.perf_counter()
    central, *at_ends = evaluate([{}, *ends(p)])
    torn = tornado(p, central, at_ends)
    after_tornado = time.perf_counter()
    X = sample(p)
    outputs = evaluate([values_at(p, row) for row in X])
    idx = indices(p, X, outputs)
    seconds = {"tornado": round(after_tornado - started, 3), p.method: round(time.perf_counter() - after_tornado, 3)}
    return Result(p, torn, idx, manifest(p, seconds))


def manifest(p: Plan, seconds: Mapping[str, float]) -> dict[str, Any]:
    """sensitivity.json: what was run, with what, by which versions."""
    from .uncertainty import at
    return {
        "scenario": {"name": p.scenario.name, "hash": p.scenario.digest, "path": p.scenario.path},
        "method": p.method,
        "samples": p.samples,
        **({"num_levels": MORRIS_LEVELS} if p.method == "morris" else {"second_order": False}),
        "runs": {**p.runs, "total": sum(p.runs.values())},
        "seed": p.seed,
        "common_random_numbers": "every run uses this seed",
        "replications": p.replications,
        "size": dict(p.people),
        "population_sizes": {pop.name: pop.size for pop in at(p.scenario, {}).populations},
        "scaled": "budget and beneficiaries: each population's simulated totals × its size at the run's values "
                  "/ the people simulated",
        "tornado_quantiles": list(QUANTILES),
        "shares": f"each share's quantile u_i (within {TAIL}–{1 - TAIL}) through Gamma(concentration × share); "
                  "shares = x / sum(x); one SALib group an assumption; tornado: each u_i at its ends, the "
                  "others at 0.5, the row the share that swings the figure most",
        "figures": FIGURES,
        "assumptions": [{**u.as_dict(), "variables": variables(u), **ends_of(u)} for u in p.factors],
        "seconds": dict(seconds),
        "versions": versions(),
    }


def ends_of(u: Uncertain) -> dict[str, Any]:
    """The tornado's low and high values of an assumption (of shares: each share's, as it moves)."""
    if u.kind != "dirichlet":
        return {"tornado_low": value(u, QUANTILES[0]), "tornado_high": value(u, QUANTILES[1])}
    at = {k: [end(u, j, q)[1] for q in QUANTILES] for j, k in enumerate(u.components())}
    return {"tornado_low": {k: v[0] for k, v in at.items()}, "tornado_high": {k: v[1] for k, v in at.items()}}


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from .report import skillsim_version
    out = {"skillsim": skillsim_version()}
    for name in ("SALib", "numpy", "polars"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def write(res: Result, folder: Any) -> None:
    """The three files into ``folder`` (a staged output folder)."""
    import json
    from pathlib import Path
    folder = Path(folder)
    res.tornado.write_parquet(folder / "tornado.parquet")
    res.indices.write_parquet(folder / "indices.parquet")
    (folder / "sensitivity.json").write_text(json.dumps(res.manifest, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")


# ---------------------------------------------------------------------- what is printed

def _short(v: float | None) -> float | int | None:
    """An assumption's value as people read it: six significant digits."""
    if v is None:
        return None
    return int(v) if float(v).is_integer() else float(f"{v:.6g}")


def rows(res: Result, fmt: str = "table") -> list[dict[str, Any]]:
    """The tornado beside the indices: a row per policy (variant), figure and assumption (of
    shares: the share that moved, ``<key>.<share>``), by tornado rank (a table shows the assumption's values to six significant digits; csv and
    json whole)."""
    short = _short if fmt == "table" else (lambda v: v)
    method = res.plan.method
    idx = {(r["policy_id"], r["variant"], r["figure"], r["assumption"]): r for r in res.indices.to_dicts()}
    reform = res.tornado["variant"].unique().to_list() != ["baseline"]
    out = []
    for r in res.tornado.to_dicts():
        i = idx[(r["policy_id"], r["variant"], r["figure"], r["assumption"])]
        unit = r["unit"]
        row = {"policy_id": r["policy_id"], **({"variant": r["variant"]} if reform else {}), "figure": r["figure"],
               "rank": r["rank"], "assumption": r["moved"], "low": short(r["low"]), "high": short(r["high"]),
               "at_low": tables.Figure(r["at_low"], unit=unit), "at_high": tables.Figure(r["at_high"], unit=unit),
               "swing": tables.Figure(r["swing"], unit=unit)}
        if method == "morris":
            row.update(mu_star=tables.Figure(i["mu_star"], unit=unit), sigma=tables.Figure(i["sigma"], unit=unit))
        else:
            row.update(S1=tables.Figure(i["S1"], unit="percent"), ST=tables.Figure(i["ST"], unit="percent"))
        row["index_rank"] = i["rank"]
        out.append(row)
    return out


def title(res: Result) -> str:
    p = res.plan
    lo, hi = (round(q * 100) for q in QUANTILES)
    how = (f"Morris, {p.samples} trajectories" if p.method == "morris" else f"Sobol, {p.samples} base points")
    return (f"skillsim sensitivity: {p.scenario.name}: tornado (each assumption at its {lo}th and {hi}th "
            f"percentile, the others central, one seed) and {how}; {sum(p.runs.values())} runs")


# ---------------------------------------------------------------------- the command

def with_progress(p: Plan, show: bool | None = None, stop: Callable[[], None] | None = None,
                  executor: Executor | None = None) -> Result:
    """``analyse`` with a rich progress bar on stderr (shown when stderr is a terminal):
    runs done, rate and time left."""
    from .executor import progress_bar
    with progress_bar(f"{p.scenario.name}: runs", sum(p.runs.values()), show) as bar:
        return analyse(p, bar, stop=stop, executor=executor)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import interrupts, outputs, scenario
    scen = scenario.load(args.scenario)
    p = make_plan(scen, args.method, args.samples, args.size, args.replications, args.seed)
    out = Path(args.out)
    with outputs.Target(out, estimate=OUTPUT_BYTES) as target, run_commands.executor_of(args) as ex:  # checked and locked first
        k = len(p.factors)
        print(f"skillsim sensitivity: {k} assumption{'s' * (k != 1)} varied, {sum(p.runs.values())} runs of at most "
              f"{p.size:,} people a population", file=sys.stderr)
        res = with_progress(p, stop=interrupts.checkpoint, executor=ex)
        write(res, target.stage())
        target.commit()  # all three files land, or none
    print(f"wrote {out}/tornado.parquet, indices.parquet, sensitivity.json", file=sys.stderr)
    tables.show(rows(res, args.format), args.format, title(res))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("sensitivity", help="which uncertain assumption moves each headline figure, how much",
                       description="Vary a scenario's uncertain assumptions and show which moves budget, "
                                   "beneficiaries and cost per beneficiary how much, per policy: a tornado (each "
                                   "assumption at its 5th and 95th percentile, the others central) and SALib's "
                                   "indices over the whole ranges (Morris, or Sobol). Every run uses the same seed "
                                   "(common random numbers). Writes tornado.parquet, indices.parquet and "
                                   "sensitivity.json under --out, all or none (docs/sensitivity.md).")
    p.add_argument("scenario", help="ready scenario name or TOML file with uncertain assumptions")
    p.add_argument("--out", required=True, help="output folder: absent, empty, or one skillsim wrote")
    p.add_argument("--method", choices=METHODS, default="morris",
                   help="morris (default: r·(k+1) runs for k assumptions) or sobol (N·(k+2) runs)")
    p.add_argument("--samples", type=run_commands._positive,
                   help=f"Morris trajectories r (default {DEFAULT_SAMPLES['morris']}) or Sobol base points N, "
                        f"a power of 2 (default {DEFAULT_SAMPLES['sobol']})")
    p.add_argument("--size", type=run_commands._positive, default=DEFAULT_SIZE,
                   help=f"people simulated a population and run, at most (default {DEFAULT_SIZE:,}); budget and "
                        "beneficiaries are scaled to the population's size")
    p.add_argument("--replications", type=run_commands._positive, default=1,
                   help="replications a run, its figures their mean (default 1)")
    p.add_argument("--seed", type=int, help="the seed of every run and of the sampler (default: the scenario's)")
    run_commands.add_engine_arguments(p)
    p.add_argument("--format", choices=tables.FORMATS, default="table", help=run_commands.FORMAT_HELP)
    p.set_defaults(func=cmd_sensitivity)


__all__ = ["Plan", "Result", "make_plan", "analyse", "figures", "run_point", "ends", "tornado", "indices", "sample", "write", "rows",
           "variables", "values_at",
           "register", "FIGURES", "QUANTILES"]
