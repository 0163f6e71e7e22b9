"""Cached loaders: what the pages compute once and reuse on every redraw.

Streamlit re-runs a page from the top on every widget change, so anything slower than
a few milliseconds lives here behind a cache:

* a ready scenario's run (``runner.run``), once per scenario file, size, replications and
  code: on disk (dashboard/cache.py: a fresh server reads it in well under a second), then
  in memory; ``st.cache_resource`` shares the frames instead of copying them (polars frames
  are immutable, so sharing is safe);
* the Reform page's population, drawn once;
* every reform already computed, keyed by its parameter changes: going back to a value
  is instant;
* a sensitivity analysis: an output folder of ``skillsim sensitivity`` (read once per
  change of its files), or a quick one the Compare page runs itself (once per scenario);
* a sweep: an output folder of ``skillsim sweep`` (read once per change of its files).

Sizes are the scenarios' own (the two baselines together: about 1.1 million claims)
unless ``SKILLSIM_DASHBOARD_SIZE`` / ``SKILLSIM_DASHBOARD_REPLICATIONS`` say otherwise;
``skillsim dashboard --size/--replications`` sets them, and the tests use small ones.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from skillsim.policies import ParameterSet, get_policy
from skillsim.simulate import metrics, report, runner, scenario, sensitivity, sweep
from skillsim.simulate.outputs import OutputError
from skillsim.simulate.scenario import Scenario

from . import cache
from .cli import forced_sizes
from .labels import t
from .ui import ABOUT, progress_bar



def sizes() -> tuple[int | None, int | None]:
    """(population size, replications) forced by the environment; None = the scenario's own."""
    return forced_sizes()


def ready() -> list[str]:
    return scenario.ready_scenarios()


def baselines() -> list[str]:
    """The ready scenarios declared baseline (``[scenario] baseline = true``: one a jurisdiction,
    a plug-in's too), whatever their names."""
    return scenario.baselines()


def default_index(names: list[str]) -> int:
    """Where a page's scenario list starts: the first baseline."""
    marked = set(baselines())
    return next((i for i, n in enumerate(names) if n in marked), 0)


def _mtime(name: str) -> float:
    path = scenario.resolve(name)
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_resource(show_spinner=False, max_entries=32)
def _scenario(name: str, size: int | None, reps: int | None, mtime: float) -> Scenario:
    return cache.resized(scenario.load(name), size, reps)


def load_scenario(name: str) -> Scenario:
    """A ready scenario (or a scenario file), with the dashboard's size and replications."""
    return _scenario(name, *sizes(), _mtime(name))


@dataclass(frozen=True)
class Source:
    """One thing to compare: a scenario run here, or the output folder of ``skillsim run``."""
    name: str
    summary: dict[str, Any]
    breakdowns: pl.DataFrame


@st.cache_data(show_spinner=False, max_entries=16)
def _folder(folder: str, mtime: float) -> tuple[dict[str, Any], pl.DataFrame]:
    path = Path(folder)
    doc = report.load_summary(path)
    if not (path / "breakdowns.parquet").is_file():
        raise report.OutputError(f"{folder}: no breakdowns.parquet (not a skillsim run output)")
    return doc, pl.read_parquet(path / "breakdowns.parquet")


@st.cache_resource(show_spinner=False, max_entries=16)
def _cached_run(folder: str, mtime: float) -> tuple[dict[str, Any], pl.DataFrame]:
    # a disk cache entry (dashboard/cache.py), read once a server and shared, never copied
    return report.load_summary(folder), pl.read_parquet(Path(folder) / "breakdowns.parquet")


@st.cache_resource(show_spinner=False, max_entries=4)
def _run_in_memory(name: str, size: int | None, reps: int | None,
                   mtime: float) -> tuple[dict[str, Any], pl.DataFrame]:
    # only where the cache folder cannot be written
    res = runner.run(_scenario(name, size, reps, mtime), keep_claims=False)
    return report.summary(res), res.breakdowns


