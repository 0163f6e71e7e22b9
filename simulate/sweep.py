"""``skillsim sweep``: many reforms × many replications, each paired with the baseline on the
same drawn people.

    skillsim sweep SCENARIO --vary POLICY.PARAMETER=VALUES [--vary ...] --out DIR
                   [--replications R] [--size N] [--seed N] [--engine local|ray] [--workers N]
                   [--resume] [--format table|csv|json]

VALUES is a list (``10,20,30``; dates ``2026-01-01,2026-07-01``; ``true,false``; text) or,
for a number or an amount, ``start:stop:step`` (``10:40:10`` is 10, 20, 30, 40: stop is
included when it falls on a step, else the last value is the last step below it). Each
value is typed and checked by the policy's parameters (unit, bounds, whole numbers, the
cross checks) on top of the scenario's [parameters] and [reform] before anything runs.
Several ``--vary`` make a grid: every combination, a point each (the last --vary changes
fastest). A scenario's ``[sweep]`` table gives the same (simulate/scenario.py checks it);
any --vary replaces the file's grid whole.

A point is the scenario's baseline with its [reform] (if any) and the point's values on
top; its figures are differenced against the baseline (the scenario's [parameters] alone).
Replication r draws its populations once, as ``skillsim run``'s replication r does (the
same seeds, catalog classes and uncertain assumptions: runner.draw / runner.fixed), and
runs the baseline and every point on those people (common random numbers): a curve is
smooth and a difference is tight.

Tasks (simulate/executor.py: local, in processes, or on Ray): one replication × one
population × a block of at most POINTS_PER_TASK points, so the population is drawn once a
task. A task depends on nothing but itself: the result is the same bit for bit whatever the
engine, the workers or the order tasks finish in.

Outputs under --out, one transaction (simulate/outputs.py): ``sweep.parquet`` (a row per
point, replication, population and policy: the varied values, the headline figures and each
one's difference against the baseline) and ``sweep.json`` (the manifest: scenario hash, the
grid, seed, sizes, tasks; nothing about the engine). Each finished task is also written as
it finishes into a staging folder beside --out, named by the manifest's hash
(``.<out>.skillsim-sweep-<hash>``); ``--resume`` after an interrupted sweep reuses those
and runs only the rest, and the output is the one an uninterrupted sweep writes. Without
--resume an existing staging folder of the same sweep is refused (pass --resume, or remove
it); a staging folder of another sweep is never touched. It is removed once the output lands.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from . import run_commands, tables

if TYPE_CHECKING:
    import polars as pl

    from skillsim.policies.parameters import ParameterSet

    from .scenario import Scenario

# the headline figures, their units, and the ones that are sums (the others are ratios of sums)
FIGURES = {"budget_cny": "yuan", "beneficiaries": "people", "coverage": "percent",
           "cost_per_beneficiary_cny": "yuan", "claims": "claims", "eligible_claims": "claims"}
COUNTS = ("budget_cny", "beneficiaries", "claims", "eligible_claims")
DIFF = "diff_"                       # the difference of figure f against the baseline: diff_f
POINTS_PER_TASK = 25                 # a task draws its population once and runs the baseline and these points
MAX_POINTS = 10_000
SWEEPABLE = ("number", "money", "date", "bool", "text")   # units' kinds (policies/parameters.py UNITS)
RANGED = ("number", "money")         # the kinds start:stop:step is for
STAGING = "skillsim-sweep"           # .<out>.skillsim-sweep-<hash>: the finished tasks of an unfinished sweep
MANIFEST_FORMAT = 1


class GridError(ValueError):
    """A bad sweep value or key; ``where`` is the part below the key it names ("[2]", ".step", "")."""

    def __init__(self, where: str, message: str):
        self.where = where
        super().__init__(message)


# ---------------------------------------------------------------------- values

def _decimal(v: Any, where: str) -> Decimal:
    try:
        d = Decimal(v.strip() if isinstance(v, str) else repr(v) if isinstance(v, float) else v)
    except (InvalidOperation, TypeError, ValueError):
        raise GridError(where, f"{v!r} is not a number") from None
    if isinstance(v, bool) or not d.is_finite():
        raise GridError(where, f"{v!r} is not a finite number")
    return d


def _plain_number(d: Decimal) -> int | float:
    """20 as 20, 12.5 as 12.5 (a float only where the value has a fraction)."""
    return int(d) if d == d.to_integral_value() else float(d)


def expand(start: Any, stop: Any, step: Any) -> list[int | float]:
    """start, start + step, … up to stop (included when it falls on a step), in exact decimal
    arithmetic (0.1:0.3:0.1 is 0.1, 0.2, 0.3)."""
    a, b, s = _decimal(start, ".start"), _decimal(stop, ".stop"), _decimal(step, ".step")
    if s <= 0:
        raise GridError(".step", f"{step} is not above 0")
    if b < a:
        raise GridError(".stop", f"{stop} is below start {start}")
    n = int((b - a) / s) + 1
    if n > MAX_POINTS:
        raise GridError(".step", f"{start}:{stop}:{step} makes {n:,} values, more than {MAX_POINTS:,}")
    return [_plain_number(a + i * s) for i in range(n)]


def _token(text: str, kind: str, where: str) -> Any:
    """One value of a command-line list, typed by the parameter's unit (the parameter checks it)."""
    text = text.strip()
    if not text:
        raise GridError(where, "an empty value")
    if kind in RANGED:
        return _plain_number(_decimal(text, where))
    if kind == "bool":
        if text not in ("true", "false"):
            raise GridError(where, f"{text!r} is not true or false")
        return text == "true"
    return text  # a date (ISO, the parameter reads it) or text


