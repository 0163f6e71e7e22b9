"""``skillsim calibrate``: the values of named assumptions that bring a run to its scenario's targets.

    skillsim calibrate SCENARIO --free NAME[,NAME...] --out FILE.toml
                       [--size N] [--replications R] [--tolerance PCT] [--engine local|ray] [--workers N]
                       [--format table|csv|json]

(``simulate/calibration.py`` is another thing: the 2019 task table's calibration note.)

A free NAME is an assumption key as ``simulate/uncertainty.py`` names them
(``populations.<population>.<assumption>.value``, ``parameters.<policy>.<name>``) or a short
name (``certificate_take_up``) that names exactly one of the scenario's keys. What can be
freed: a population's number that a scenario may give as a range (``value``: take-up, size,
…) and a policy's numeric parameter of kind "assumption", point-valued or uncertain. Each is
searched within its uncertain range, else its parameter's declared bounds, else 0–1 for a
probability, else its schema's bounds narrowed to a tenth to ten times its value; whole
numbers over whole numbers, a percentage in hundredths.

The objective is the sum over the scenario's targets (each compared as simulate/validation.py
compares it) of ``weight × ((model − target) / target)²``, weights by grade A 1, B 0.5, C 0.25
(``GRADE_WEIGHTS``). Every evaluation runs a point-valued copy (``uncertainty.at``: the free
values set, every other uncertain assumption at its central value) with the scenario's seed,
so the objective is a deterministic function of the free values (common random numbers).

It is not a smooth one: the population generator draws in sequence, so a change of take-up
shifts every later draw and the figures move by sampling noise at each step. Minimising the
raw objective finds a spike of noise. So the search fits, by least squares, each target's
figure as a quadratic in the free values to runs spread over a box, minimises the fitted
objective with scipy (``minimize_scalar(method="bounded")`` for one free assumption,
``least_squares`` with bounds for several), and repeats over a box narrowed around that
optimum (``ROUNDS`` rounds; a round's runs are independent tasks of one executor,
``--engine``/``--workers``, simulate/executor.py, with the same outcome on any). The fit's residuals give the calibrated values' standard error
from simulation noise. ``--size N`` runs the search on N people a population, its counts and
yuan scaled to the scenario's sizes (faster, noisier). A final run of the new scenario at its
own sizes and replications (what ``skillsim run`` of the written file gives; any other
uncertain assumption held at its central value, as in the search, so that its interval is
sampling's alone) yields the validation rows that decide the outcome:

* every target matched (inside the model's 90 % interval, or within ``--tolerance`` % of
  the target): the new scenario is written, exit 0;
* a target missed, a free assumption that moves no target (the targets do not determine
  it), or a value at the edge of its range that misses: one line on stderr says which and
  by how much, the table is printed, nothing is written, exit 3 (``EXIT_UNFIT``);
* more free assumptions than targets (the fit would not be unique), no targets, a bad
  name, an existing --out: one line, exit 2, nothing computed or written.

The new file is the original with each calibrated assumption set to a point value whose
``source`` cites the targets and the fit, under a header comment saying what was calibrated
against what and the residuals; the rest of the file (comments too) is kept as written
where a line edit can be verified, else the file is rewritten whole by tomli-w. It is
written through a temporary file and linked into place, never over an existing file.
docs/calibrate.md says the same for users.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import itertools
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import polars as pl
import tomli_w
from scipy import optimize
from scipy.stats import qmc

from skillsim.policies import get_policy
from skillsim.policies.parameters import UNITS

from . import report, runner, tables, uncertainty
from . import scenario as scenarios
from .assumptions import Defaults, Ranged
from .executor import Executor, InProcess
from .run_commands import RUN_FIGURES
from .scenario import Scenario, ScenarioError
from .validation import validation

GRADE_WEIGHTS = {"A": 1.0, "B": 0.5, "C": 0.25}   # a target's weight in the objective, by its grade
TOLERANCE_PCT = 2.0       # a target outside the 90 % interval still matches within this % of the model's mean
EVAL_REPLICATIONS = 2     # replications of each evaluation (the final run takes the scenario's own)
ROUNDS = 4                # boxes: the whole range, then three narrowed around the optimum
SHRINK = 0.35             # each round's box: this share of the last one's width
NARROW = 10               # a range from the schema: within value / NARROW … value × NARROW
EXIT_UNFIT = 3            # the free assumptions cannot match the targets: nothing written
BY = "skillsim calibrate"


class CalibrateError(ScenarioError):
    """A bad calibrate input: one line naming the option or key, exit 2, nothing written."""


# ---------------------------------------------------------------- what can be freed

@dataclass(frozen=True)
class Free:
    """A free assumption: its key, its value in the scenario and the range searched."""
    key: str
    start: float
    low: float
    high: float
    step: float | None      # 1: whole numbers; 0.01: a percentage in hundredths; None: any number
    range_from: str         # where the range comes from, for the reader

    @property
    def name(self) -> str:
        """The short name: the assumption's or the parameter's."""
        part, _, *rest = self.key.split(".")
        return rest[0]

    def snap(self, x: float) -> int | float:
        """``x`` within the range, on the assumption's steps (6 significant digits otherwise)."""
        x = min(max(float(x), self.low), self.high)
        if self.step == 1:
            return int(round(x))
        if self.step is not None:
            return round(round(x / self.step) * self.step, 2)
        return min(max(float(f"{x:.6g}"), self.low), self.high)