def run_facts(doc: dict[str, Any]) -> dict[str, Any]:
    """What a download records of a run it shows (ui.about): from its summary.json."""
    m = doc.get("manifest") or {}
    return {"scenario": doc.get("scenario"), "seed": doc.get("seed"), "replications": doc.get("replications"),
            "population_sizes": doc.get("population_sizes"), "scenario_hash": m.get("scenario_hash"),
            "parameter_hash": m.get("parameter_hash"), "run_changes": m.get("run_changes"),
            "skillsim_version": m.get("skillsim_version")}


def source(name: str) -> Source:
    """A ready scenario's name → its run, from the disk cache (dashboard/cache.py; run here
    first, with a progress bar, if it is not there yet); anything else → a ``skillsim run``
    folder. Either way the page's downloads record it (``run_facts``)."""
    src = _source(name)
    about_runs = st.session_state.setdefault(ABOUT, {}).setdefault("runs", {})
    about_runs[name] = run_facts(src.summary)
    return src


def _source(name: str) -> Source:
    if name in ready():
        size, reps = sizes()
        scen = load_scenario(name)
        folder = cache.entry(scen, size, reps)
        if not cache.has(folder):
            try:
                with progress_bar(t("running", name=name)) as bar:
                    cache.compute(scen, size, reps, progress=bar)
            except OSError as exc:
                st.warning(t("cache_unwritable", folder=str(cache.root()), why=exc.strerror or str(exc)))
                return Source(name, *_run_in_memory(name, size, reps, _mtime(name)))
        return Source(name, *_cached_run(str(folder), (folder / "summary.json").stat().st_mtime))
    summary_file = Path(name) / "summary.json"
    doc, breakdowns = _folder(name, summary_file.stat().st_mtime if summary_file.is_file() else 0.0)
    return Source(name, doc, breakdowns)


# ---------------------------------------------------------------- sensitivity (the Compare page's tornado)

SENSITIVITY_FILES = ("tornado.parquet", "indices.parquet", "sensitivity.json")
# what the page reads of them (simulate/sensitivity.py writes them; docs/sensitivity.md)
TORNADO_COLUMNS = ("policy_id", "variant", "figure", "assumption", "source", "low", "high", "central", "at_low",
                   "at_high", "swing", "rank")
INDEX_COLUMNS = ("policy_id", "variant", "figure", "assumption", "source", "method", "rank")
QUICK_SIZE = 20_000       # people a population in a quick analysis (at most; less if the dashboard's size is)
QUICK_SAMPLES = 4         # Morris trajectories of a quick analysis: a scenario of 3 assumptions, 23 runs, 2–4 s


@dataclass(frozen=True)
class Sensitivity:
    """A sensitivity analysis: its tornado, its indices and its manifest (sensitivity.json)."""
    name: str
    tornado: pl.DataFrame
    indices: pl.DataFrame
    manifest: dict[str, Any]