def parse_values(text: str, kind: str) -> list[Any]:
    """VALUES of --vary: a comma-separated list, or start:stop:step for a number or amount."""
    if kind in RANGED and text.count(":") == 2 and "," not in text:
        return expand(*text.split(":"))
    if ":" in text and kind in RANGED:
        raise GridError("", f"{text!r} is neither a list a,b,c nor start:stop:step")
    return [_token(t, kind, f"[{i}]") for i, t in enumerate(text.split(","))]


def check_axis(base: ParameterSet, name: str, values: Sequence[Any]) -> list[Any]:
    """``values`` of parameter ``name`` as the policy takes them (typed and normalised), each
    checked on top of ``base`` (unit, bounds, cross checks); a GridError naming the first fault."""
    from skillsim.policies import ParameterError
    from skillsim.policies.parameters import UNITS
    if name not in base:
        raise GridError("", f"{base.policy_id} has no parameter {name!r} "
                            f"(skillsim parameters --policy {base.policy_id} lists them)")
    m = base.meta(name)
    if UNITS[m.unit].kind not in SWEEPABLE:
        raise GridError("", f"a {m.unit} parameter cannot be swept (numbers, amounts, dates, true/false and "
                            "text can)")
    if not values:
        raise GridError("", "no values")
    if len(values) > MAX_POINTS:
        raise GridError("", f"{len(values):,} values, more than {MAX_POINTS:,}")
    out: list[Any] = []
    for i, v in enumerate(values):
        try:
            got = base.override({name: v})[name]
        except ParameterError as e:
            raise GridError(f"[{i}]", str(e)) from None
        if any(type(got) is type(x) and got == x for x in out):
            raise GridError(f"[{i}]", f"{_shown(got)} is given twice")
        out.append(got)
    return out