def _bounds(value: float, lo: float | None, hi: float | None, whole: bool) -> tuple[float, float, str]:
    """The search range of a number from its schema's bounds: 0–1 for a probability, else the
    bounds narrowed to value / NARROW … value × NARROW."""
    if (lo, hi) == (0, 1) and not whole:
        return 0.0, 1.0, "a probability"
    if value > 0:
        lo2 = max(lo if lo is not None else -np.inf, value / NARROW)
        hi2 = min(hi if hi is not None else np.inf, value * NARROW)
        if whole:
            lo2, hi2 = float(np.ceil(lo2)), float(np.floor(hi2))
        return lo2, hi2, f"the schema's bounds, within 1/{NARROW}–{NARROW}× the value"
    return float(lo), float(hi), "the schema's bounds"


def _schema_number(model: type[Ranged]) -> tuple[float | None, float | None, bool]:
    """The bounds and wholeness of a Ranged assumption's ``value`` (from its JSON schema)."""
    prop = model.model_json_schema()["properties"]["value"]
    spec = next(s for s in prop.get("anyOf", [prop]) if s.get("type") in ("integer", "number"))
    return spec.get("minimum"), spec.get("maximum"), spec["type"] == "integer"


def candidates(scen: Scenario) -> tuple[dict[str, Free], dict[str, str]]:
    """Every key calibrate can free ({key: Free}) and, for the error of a wrong one, the
    numbers it cannot ({key: why})."""
    specs = {s.key: s for s in scen.uncertain}
    free: dict[str, Free] = {}
    refused: dict[str, str] = {}

    def add(key: str, value: Any, lo: Any, hi: Any, step: float | None, declared: bool = False) -> None:
        spec = specs.get(key)
        if spec is not None:
            free[key] = Free(key, spec.central(), spec.low, spec.high, step, f"its uncertain range, {spec.kind}")
        elif declared:
            free[key] = Free(key, value, float(lo), float(hi), step, "the parameter's declared bounds")
        else:
            a, b, why = _bounds(value, lo, hi, step == 1)
            free[key] = Free(key, value, a, b, step, why)

    fields = Defaults.model_fields
    for pop in scen.populations:
        for name, a in pop.a.items():
            model = fields[name].annotation if name in fields else None
            if isinstance(model, type) and issubclass(model, Ranged) and "value" in a:
                lo, hi, whole = _schema_number(model)
                add(f"populations.{pop.name}.{name}.value", a["value"], lo, hi, 1 if whole else None)
    for pid in scen.policy_ids:
        ps = get_policy(pid).params(scen.parameters.get(pid))
        for name in ps:
            m = ps.meta(name)
            unit = UNITS[m.unit]
            if unit.kind not in ("number", "money"):
                continue
            key = f"parameters.{pid}.{name}"
            if m.kind == "legal":
                refused[key] = f"a legal parameter (clause {m.clause}), not an assumption"
                continue
            whole = bool(m.integer or unit.whole)
            lo, hi = m.bounds or unit.limits
            add(key, ps[name], lo, hi, 1 if whole else 0.01 if m.unit == "percent" else None, m.bounds is not None)
    return free, refused


def resolve(scen: Scenario, names: Sequence[str]) -> list[Free]:
    """The free assumptions ``names`` (keys or short names) of the scenario, or a CalibrateError."""
    free, refused = candidates(scen)
    out: list[Free] = []
    for name in names:
        if name in refused:
            raise CalibrateError("--free", f"{name} is {refused[name]}: calibrate sets assumptions only")
        found = [k for k in free if k == name or free[k].name == name or k.endswith(f".{name}")]
        if not found:
            legal = [k for k in refused if k.endswith(f".{name}")]
            if legal:
                raise CalibrateError("--free", f"{legal[0]} is {refused[legal[0]]}: calibrate sets assumptions only")
            raise CalibrateError("--free", f"{name!r} is not a number of {scen.name} that calibrate can set "
                                           f"(these are: {', '.join(free)})")
        if len(found) > 1:
            raise CalibrateError("--free", f"{name!r} names {len(found)} keys of {scen.name}: give one of "
                                           f"{', '.join(found)}")
        if any(f.key == found[0] for f in out):
            raise CalibrateError("--free", f"{found[0]} is named twice")
        out.append(free[found[0]])
    return out