def _frame(path: Path, columns: tuple[str, ...], what: str = "sensitivity") -> pl.DataFrame:
    try:
        df = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        why = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OutputError(f"{path}: cannot read as parquet ({why})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise OutputError(f"{path}: no column {missing[0]!r} (not a skillsim {what} output)")
    return df


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise OutputError(f"{path}: not valid JSON ({exc})") from None


def _output_files(folder: str, files: tuple[str, ...], what: str) -> tuple[float, ...]:
    """The modification times of an output folder's files (what its cache is keyed by);
    OutputError (one line) if the folder or a file is missing."""
    path = Path(folder)
    if not path.is_dir():
        raise OutputError(f"{folder}: no such folder (so no {what} output to read)")
    missing = [f for f in files if not (path / f).is_file()]
    if missing:
        raise OutputError(f"{folder}: no {missing[0]} (not a skillsim {what} output)")
    return tuple((path / f).stat().st_mtime for f in files)


@st.cache_data(show_spinner=False, max_entries=8)
def _sensitivity_folder(folder: str, mtimes: tuple[float, ...]) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    path = Path(folder)
    doc = _json(path / "sensitivity.json")
    method = doc.get("method") if isinstance(doc, dict) else None
    if method not in sensitivity.INDEX_COLUMNS:
        raise OutputError(f"{path / 'sensitivity.json'}: method: {method!r} is not one of "
                          f"{', '.join(sensitivity.INDEX_COLUMNS)}")
    return (_frame(path / "tornado.parquet", TORNADO_COLUMNS),
            _frame(path / "indices.parquet", INDEX_COLUMNS + sensitivity.INDEX_COLUMNS[method]), doc)


def sensitivity_folder(folder: str) -> Sensitivity:
    """The output folder of ``skillsim sensitivity --out``; OutputError (one line) if it is not one."""
    st.session_state.setdefault(ABOUT, {})["sensitivity"] = folder
    return Sensitivity(folder, *_sensitivity_folder(folder, _output_files(folder, SENSITIVITY_FILES, "sensitivity")))


def quick_size() -> int:
    return min(sizes()[0] or QUICK_SIZE, QUICK_SIZE)


def analysable() -> list[str]:
    """The ready scenarios with an uncertain assumption a sensitivity analysis varies."""
    return [n for n in ready()
            if any(u.kind in sensitivity.SCALAR for u in _scenario(n, None, None, _mtime(n)).uncertain)]


@st.cache_data(show_spinner=False, max_entries=4)
def _quick(name: str, size: int, mtime: float) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    plan = sensitivity.make_plan(_scenario(name, None, None, mtime), "morris", QUICK_SAMPLES, size)
    res = sensitivity.analyse(plan)
    return res.tornado, res.indices, res.manifest


def quick_sensitivity(name: str) -> Sensitivity:
    """A small sensitivity analysis of a ready scenario, run here (as ``skillsim sensitivity
    NAME --samples QUICK_SAMPLES --size quick_size()`` would), cached."""
    st.session_state.setdefault(ABOUT, {})["sensitivity"] = \
        f"{name}: morris, {QUICK_SAMPLES} samples, {quick_size()} people"
    return Sensitivity(name, *_quick(name, quick_size(), _mtime(name)))


# ---------------------------------------------------------------- a sweep (the Sweep page)

SWEEP_FILES = ("sweep.parquet", "sweep.json")
# what the page reads of sweep.parquet besides each axis's column (simulate/sweep.py; docs/sweep.md)
SWEEP_COLUMNS = ("point", "replication", "population", "policy_id", "target_population",
                 *sweep.COUNTS, *(sweep.DIFF + f for f in sweep.COUNTS))


@dataclass(frozen=True)
class Sweep:
    """A sweep's rows (sweep.parquet) and its manifest (sweep.json)."""
    name: str
    frame: pl.DataFrame
    manifest: dict[str, Any]

    @property
    def axes(self) -> list[dict[str, Any]]:
        """The grid's axes: key, policy_id, parameter, unit, values, baseline value, source."""
        return self.manifest["grid"]["axes"]


@st.cache_data(show_spinner=False, max_entries=8)
def _sweep_folder(folder: str, mtimes: tuple[float, ...]) -> tuple[pl.DataFrame, dict[str, Any]]:
    path = Path(folder)
    doc = _json(path / "sweep.json")
    axes = (doc.get("grid") or {}).get("axes") if isinstance(doc, dict) else None
    if not isinstance(axes, list) or not axes or not all(isinstance(a, dict) and isinstance(a.get("key"), str)
                                                         for a in axes):
        raise OutputError(f"{path / 'sweep.json'}: no grid.axes (not a skillsim sweep output)")
    return _frame(path / "sweep.parquet", (*SWEEP_COLUMNS, *(a["key"] for a in axes)), "sweep"), doc


def sweep_folder(folder: str) -> Sweep:
    """The output folder of ``skillsim sweep --out``; OutputError (one line) if it is not one."""
    st.session_state.setdefault(ABOUT, {})["sweep"] = folder
    return Sweep(folder, *_sweep_folder(folder, _output_files(folder, SWEEP_FILES, "sweep")))


# ---------------------------------------------------------------- the Reform page

# what the Reform page charts (views/reform.py's DIMENSIONS): only these are broken down
REFORM_DIMENSIONS = ("tier", "level", "category", "payee", "district")


@dataclass(frozen=True)
class Prepared:
    """One population of a scenario, drawn once, ready to run through one policy."""
    claims: pl.DataFrame      # validated, moved to the policy's city
    parts: tuple[pl.DataFrame, ...]   # the same claims cut by person (runner.by_people), re-run in parallel
    holders: int
    size: int
    params: ParameterSet      # the scenario's baseline (with its drawn catalog classes)


@st.cache_resource(show_spinner=False, max_entries=4)
def _prepared(name: str, pop_name: str, pid: str, size: int | None, mtime: float) -> Prepared:
    # replication 0 of the scenario's run: the Reform page's baseline is the Compare page's
    scen = _scenario(name, size, None, mtime)
    pop = next(p for p in scen.populations if p.name == pop_name)
    drawn = runner.draw(scen, pop)
    local = runner.moved(drawn.claims, pop, pid)
    params = runner.policy_params(scen, pid, "baseline", drawn.classes[pid])
    return Prepared(local, tuple(runner.by_people(local, runner.WORKERS)), drawn.holders, pop.size, params)


def people(scen: Scenario) -> list[scenario.Population]:
    """The populations of people (a calibration scenario's cohorts of training places are not)."""
    return [p for p in scen.populations if isinstance(p, scenario.Population)]


def prepared(name: str, pop_name: str, pid: str) -> Prepared:
    return _prepared(name, pop_name, pid, sizes()[0], _mtime(name))


@st.cache_data(show_spinner=False, max_entries=64)
def _outcome(name: str, pop_name: str, pid: str, size: int | None, mtime: float,
             changes: dict[str, Any]) -> tuple[dict[str, Any], pl.DataFrame, str | None]:
    prep = _prepared(name, pop_name, pid, size, mtime)
    params = prep.params.override(changes) if changes else prep.params
    res = runner.run_policy_on_parts(list(prep.parts), pid, params)
    # the page charts budgets only, which the paid claims carry: breaking down those alone is
    # exact and ~2x faster (the claim counts of these breakdowns are of paid claims)
    paid = res.filter((pl.col("status") == "eligible") & (pl.col("amount_cny") > 0))
    with pl.Config(engine_affinity="in-memory"):   # small group-bys: ~2x faster than streaming
        breakdowns = metrics.breakdowns(paid, REFORM_DIMENSIONS)
    # the rule that turns down the most claims (what the page names when a reform pays no one)
    unpaid = res.filter((pl.col("status") != "eligible") | (pl.col("amount_cny") == 0)).drop_nulls("deciding_rule")
    failing = (unpaid.group_by("deciding_rule").len().sort("len", "deciding_rule", descending=[True, False])
               ["deciding_rule"].first() if unpaid.height else None)
    return metrics.totals(res, prep.size, prep.holders), breakdowns, failing


def outcome(name: str, pop_name: str, pid: str,
            changes: dict[str, Any]) -> tuple[dict[str, Any], pl.DataFrame, str | None, float]:
    """Totals and budget breakdowns of one policy on the prepared population, under ``changes``
    to its baseline parameters; the rule that turns down the most claims (None: none is turned
    down); and the seconds it took (≈ 0 when cached)."""
    start = time.perf_counter()
    totals, breakdowns, failing = _outcome(name, pop_name, pid, sizes()[0], _mtime(name), changes)
    return totals, breakdowns, failing, time.perf_counter() - start