def _shown(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def base_parameters(pid: str, parameters: Mapping[str, Any], reform: Mapping[str, Any]) -> ParameterSet:
    """What a point of policy ``pid`` starts from: its parameters with the scenario's [parameters]
    (central values) and [reform] on top."""
    from skillsim.policies import get_policy
    return get_policy(pid).params({**parameters, **reform})


def split_key(key: str) -> tuple[str, str]:
    """POLICY.PARAMETER as (policy, parameter)."""
    pid, sep, name = key.rpartition(".")
    if not sep or not pid or not name:
        raise GridError("", f"{key!r} is not POLICY.PARAMETER (a policy id, a dot, one of its parameters: "
                            "skillsim parameters --policy ID lists them)")
    return pid, name


# ---------------------------------------------------------------------- the grid

@dataclass(frozen=True)
class Axis:
    policy_id: str
    parameter: str
    unit: str
    values: tuple[Any, ...]
    source: str                                 # "command line" or the [sweep] entry's source

    @property
    def key(self) -> str:
        return f"{self.policy_id}.{self.parameter}"


@dataclass(frozen=True)
class Task:
    """One replication × one population × a block of points (index, {policy: {parameter: value}})."""
    scenario: Scenario
    replication: int
    population: str
    points: tuple[tuple[int, dict[str, dict[str, Any]]], ...]


@dataclass(frozen=True)
class Plan:
    """What a sweep runs: checked whole before anything runs."""
    scenario: Scenario
    axes: tuple[Axis, ...]

    @property
    def points(self) -> list[dict[str, dict[str, Any]]]:
        """Every combination of the axes' values (the last axis changes fastest), as
        {policy: {parameter: value}}."""
        out = []
        for combo in itertools.product(*(a.values for a in self.axes)):
            point: dict[str, dict[str, Any]] = {}
            for a, v in zip(self.axes, combo):
                point.setdefault(a.policy_id, {})[a.parameter] = v
            out.append(point)
        return out

    def point_values(self) -> list[dict[str, Any]]:
        """Each point's values by axis key."""
        return [dict(zip((a.key for a in self.axes), combo))
                for combo in itertools.product(*(a.values for a in self.axes))]

    def blocks(self) -> list[list[int]]:
        """The points cut into equal blocks of at most POINTS_PER_TASK (from their number alone)."""
        n = len(self.point_values())
        count = -(-n // POINTS_PER_TASK)
        per = -(-n // count)
        return [list(range(i, min(i + per, n))) for i in range(0, n, per)]

    def tasks(self) -> list[Task]:
        points = self.points
        return [Task(self.scenario, r, pop.name, tuple((i, points[i]) for i in block))
                for r in range(self.scenario.replications) for pop in self.scenario.populations
                for block in self.blocks()]


def make_plan(scen: Scenario, vary: Sequence[str] | None = None) -> Plan:
    """The sweep of ``scen`` over --vary (POLICY.PARAMETER=VALUES each) or, without any, the
    scenario's [sweep]; a UsageError naming the first fault, before anything runs."""
    from .cli import UsageError
    from skillsim.policies.parameters import UNITS
    specs: list[tuple[str, Any, str, str]] = []   # key, values (text or list), source, how errors name it
    if vary:
        for item in vary:
            key, sep, text = item.partition("=")
            if not sep:
                raise UsageError(f"--vary {item}: is not POLICY.PARAMETER=VALUES")
            specs.append((key.strip(), text, "command line", f"--vary {key.strip()}"))
    else:
        specs = [(k, v["values"], v["source"], f"sweep.{k}") for k, v in scen.sweep.items()]
    if not specs:
        raise UsageError(f"{scen.name}: nothing to sweep: give --vary POLICY.PARAMETER=VALUES "
                         "(or a [sweep] table in the scenario)")
    run = {pid for pop in scen.populations for pid in pop.policies}
    axes: list[Axis] = []
    for key, values, source, label in specs:
        try:
            pid, name = split_key(key)
            if pid not in run:
                raise GridError("", f"{pid!r} is not run by any population of {scen.name} "
                                    f"(it runs {', '.join(sorted(run))})")
            if any(a.key == key for a in axes):
                raise GridError("", "is given twice")
            base = base_parameters(pid, scen.parameters.get(pid, {}), scen.reform.get(pid, {}))
            if name in base and isinstance(values, str):
                values = parse_values(values, UNITS[base.meta(name).unit].kind)
            elif isinstance(values, str):
                values = [values]  # check_axis names the unknown parameter
            checked = check_axis(base, name, values)
        except GridError as e:
            raise UsageError(f"{label}{e.where}: {e}") from None
        axes.append(Axis(pid, name, base.meta(name).unit, tuple(checked), source))
    plan = Plan(scen, tuple(axes))
    _check_points(plan)
    return plan


def _check_points(plan: Plan) -> None:
    """Every point of every policy as it will run: the cross checks between values varied
    together and the uncertain parameters' ends; a policy that needs amounts the scenario must
    supply (a draft) fails here, not mid-sweep."""
    import polars as pl

    from skillsim.policies import ParameterError, PolicyError, get_policy
    from skillsim.policies.contract import SCHEMA

    from .cli import UsageError
    from .runner import policy_params
    scen = plan.scenario
    n = len(plan.point_values())
    if n > MAX_POINTS:
        raise UsageError(f"--vary: the grid has {n:,} points, more than {MAX_POINTS:,}")
    ends: dict[str, list[dict[str, Any]]] = {}  # policy -> its uncertain parameters at their ends
    for u in scen.uncertain:
        part, pid, *rest = u.key.split(".")
        if part == "parameters" and u.kind != "dirichlet":
            ends.setdefault(pid, []).extend({rest[0]: u.ppf(q)} for q in (0.0, 1.0))
    try:
        for pid in scen.policy_ids:
            get_policy(pid).evaluate(pl.DataFrame(schema=SCHEMA), policy_params(scen, pid, "baseline"),
                                     validate=False)
    except PolicyError as e:
        raise UsageError(str(e)) from None
    seen: set[str] = set()
    for values, point in zip(plan.point_values(), plan.points):
        for pid, changes in point.items():
            mark = json.dumps([pid, changes], sort_keys=True, default=str)
            if mark in seen:
                continue
            seen.add(mark)
            base = base_parameters(pid, scen.parameters.get(pid, {}), scen.reform.get(pid, {}))
            try:
                params = base.override(changes)
                for end in ends.get(pid, []):
                    base.override({**end, **changes})
            except ParameterError as e:
                shown = ", ".join(f"{k}={_shown(v)}" for k, v in values.items())
                raise UsageError(f"--vary: the point {shown}: {e}") from None
            missing = get_policy(pid).missing_parameters(params)
            if missing:
                raise UsageError(f"--vary: {pid}: a scenario must supply {', '.join(missing)}")


# ---------------------------------------------------------------------- a task

def figures(budget: int, beneficiaries: int, claims: int, eligible: int, people: int) -> dict[str, Any]:
    """The headline figures from sums (coverage and cost per beneficiary as run's summary has them)."""
    return {"budget_cny": budget, "beneficiaries": beneficiaries,
            "coverage": beneficiaries / people if people else 0.0,
            "cost_per_beneficiary_cny": budget / beneficiaries if beneficiaries > 0 else 0.0,
            "claims": claims, "eligible_claims": eligible}


def with_difference(point: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The point's figures and, beside them, each one's difference against the baseline."""
    return {**{f: point[f] for f in FIGURES}, **{DIFF + f: point[f] - base[f] for f in FIGURES}}


def task_schema() -> dict[str, Any]:
    import polars as pl
    figure = {f: pl.Int64 if f in COUNTS else pl.Float64 for f in FIGURES}
    return {"point": pl.Int32, "replication": pl.Int32, "population": pl.String, "policy_id": pl.String,
            "target_population": pl.Int64, **figure, **{DIFF + f: t for f, t in figure.items()}}


def point_params(scen: Scenario, pid: str, changes: Mapping[str, Any], classes: Any) -> ParameterSet:
    """A point's parameters: the baseline's with the scenario's [reform] and the point's values
    on top, with the replication's drawn catalog classes."""
    return base_parameters(pid, scen.parameters.get(pid, {}), {**scen.reform.get(pid, {}), **changes}
                           ).assume_classes(classes)


def run_task(task: Task) -> pl.DataFrame:
    """One task: the population of its replication drawn once (as ``run`` draws it), the
    baseline and each point run on it; a row per point and policy."""
    import polars as pl

    from . import interrupts, metrics, runner
    scen, r = task.scenario, task.replication
    fixed, _ = runner.fixed(scen, r)  # the replication's uncertain assumptions drawn, as run draws them
    pop = next(p for p in fixed.populations if p.name == task.population)
    drawn = runner.draw(scen, task.population, r)
    rows = []
    for pid in pop.policies:
        claims = runner.moved(drawn.claims, pop, pid)
        classes = drawn.classes[pid]

        def measure(params: ParameterSet) -> dict[str, Any]:
            interrupts.checkpoint()
            t = metrics.totals(runner.run_policy(claims, pid, params), pop.size, drawn.holders)
            return figures(t["budget_cny"], t["beneficiaries"], t["claims"], t["eligible_claims"], pop.size)
        base = measure(runner.policy_params(fixed, pid, "baseline", classes))
        ran: dict[str, dict[str, Any]] = {}  # the points' values for this policy -> figures (a policy not varied: once)
        for point, changes in task.points:
            mine = changes.get(pid, {})
            key = json.dumps(mine, sort_keys=True, default=str)
            if key not in ran:
                ran[key] = (base if not mine and pid not in fixed.reform else
                            measure(point_params(fixed, pid, mine, classes)))
            got = ran[key]
            rows.append({"point": point, "replication": r, "population": pop.name, "policy_id": pid,
                         "target_population": pop.size, **with_difference(got, base)})
    return pl.DataFrame(rows, schema=task_schema())


# ---------------------------------------------------------------------- the sweep

def axis_dtype(axis: Axis) -> Any:
    import polars as pl
    if all(isinstance(v, bool) for v in axis.values):
        return pl.Boolean
    if all(isinstance(v, int) and not isinstance(v, bool) for v in axis.values):
        return pl.Int64
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in axis.values):
        return pl.Float64
    if all(hasattr(v, "isoformat") for v in axis.values):
        return pl.Date
    return pl.String


def assemble(plan: Plan, parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """sweep.parquet's frame from the tasks' frames (in task order): the varied values beside
    each row, rows by point, replication, then population and policy in the scenario's order."""
    import polars as pl
    values = plan.point_values()
    columns = {a.key: pl.Series(a.key, [v[a.key] for v in values], dtype=axis_dtype(a)) for a in plan.axes}
    grid = pl.DataFrame({"point": pl.Series("point", range(len(values)), dtype=pl.Int32), **columns})
    rows = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=task_schema())
    rows = rows.sort("point", "replication", maintain_order=True)
    out = rows.join(grid, on="point", how="left", maintain_order="left")
    head = ["point", *columns, "replication", "population", "policy_id", "target_population"]
    return out.select(head + [c for c in out.columns if c not in head])


def manifest(plan: Plan) -> dict[str, Any]:
    """sweep.json: what was swept, on what, with which versions; nothing about the engine."""
    import numpy as np
    import polars as pl

    from . import report
    from .runner import policy_params
    scen = plan.scenario
    blocks = plan.blocks()
    return {
        "skillsim_sweep": MANIFEST_FORMAT,
        "scenario": {"name": scen.name, "hash": scen.digest,
                     "file": Path(scen.path).name if scen.path else None},
        "grid": {"axes": [{"key": a.key, "policy_id": a.policy_id, "parameter": a.parameter, "unit": a.unit,
                           "values": [_shown(v) for v in a.values], "source": a.source,
                           "baseline": _shown(policy_params(scen, a.policy_id, "baseline")[a.parameter])}
                          for a in plan.axes],
                 "points": len(plan.point_values()),
                 "order": "every combination; the last axis changes fastest"},
        "point": "the scenario's baseline with its [reform] (if any) and the point's values on top",
        "baseline": "the scenario's [parameters] alone; each point is differenced against it on the same "
                    "drawn people (common random numbers): diff_<figure> = point − baseline",
        "reform": {pid: {k: _shown(v) for k, v in t.items()} for pid, t in sorted(scen.reform.items())},
        "rows": "sweep.parquet: a row per point, replication, population and policy (a policy the grid does not vary "
                "shows the scenario's reform, or the baseline itself)",
        "seed": scen.seed,
        "replications": scen.replications,
        "population_sizes": {p.name: p.size for p in scen.populations},
        "run_changes": report.run_changes(scen),
        "uncertain": [s.as_dict() for s in scen.uncertain],
        "tasks": {"count": len(blocks) * len(scen.populations) * scen.replications,
                  "points_per_task": max(len(b) for b in blocks),
                  "order": "replication, population, block of points"},
        "figures": FIGURES,
        "interval": "the printed table: mean over replications and the 5th and 95th percentiles (a 90 % interval)",
        "versions": {"skillsim": report.skillsim_version(), "polars": pl.__version__, "numpy": np.__version__},
    }


def manifest_hash(doc: Mapping[str, Any]) -> str:
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Staging:
    """The finished tasks of one sweep, beside its --out: ``task-<index>.parquet`` each, written
    whole (a temporary file renamed in) as the task finishes."""

    def __init__(self, out: Path, key: str):
        self.folder = out.parent / f".{out.name}.{STAGING}-{key}"

    def exists(self) -> bool:
        return self.folder.is_dir()

    def open(self, doc: Mapping[str, Any]) -> None:
        self.folder.mkdir(exist_ok=True)
        (self.folder / "sweep.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")

    def path(self, index: int) -> Path:
        return self.folder / f"task-{index:06d}.parquet"

    def finished(self, total: int) -> dict[int, pl.DataFrame]:
        """The tasks this folder holds whole (a file that cannot be read as one is run again)."""
        import polars as pl
        schema = task_schema()
        out = {}
        for i in range(total):
            p = self.path(i)
            if not p.is_file():
                continue
            try:
                frame = pl.read_parquet(p)
            except Exception:  # damaged: the task runs again and replaces it
                continue
            if dict(frame.schema) == schema:
                out[i] = frame
        return out

    def save(self, index: int, frame: pl.DataFrame) -> None:
        import os
        tmp = self.folder / f".task-{index:06d}.{os.getpid()}.tmp"
        frame.write_parquet(tmp)
        os.replace(tmp, self.path(index))

    def remove(self) -> None:
        import shutil
        shutil.rmtree(self.folder, ignore_errors=True)


def sweep(plan: Plan, ex: Any, staging: Staging | None = None, show: bool | None = None) -> pl.DataFrame:
    """Every task of ``plan`` on executor ``ex`` (those ``staging`` already holds are reused,
    each new one saved there as it finishes); sweep.parquet's frame."""
    from .executor import progress_bar
    tasks = plan.tasks()
    done = staging.finished(len(tasks)) if staging is not None else {}
    todo = [i for i in range(len(tasks)) if i not in done]
    with progress_bar(f"{plan.scenario.name}: sweep", len(tasks), show) as bar:
        if bar is not None:
            bar(len(done), len(tasks))

        def finished(i: int, frame: pl.DataFrame) -> None:
            if staging is not None:
                staging.save(todo[i], frame)
        got = ex.map(run_task, [tasks[i] for i in todo],
                     progress=None if bar is None else (lambda n, _total: bar(len(done) + n, len(tasks))),
                     on_result=finished)
    done.update(zip(todo, got))
    return assemble(plan, [done[i] for i in range(len(tasks))])


# ---------------------------------------------------------------------- what is printed

def intervals(frame: pl.DataFrame, keys: Sequence[str]) -> list[dict[str, Any]]:
    """A row per point and policy of sweep.parquet's ``frame``: the point, its value of each
    axis ``keys``, the policy, and each figure's and each difference's mean and 90 % interval
    over replications ({"mean", "p05", "p95"}); a policy on several populations: their sums,
    coverage and cost per beneficiary as ratios of the sums."""
    import numpy as np
    import polars as pl

    from .metrics import interval
    sums = frame.group_by("point", "policy_id", "replication", maintain_order=True).agg(
        *(pl.col(k).first() for k in keys), pl.col("target_population").sum(),
        *(pl.col(c).sum() for f in COUNTS for c in (f, DIFF + f))).sort("point", "replication", maintain_order=True)
    rows = []
    for (point, pid), g in sums.group_by("point", "policy_id", maintain_order=True):
        per: dict[str, list[float]] = {f: [] for f in FIGURES}
        diff: dict[str, list[float]] = {f: [] for f in FIGURES}
        for r in g.iter_rows(named=True):
            now = figures(*(r[f] for f in COUNTS), r["target_population"])
            base = figures(*(r[f] - r[DIFF + f] for f in COUNTS), r["target_population"])
            for f in FIGURES:
                per[f].append(now[f])
                diff[f].append(now[f] - base[f])
        first = g.row(0, named=True)
        rows.append({"point": point, **{k: first[k] for k in keys}, "policy_id": pid,
                     **{c: interval(np.asarray(v[f], dtype=float)) for f in FIGURES
                        for c, v in ((f, per), (DIFF + f, diff))}})
    return rows


def summary_rows(frame: pl.DataFrame, axes: Sequence[Mapping[str, Any]] | Sequence[Axis]) -> list[dict[str, Any]]:
    """The printed table: ``intervals`` as figures with their units. ``axes``: the plan's, or
    sweep.json's grid axes; columns named by parameter where that names one axis, else by
    POLICY.PARAMETER."""
    keys = [a.key if isinstance(a, Axis) else a["key"] for a in axes]
    names = [k.rpartition(".")[2] for k in keys]
    label = dict(zip(keys, names if len(set(names)) == len(names) else keys))
    return [{"point": r["point"], **{label[k]: _shown(r[k]) for k in keys}, "policy_id": r["policy_id"],
             **{c: tables.Figure(**r[c], unit="pp" if c != f and unit == "percent" else unit, signed=c != f)
                for f, unit in FIGURES.items() for c in (f, DIFF + f)}}
            for r in intervals(frame, keys)]


def title(plan: Plan) -> str:
    s = plan.scenario
    return (f"skillsim sweep: {s.name}: {len(plan.point_values())} points × {s.replications} replications; "
            "mean [90 % interval] over replications; diff_: the point − the baseline on the same drawn people")


# ---------------------------------------------------------------------- the command

def output_bytes(plan: Plan) -> int:
    rows = len(plan.point_values()) * plan.scenario.replications * sum(len(p.policies) for p in plan.scenario.populations)
    return rows * 64 + (1 << 16)


def cmd_sweep(args: argparse.Namespace) -> int:
    from . import outputs, scenario
    from .cli import UsageError
    from .estimate import check_fits
    from .runner import widest
    scen = scenario.load(args.scenario)
    changes = {k: v for k, v in (("replications", args.replications), ("size", args.size), ("seed", args.seed))
               if v is not None}
    if changes:
        scen = scen.with_changes(by="the command line", **changes)
    if args.vary and scen.sweep:
        print(f"skillsim sweep: --vary given: the [sweep] table of {scen.name} is not used", file=sys.stderr)
    plan = make_plan(scen, args.vary)
    check_fits(widest(scen) if scen.is_uncertain else scen, keep_claims=False)
    doc = manifest(plan)
    out = Path(args.out)
    with outputs.Target(out, estimate=output_bytes(plan)) as target:  # checked and locked before computing
        staging = Staging(out, manifest_hash(doc))
        if staging.exists() and not args.resume:
            raise UsageError(f"--out {out}: an interrupted run of this sweep left its finished tasks in "
                             f"{staging.folder}: pass --resume to reuse them, or remove that folder")
        if args.resume and not staging.exists():
            print("skillsim sweep: --resume: no interrupted run of this sweep to resume; starting afresh",
                  file=sys.stderr)
        with run_commands.executor_of(args) as ex:
            staging.open(doc)
            total = len(plan.tasks())
            reused = len(staging.finished(total))
            print(f"skillsim sweep: {len(plan.point_values())} points × {scen.replications} replications, "
                  f"{total} tasks" + (f" ({reused} reused)" if reused else ""), file=sys.stderr)
            try:
                frame = sweep(plan, ex, staging)
            except KeyboardInterrupt:
                kept = len(staging.finished(total))
                print(f"skillsim sweep: {kept} of {total} tasks finished, kept in {staging.folder}: run the same "
                      "command with --resume to finish the sweep", file=sys.stderr)
                raise
        folder = target.stage()
        frame.write_parquet(folder / "sweep.parquet")
        (folder / "sweep.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        target.commit()  # both files land, or none
    staging.remove()
    print(f"wrote {out}/sweep.parquet, sweep.json", file=sys.stderr)
    tables.show(summary_rows(frame, plan.axes), args.format, title(plan))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("sweep", help="many reforms × replications, each paired with the baseline on the same people",
                       description="Run every point of a grid of parameter values (--vary, or the scenario's "
                                   "[sweep]) over every replication, each on the same drawn people as the baseline "
                                   "(common random numbers), and print each point's figures and their difference "
                                   "against the baseline, mean and 90 % interval. Writes sweep.parquet and "
                                   "sweep.json under --out, both or none; --resume finishes an interrupted sweep "
                                   "(docs/sweep.md).")
    p.add_argument("scenario", help="ready scenario name or TOML file")
    p.add_argument("--vary", action="append", metavar="POLICY.PARAMETER=VALUES",
                   help="a parameter and its values: a list 10,20,30 or start:stop:step (numbers and amounts; stop "
                        "included when it falls on a step); repeat for a grid of every combination; replaces the "
                        "scenario's [sweep]")
    p.add_argument("--out", required=True, help="output folder: absent, empty, or one skillsim wrote")
    p.add_argument("--replications", type=run_commands._positive, help="override the scenario's replications")
    p.add_argument("--size", type=run_commands._positive, help="override every population's size (people)")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    run_commands.add_engine_arguments(p)
    p.add_argument("--resume", action="store_true",
                   help="reuse the tasks an interrupted run of the same sweep (same command) finished")
    p.add_argument("--format", choices=tables.FORMATS, default="table", help=run_commands.FORMAT_HELP)
    p.set_defaults(func=cmd_sweep)


__all__ = ["Plan", "Axis", "Task", "make_plan", "run_task", "sweep", "assemble", "manifest", "intervals", "summary_rows",
           "expand", "parse_values", "check_axis", "split_key", "base_parameters", "GridError", "register",
           "FIGURES", "DIFF"]