# ---------------------------------------------------------------- one evaluation

def fixed(scen: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A point-valued copy: the keys of ``values`` set (uncertain or not), every other
    uncertain assumption at its central value (``uncertainty.at``)."""
    specs = {s.key for s in scen.uncertain}
    out = uncertainty.at(scen, {k: v for k, v in values.items() if k in specs}, by=BY)
    pops = {p.name: p for p in out.populations}
    params = {pid: dict(t) for pid, t in out.parameters.items()}
    for key, v in values.items():
        if key in specs:
            continue
        part, owner, name, *_ = key.split(".")
        if part == "populations":
            pop = pops[owner]
            pops[owner] = dataclasses.replace(pop, a={**pop.a, name: {**pop.a[name], "value": v}})
        else:
            params.setdefault(owner, {})[name] = v
    return dataclasses.replace(out, populations=tuple(pops[p.name] for p in out.populations), parameters=params)


SCALED = ("claims", "eligible_claims", "budget_cny", "beneficiaries", "city_cny", "district_cny",
          "target_population", "certificate_holders")
SCALED_YEAR = ("claims", "eligible_claims", "budget_cny", "beneficiaries")


def scaled(res: runner.RunResult, factors: Mapping[str, float]) -> runner.RunResult:
    """A run at --size with its counts and yuan scaled up to the scenario's sizes (population
    -> file size / run size; whole numbers, so money stays whole yuan); shares and per-person
    figures are as they were."""
    if all(f == 1 for f in factors.values()):
        return res
    rows = res.totals.to_dicts()
    for r in rows:
        f = factors[r["population"]]
        r.update({k: int(round(r[k] * f)) for k in SCALED if k in r})
        if r.get("payment_years"):
            r["payment_years"] = [{**y, **{k: int(round(y[k] * f)) for k in SCALED_YEAR}} for y in r["payment_years"]]
    return dataclasses.replace(res, totals=pl.DataFrame(rows, schema=res.totals.schema))


def fit_rows(res: runner.RunResult, factors: Mapping[str, float]) -> list[dict[str, Any]]:
    """The validation rows of a run (scaled to the scenario's sizes), one a target."""
    return validation(report.summary(scaled(res, factors)), res.scenario.targets)


class Evaluations:
    """The targets' model means at given free values: a point-valued run at the scenario's
    seed (common random numbers), ``replications`` each, at ``size`` if given; cached. A
    round's points are independent: ``many`` runs them as tasks of ``executor``."""

    def __init__(self, scen: Scenario, free: Sequence[Free], size: int | None, replications: int,
                 executor: Executor | None = None):
        self.scen, self.free, self.size, self.replications = scen, list(free), size, replications
        self.executor = executor or InProcess()
        self.done: dict[tuple, np.ndarray] = {}

    def __call__(self, x: Sequence[float]) -> np.ndarray:
        return self.many([x])[0]

    def many(self, xs: Sequence[Sequence[float]]) -> list[np.ndarray]:
        keys = [tuple(float(v) for v in x) for x in xs]
        new = list(dict.fromkeys(k for k in keys if k not in self.done))
        tasks = [(self.scen, tuple(self.free), self.size, self.replications, k) for k in new]
        for k, means in zip(new, self.executor.map(evaluation, tasks)):
            self.done[k] = means
        return [self.done[k] for k in keys]


def evaluation(task: tuple[Scenario, tuple[Free, ...], int | None, int, tuple[float, ...]]) -> np.ndarray:
    """One evaluation (an executor's task): the targets' model means at the free values ``x``."""
    scen, free, size, replications, x = task
    point = dataclasses.replace(fixed(scen, {f.key: f.snap(v) for f, v in zip(free, x)}),
                                reform={})  # targets are baseline figures
    changes = {"replications": replications, **({"size": size} if size else {})}
    run = point.with_changes(by=BY, **changes)
    res = runner.run(run, keep_claims=False)
    rows = fit_rows(res, size_factors(point, run))
    return np.array([r["model_mean"] for r in rows], dtype=float)


def size_factors(file: Scenario, run: Scenario) -> dict[str, float]:
    """Population -> its size in ``file`` / its size in ``run`` (1 without --size)."""
    sizes = {p.name: p.size for p in file.populations}
    return {p.name: sizes[p.name] / p.size for p in run.populations}


# ---------------------------------------------------------------- the fitted surface

def terms(d: int) -> int:
    """The coefficients of a full quadratic in ``d`` variables."""
    return 1 + 2 * d + d * (d - 1) // 2


class Surface:
    """Each target's model mean as a quadratic in the free values, fitted by least squares
    to the runs inside a box (coordinates scaled to −1…1 over the box); a plane where the
    runs are too few for a quadratic (a box of a few whole numbers)."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        self.centre, self.half = (lo + hi) / 2, np.where(hi > lo, (hi - lo) / 2, 1.0)
        self.quadratic = len(X) >= terms(X.shape[1]) + 2
        F = self.features(X)
        self.coef, *_ = np.linalg.lstsq(F, Y, rcond=None)
        dof = max(F.shape[0] - F.shape[1], 1)
        self.sigma2 = ((Y - F @ self.coef) ** 2).sum(axis=0) / dof      # each target's noise variance
        self.inverse = np.linalg.pinv(F.T @ F)

    def features(self, X: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(X) - self.centre) / self.half
        cols = [np.ones(len(z)), *z.T]
        if self.quadratic:
            d = z.shape[1]
            cols += [z[:, i] * z[:, j] for i in range(d) for j in range(i, d)]
        return np.column_stack(cols)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.features(x) @ self.coef)[0]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """d(model mean of each target) / d(each free value), targets × free (exact for a quadratic)."""
        steps = self.half * 1e-4
        cols = [(self.predict(x + e) - self.predict(x - e)) / (2 * s)
                for s, e in zip(steps, np.diag(steps))]
        return np.column_stack(cols)

    def noise(self, x: np.ndarray) -> np.ndarray:
        """The variance of each fitted mean at ``x`` (the simulation noise the fit leaves)."""
        f = self.features(x)[0]
        return self.sigma2 * float(f @ self.inverse @ f)


def _design(lo: np.ndarray, hi: np.ndarray, free: Sequence[Free], n: int, seed: int) -> list[np.ndarray]:
    """``n`` points spread over the box (an even grid for one free assumption, a Latin
    hypercube for several, with the box's centre), on each assumption's steps."""
    d = len(free)
    unit = np.linspace(0, 1, n)[:, None] if d == 1 else np.vstack(
        [np.full(d, 0.5), qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n - 1)])
    out: list[np.ndarray] = []
    for u in unit:
        p = np.array([f.snap(v) for f, v in zip(free, lo + u * (hi - lo))], dtype=float)
        if not any(np.array_equal(p, q) for q in out):
            out.append(p)
    return out


def _minimise(surface: Surface, target: np.ndarray, weight: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              free: Sequence[Free]) -> np.ndarray:
    """The free values within the box that minimise the fitted objective, on their steps."""
    def residuals(x: np.ndarray) -> np.ndarray:
        return np.sqrt(weight) * (surface.predict(x) - target) / target

    def objective(x: np.ndarray) -> float:
        return float(np.sum(residuals(x) ** 2))

    if len(free) == 1:  # the bounded scalar search, started in the best cell of a fine grid
        grid = np.linspace(lo[0], hi[0], 401)
        g = int(np.argmin([objective(np.array([v])) for v in grid]))
        cell = (grid[max(g - 1, 0)], grid[min(g + 1, grid.size - 1)])
        best = optimize.minimize_scalar(lambda v: objective(np.array([v])), bounds=cell, method="bounded",
                                        options={"xatol": 1e-9 * (hi[0] - lo[0] or 1)})
        x = np.array([best.x if best.fun <= objective(grid[g:g + 1]) else grid[g]])
    else:  # least squares with bounds, from the centre and the best points of a sample
        sample = lo + qmc.LatinHypercube(len(free), rng=np.random.default_rng(0)).random(256) * (hi - lo)
        starts = [(lo + hi) / 2, *sample[np.argsort([objective(s) for s in sample])[:4]]]
        fits = [optimize.least_squares(residuals, s, bounds=(lo, hi + (hi <= lo) * 1e-12)) for s in starts]
        x = min(fits, key=lambda r: objective(r.x)).x
    # on the steps: the best of the neighbouring whole numbers (hundredths)
    options = [sorted({f.snap(np.floor(v / f.step) * f.step), f.snap(np.ceil(v / f.step) * f.step)})
               if f.step else [f.snap(v)] for f, v in zip(free, x)]
    return min((np.array(c, dtype=float) for c in itertools.product(*options)), key=objective)


@dataclass
class Fit:
    x: np.ndarray                 # the calibrated values
    se: np.ndarray                # their standard errors from simulation noise (nan where none)
    sensitivity: np.ndarray       # targets × free: each target's relative change across each range
    evaluations: int


def search(evaluate: Callable[[np.ndarray], np.ndarray], free: Sequence[Free], target: np.ndarray,
           weight: np.ndarray, progress: Callable[[str], None] = lambda _: None,
           many: Callable[[list[np.ndarray]], list[np.ndarray]] | None = None) -> Fit:
    """Rounds of runs over a box, a fitted surface and its optimum; each next box narrowed
    (SHRINK) around the optimum, or moved without narrowing when the optimum sits on an inner
    edge of the box. A round's new points are independent: ``many(points)`` evaluates them
    together (default: ``evaluate`` one after another)."""
    many = many or (lambda points: [evaluate(p) for p in points])
    lo = np.array([f.low for f in free], float)
    hi = np.array([f.high for f in free], float)
    d = len(free)
    n = max(7, 2 * terms(d) + 1)  # runs a round
    box_lo, box_hi = lo.copy(), hi.copy()
    X: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    sensitivity = np.zeros((len(target), d))
    for r in range(ROUNDS):
        fresh: list[np.ndarray] = []
        for p in _design(box_lo, box_hi, free, n, seed=r):
            if not any(np.array_equal(p, q) for q in X + fresh):
                fresh.append(p)
        X += fresh
        Y += many(fresh)
        xs, ys = np.array(X), np.array(Y)
        inside = np.all((xs >= box_lo - 1e-12) & (xs <= box_hi + 1e-12), axis=1)
        surface = Surface(xs[inside], ys[inside], box_lo, box_hi)
        x = _minimise(surface, target, weight, box_lo, box_hi, free)
        if r == 0:  # over the whole range: how much each free assumption moves each target
            sensitivity = surface.jacobian(x) * (hi - lo) / target[:, None]
        progress(f"round {r + 1}/{ROUNDS}: {int(inside.sum())} runs in "
                 + ", ".join(f"{f.name} {a:g}–{b:g}" for f, a, b in zip(free, box_lo, box_hi))
                 + ": best " + ", ".join(f"{f.name} = {v:g}" for f, v in zip(free, x)))
        if r == ROUNDS - 1:
            break
        half = (box_hi - box_lo) / 2
        on_edge = (np.isclose(x, box_lo) & (box_lo > lo)) | (np.isclose(x, box_hi) & (box_hi < hi))
        half = np.where(on_edge, half, half * SHRINK)
        half = np.maximum(half, [2 * f.step if f.step else 0 for f in free])
        box_lo = np.clip(np.minimum(x - half, hi - 2 * half), lo, hi)
        box_hi = np.clip(np.maximum(x + half, lo + 2 * half), lo, hi)
    return Fit(x, _standard_errors(surface, x, target, weight), sensitivity, len(X))


def _standard_errors(surface: Surface, x: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The calibrated values' standard errors from the noise of the fitted means (the
    sandwich of the weighted least squares at the optimum); nan where they are not determined."""
    a = np.sqrt(weight) / target
    ja = surface.jacobian(x) * a[:, None]
    try:
        m = np.linalg.inv(ja.T @ ja)
    except np.linalg.LinAlgError:
        return np.full(x.size, np.nan)
    cov = m @ ja.T @ np.diag(a ** 2 * surface.noise(x)) @ ja @ m
    return np.sqrt(np.clip(np.diag(cov), 0, None))


# ---------------------------------------------------------------- the new scenario file

def target_label(t: Mapping[str, Any]) -> str:
    """metric/policy[/population][/year]"""
    return "/".join(str(v) for v in (t["metric"], t["policy"], t.get("population"), t.get("year")) if v is not None)


def _toml_value(v: Any) -> str:
    return tomli_w.dumps({"v": v})[len("v = "):].strip()


def _inline(value: Any, source: str) -> str:
    return f"{{ value = {_toml_value(value)}, source = {_toml_value(source)} }}"


HEADER = re.compile(r"^\s*\[")


def _block(lines: list[str], starts: Callable[[int], bool]) -> tuple[int, int] | None:
    """(first, end) line indices of the table whose header line ``starts`` accepts."""
    for i, line in enumerate(lines):
        if starts(i):
            end = next((j for j in range(i + 1, len(lines)) if HEADER.match(lines[j])), len(lines))
            return i, end
    return None


def _set_line(lines: list[str], block: tuple[int, int], name: str, text: str) -> None:
    """In the block, replace the line of key ``name`` by ``text``, or add it after the block's last key."""
    first, end = block
    key = re.compile(rf"^\s*{re.escape(name)}\s*=")
    for j in range(first + 1, end):
        if key.match(lines[j]):
            lines[j] = text
            return
    last = max([j for j in range(first, end) if lines[j].strip() and not lines[j].lstrip().startswith("#")])
    lines.insert(last + 1, text)


def _edited(text: str, changes: Sequence[tuple[Free, Any, str]]) -> str | None:
    """The file's text with each change as a one-line edit (its comments kept), or None."""
    lines = text.splitlines()
    for free, value, source in changes:
        part, owner, name, *_ = free.key.split(".")
        line = f"{name} = {_inline(value, source)}"
        if part == "populations":
            def starts(i: int) -> bool:
                if not re.match(r"^\s*\[\[\s*populations\s*\]\]", lines[i]):
                    return False
                end = next((j for j in range(i + 1, len(lines)) if HEADER.match(lines[j])), len(lines))
                return any(re.match(rf"^\s*name\s*=\s*[\"']{re.escape(owner)}[\"']\s*(#.*)?$", lines[j])
                           for j in range(i + 1, end))
            block = _block(lines, starts)
            if block is None:
                return None
            _set_line(lines, block, name, line)
        else:
            head = re.compile(rf"^\s*\[\s*parameters\s*\.\s*[\"']?{re.escape(owner)}[\"']?\s*\]\s*(#.*)?$")
            block = _block(lines, lambda i: bool(head.match(lines[i])))
            if block is None:
                lines += ["", f"[parameters.{owner}]", line]
            else:
                _set_line(lines, block, name, line)
    return "\n".join(lines) + "\n"


def new_text(original: str, changes: Sequence[tuple[Free, Any, str]], header: Sequence[str] = ()) -> str:
    """The scenario file with the calibrated values: the original with line edits when they
    parse to exactly the intended tables, else the intended tables written whole (tomli-w);
    ``header`` lines as comments on top."""
    raw = tomllib.loads(original)
    want = copy.deepcopy(raw)
    for free, value, source in changes:
        part, owner, name, *_ = free.key.split(".")
        entry = {"value": value, "source": source}
        if part == "populations":
            table = next(p for p in want["populations"] if p["name"] == owner)
        else:
            table = want.setdefault("parameters", {}).setdefault(owner, {})
        table[name] = entry
    body = _edited(original, changes)
    try:
        ok = body is not None and tomllib.loads(body) == want
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        body = tomli_w.dumps(want)
    return "".join(f"# {h}\n" for h in header) + ("#\n" if header else "") + body


def write_new(path: Path, text: str) -> None:
    """``text`` into ``path`` through a temporary file beside it, linked into place: a reader
    never sees half a file, and an existing file is never replaced."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise CalibrateError("--out", f"{path} exists: calibrate never replaces a file") from None
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- the command

def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:+.2f} %"


def _num(v: Any) -> str:
    return f"{v:,.0f}" if isinstance(v, (int, float)) and abs(v) >= 1000 else f"{v:g}"


def matched(row: Mapping[str, Any], tolerance: float) -> bool:
    """Inside the model's 90 % interval, or within ``tolerance`` % of the target."""
    return bool(row["inside"]) or (row["gap_pct"] is not None and abs(row["gap_pct"]) <= tolerance)


def _fit_summary(rows: Sequence[Mapping[str, Any]], tolerance: float) -> str:
    return "; ".join(f"{r['label']} model {_num(r['model_mean'])}, gap {_pct(r['gap_pct'])}, "
                     + ("inside the 90 % interval" if r["inside"] else
                        f"within {tolerance:g} %" if matched(r, tolerance) else "missed")
                     for r in rows)


def _check_out(out: str) -> Path:
    path = Path(out)
    if path.suffix != ".toml":
        raise CalibrateError("--out", f"{out} does not end in .toml (a scenario file)")
    if path.exists() or path.is_symlink():
        raise CalibrateError("--out", f"{out} exists: calibrate never replaces a file")
    if not path.parent.is_dir():
        raise CalibrateError("--out", f"folder {path.parent} does not exist")
    return path


def calibrate(name: str, free_names: Sequence[str], out: str, size: int | None = None,
              replications: int = EVAL_REPLICATIONS, tolerance: float = TOLERANCE_PCT,
              progress: Callable[[str], None] = lambda _: None, executor: Executor | None = None) -> dict[str, Any]:
    """Calibrate and, when every target is matched, write the new scenario. Returns the
    outcome: free rows, target rows, whether it fitted, the problem if not, the path written.
    Each round's runs and the final run's replications are tasks of ``executor`` (default: one
    after another in this process; the same outcome on any)."""
    path = _check_out(out)
    scen = scenarios.load(name)
    if not scen.targets:
        raise CalibrateError("targets", f"{scen.name} lists no [[targets]]: nothing to calibrate to")
    for i, t in enumerate(scen.targets):
        if not t["value"]:
            raise CalibrateError(f"targets[{i}].value", "is 0: calibrate fits relative gaps, so a target must be above 0")
    free = resolve(scen, [n for n in free_names if n])
    if not free:
        raise CalibrateError("--free", "names no assumption")
    if len(free) > len(scen.targets):
        raise CalibrateError("--free", f"{len(free)} free assumptions and {len(scen.targets)} target"
                                       f"{'s' if len(scen.targets) > 1 else ''}: the fit would not be unique "
                                       "(underdetermined); free at most as many assumptions as there are targets")
    if size is not None and any(f.key.endswith(".size.value") for f in free):
        raise CalibrateError("--size", "cannot scale the runs while a population's size is free (leave --size out)")
    if size is not None:
        scen.with_changes(by=BY, size=size)  # the size's own limits, before anything runs

    target = np.array([float(t["value"]) for t in scen.targets])
    weight = np.array([GRADE_WEIGHTS[t["grade"]] for t in scen.targets])
    evaluations = Evaluations(scen, free, size, replications, executor)
    fit = search(evaluations, free, target, weight, progress, many=evaluations.many)
    values = [f.snap(v) for f, v in zip(free, fit.x)]

    # the final run: the new file itself, with the scenario's own replications
    original = Path(scen.path).read_text(encoding="utf-8-sig")
    cites = "; ".join(f"{target_label(t)} = {_num(t['value'])} ({t['source']}, grade {t['grade']})"
                      for t in scen.targets)

    def changes(summary: str) -> list[tuple[Free, Any, str]]:
        return [(f, v, f"calibrated to {cites} by {BY}: {summary}") for f, v in zip(free, values)]

    body = scenarios.loads(new_text(original, changes("the fit")))
    progress(f"the final run: the new scenario at its own sizes, {body.replications} replications")
    # as the search saw it: any other uncertain assumption at its central value (a run of the
    # file draws them, so its interval is wider than the one that decides the fit)
    final = uncertainty.at(body, by=BY) if body.is_uncertain else body
    rows = fit_rows(runner.run(final, keep_claims=False, executor=executor), {p.name: 1.0 for p in body.populations})

    rows = [{**r, "label": target_label(t)} for r, t in zip(rows, scen.targets)]
    problem = _problem(free, values, fit, rows, tolerance)
    free_rows = [{"section": "free", "name": f.key, "start": f.start, "calibrated": v, "low": f.low, "high": f.high,
                  "noise_se": None if np.isnan(se) else float(f"{se:.3g}"), "range": f.range_from}
                 for f, v, se in zip(free, values, fit.se)]
    target_rows = [{"section": "target", "name": target_label(t), "grade": r["grade"],
                    "weight": GRADE_WEIGHTS[r["grade"]], "target": r["target"],
                    "model": {"mean": r["model_mean"], "p05": r["model_p05"], "p95": r["model_p95"]},
                    "gap_pct": None if r["gap_pct"] is None else round(r["gap_pct"], 2), "inside": r["inside"], "matched": matched(r, tolerance),
                    "metric": r["metric"]} for r, t in zip(rows, scen.targets)]
    outcome = {"free": free_rows, "targets": target_rows, "fitted": problem is None, "problem": problem,
               "written": None, "evaluations": fit.evaluations, "replications": body.replications,
               "size": size, "tolerance_pct": tolerance, "weights": GRADE_WEIGHTS}
    if problem is None:
        summary = _fit_summary(rows, tolerance)
        header = _header(scen, free, values, fit, rows, body, size, tolerance)
        text = new_text(original, changes(summary), header)
        scenarios.loads(text)  # what is written loads
        write_new(path, text)
        outcome["written"] = str(path)
    return outcome


def _problem(free: Sequence[Free], values: Sequence[Any], fit: Fit, rows: Sequence[Mapping[str, Any]],
             tolerance: float) -> str | None:
    """Why the calibrated values cannot stand (one line), or None: an assumption the targets do
    not determine (it moves none by more than the tolerance across its range), missed targets."""
    problems = []
    _, s, vt = np.linalg.svd(fit.sensitivity)
    if s.min() * 100 < tolerance:
        weak = free[int(np.argmax(np.abs(vt[-1])))]
        problems.append(f"the targets cannot determine {weak.key}: across its range {weak.low:g}–{weak.high:g} it "
                        f"moves no target (or no combination of them) by more than {tolerance:g} %; free fewer "
                        "assumptions")
    missed = [r for r in rows if not matched(r, tolerance)]
    if missed:
        edge = [f"{f.key} = {v:g} is at the edge of its range" for f, v in zip(free, values) if v in (f.low, f.high)]
        problems.append(
            f"the free assumptions ({', '.join(f.name for f in free)}) cannot match all targets: missed "
            + ", ".join(f"{r['label']} by {_pct(r['gap_pct'])} (model {_num(r['model_mean'])}, "
                        f"target {_num(r['target'])})" for r in missed)
            + f", outside the model's 90 % interval and beyond the {tolerance:g} % tolerance"
            + (f"; {'; '.join(edge)}" if edge else ""))
    return "; ".join(problems) or None


def _header(scen: Scenario, free: Sequence[Free], values: Sequence[Any], fit: Fit,
            rows: Sequence[Mapping[str, Any]], body: Scenario, size: int | None, tolerance: float) -> list[str]:
    runs = f"its own sizes, {body.replications} replications, seed {body.seed}" + (
        ", every other uncertain assumption at its central value (a run of this file draws them)"
        if body.is_uncertain else "")
    search = f"{fit.evaluations} runs of the search" + (
        f" (at {size:,} people a population, counts and yuan scaled to the file's sizes)" if size else "")
    lines = [f"Calibrated by {BY} from {scen.path} (sha256 {scen.digest}) against its [[targets]].",
             "Objective: weighted squared relative gaps, weights by grade "
             + ", ".join(f"{g} {w:g}" for g, w in GRADE_WEIGHTS.items())
             + f"; {search}, then the final run below.",
             "Free assumptions (start -> calibrated, range searched, ± standard error from simulation noise):"]
    for f, v, se in zip(free, values, fit.se):
        noise = "" if np.isnan(se) else f", ± {se:.3g}"
        lines.append(f"  {f.key}: {f.start:g} -> {v:g} (range {f.low:g}–{f.high:g}, {f.range_from}{noise})")
    lines.append(f"Fit at the calibrated values ({runs}):")
    for r in rows:
        model = f"{_num(r['model_mean'])}"
        if r["model_p05"] is not None:
            model += f" [{_num(r['model_p05'])}, {_num(r['model_p95'])}]"
        lines.append(f"  {r['label']}: target {_num(r['target'])} (grade {r['grade']}), model {model}, "
                     f"gap {_pct(r['gap_pct'])}, {'inside' if r['inside'] else 'outside'} the 90 % interval")
    lines.append(f"Every target matched: inside the model's 90 % interval or within {tolerance:g} % of it.")
    return lines


def show(outcome: Mapping[str, Any], fmt: str) -> None:
    units = {r["name"]: RUN_FIGURES.get(r["metric"], "") for r in outcome["targets"]}
    targets = [{**r, "target": tables.figure(r["target"], units[r["name"]]),
                "model": tables.figure(r["model"], units[r["name"]])} for r in outcome["targets"]]
    weights = ", ".join(f"{g} {w:g}" for g, w in outcome["weights"].items())
    if fmt == "table":
        tables.show(outcome["free"], fmt, "skillsim calibrate: free assumptions (noise_se: standard error from "
                                          "simulation noise)",
                    columns=["name", "start", "calibrated", "low", "high", "noise_se", "range"])
        tables.show(targets, fmt, f"the targets at the calibrated values (model: mean [90 % interval] over "
                                  f"{outcome['replications']} replications; weights by grade {weights}; matched: "
                                  f"inside the interval or within {outcome['tolerance_pct']:g} %)",
                    columns=["name", "grade", "weight", "target", "model", "gap_pct", "inside", "matched"])
        return
    tables.show([*outcome["free"], *targets], fmt,
                columns=["section", "name", "start", "calibrated", "low", "high", "noise_se", "grade", "weight",
                         "target", "model", "gap_pct", "inside", "matched"])


def command(args: argparse.Namespace) -> int:
    """``skillsim calibrate``: exit 0 (written), 2 (bad input), EXIT_UNFIT (cannot match: nothing written)."""
    from .run_commands import executor_of
    tty = sys.stderr.isatty()
    with executor_of(args) as ex:
        outcome = calibrate(args.scenario, args.free.split(","), args.out, args.size,
                            args.replications or EVAL_REPLICATIONS,
                            TOLERANCE_PCT if args.tolerance is None else args.tolerance,
                            progress=(lambda m: print(f"calibrate: {m}", file=sys.stderr)) if tty else (lambda _: None),
                            executor=ex)
    show(outcome, args.format)
    if outcome["problem"] is not None:
        print(f"skillsim calibrate: {outcome['problem']}; nothing written", file=sys.stderr)
        return EXIT_UNFIT
    print(f"wrote {outcome['written']}", file=sys.stderr)
    return 0


__all__ = ["calibrate", "candidates", "resolve", "fixed", "search", "new_text", "command", "CalibrateError",
           "GRADE_WEIGHTS", "TOLERANCE_PCT", "EXIT_UNFIT"]
