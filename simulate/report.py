"""A run's outputs: ``summary.json``, ``breakdowns.parquet``, ``claims.parquet``; reading them back.

Written into a marked temporary folder beside the target and swapped into place at the end
(simulate/outputs.py), so a failed or interrupted run writes nothing and a reader never sees
half an output. ``load_summary`` checks a summary's shape (``SummaryDoc``) before anything
reads it, so a damaged file is one error naming the file and the key.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Mapping

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillsim.policies import get_policy

from . import outputs
from .metrics import by_payment_year, interval
from .outputs import OutputError
from .cohorts import CohortPopulation
from .relocation import years_moved
from .runner import RunResult, issue_window, policy_params
from .scenario import Scenario
from .uncertainty import split
from .validation import validation

HEADLINE = ("budget_cny", "beneficiaries", "coverage", "coverage_of_holders", "cost_per_beneficiary_cny",
            "city_cny", "district_cny")
COUNTS = ("claims", "eligible_claims")
# what compare reads; their per-replication values are kept in summary.json ("values")
FIGURES = ("budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny", "claims", "eligible_claims")


def skillsim_version() -> str:
    try:
        return version("skillsim")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def _per_replication(totals: pl.DataFrame) -> pl.DataFrame:
    """Sum the populations of each replication × policy × variant; ratios from the sums."""
    agg = totals.group_by("replication", "policy_id", "variant").agg(
        pl.col("claims", "eligible_claims", "budget_cny", "beneficiaries", "city_cny", "district_cny",
               "target_population", "certificate_holders").sum())
    return _with_ratios(agg).sort("policy_id", "variant", "replication")


def _with_ratios(df: pl.DataFrame) -> pl.DataFrame:
    """Coverage of the target population and of holders, and cost per beneficiary, from sums."""
    return df.with_columns(
        (pl.col("beneficiaries") / pl.col("target_population")).alias("coverage"),
        (pl.col("beneficiaries") / pl.col("certificate_holders")).fill_nan(0.0).alias("coverage_of_holders"),
        pl.when(pl.col("beneficiaries") > 0).then(pl.col("budget_cny") / pl.col("beneficiaries"))
        .otherwise(0.0).alias("cost_per_beneficiary_cny"),
    )


def _split(values: np.ndarray, paired: bool) -> dict[str, float | None]:
    """The shares of a figure's variance from the assumptions and from sampling
    (simulate/uncertainty.py's split over pairs of replications); all sampling where nothing
    is uncertain."""
    return split(values) if paired else {"from_assumptions": 0.0, "from_sampling": 1.0}


def _interval(values: np.ndarray, paired: bool) -> dict[str, Any]:
    return {**interval(values), **_split(values, paired)}


def _figures(rows: pl.DataFrame, paired: bool = False) -> dict[str, Any]:
    """Mean and interval of each headline figure, how much of it comes from the assumptions
    (``paired``: replications in pairs that share a draw of them), and its per-replication
    values (in replication order), so that ``compare`` can pair two runs replication by replication."""
    rows = rows.sort("replication")
    out: dict[str, Any] = {k: _interval(rows[k].to_numpy(), paired) for k in HEADLINE}
    for k in COUNTS:
        mean = float(rows[k].mean()) if rows.height else 0.0
        out[k] = int(mean) if mean.is_integer() else mean
    out["target_population"] = int(rows["target_population"][0]) if rows.height else 0
    out["values"] = {k: rows.sort("replication")[k].to_list() for k in FIGURES}
    return out


def _difference(reform: pl.DataFrame, base: pl.DataFrame, paired: bool = False) -> dict[str, Any]:
    """Paired by replication: the reform runs on the same population as the baseline."""
    return {k: _interval(reform[k].to_numpy() - base[k].to_numpy(), paired)
            for k in ("budget_cny", "beneficiaries", "coverage", "eligible_claims")}


def _variants(scen: Scenario, pid: str) -> tuple[str, ...]:
    return ("baseline", "reform") if pid in scen.reform else ("baseline",)


def parameter_hash(res: RunResult) -> str:
    """Hash of every parameter value each policy ran with (baseline and reform) and of the
    catalog classes each replication drew for it (catalog_assumptions)."""
    h = hashlib.sha256()
    for pid in res.scenario.policy_ids:
        for variant in _variants(res.scenario, pid):
            h.update(f"{pid}/{variant}/{policy_params(res.scenario, pid, variant).digest()}".encode())
            for r, drawn in enumerate(res.classes):
                if drawn.get(pid):
                    h.update(f"/{r}/{policy_params(res.scenario, pid, variant, drawn[pid]).digest()}".encode())
    for r, values in enumerate(res.draws):  # uncertain parameters: the values each replication drew
        h.update(f"/{r}/{json.dumps({k: v for k, v in values.items() if k.startswith('parameters.')})}".encode())
    return h.hexdigest()[:16]


def _plain(v: Any) -> Any:
    """A value as JSON holds it: dates as ISO text, tuples as lists, at any depth."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def parameters_used(scen: Scenario) -> dict[str, dict[str, dict[str, Any]]]:
    """Policy -> variant -> every parameter as it ran: value, kind, rule, the clause (legal)
    or source (assumption), unit, and whether the scenario overrode it (and where)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    uncertain = {s.key: s for s in scen.uncertain}
    for pid in scen.policy_ids:
        out[pid] = {}
        for variant in _variants(scen, pid):
            ps = policy_params(scen, pid, variant)
            rows = {}
            for name in ps:
                m = ps.meta(name)
                by = ("reform" if variant == "reform" and name in scen.reform.get(pid, {}) else
                      "parameters" if name in scen.parameters.get(pid, {}) else None)
                drawn = uncertain.get(f"parameters.{pid}.{name}") if by == "parameters" else None
                rows[name] = {"value": _plain(m.value), "kind": m.kind, "rule": m.rule,
                              **({"clause": m.clause} if m.kind == "legal" else {"source": m.source}),
                              "unit": m.unit, "overridden": m.overridden,
                              **({"overridden_by": f"[{by}.{pid}] {scen.sources[f'{by}.{pid}.{name}']}"} if by else {}),
                              # an uncertain one: value is its central value, each replication draws its own
                              **({"uncertain": drawn.describe()} if drawn else {})}
            out[pid][variant] = rows
    return out


def assumptions_used(scen: Scenario) -> dict[str, dict[str, Any]]:
    """Population -> every assumption it was drawn with (values and source; a population of
    cohorts: its cohorts too)."""
    out = {}
    for pop in scen.populations:
        entry = {k: _plain(v) for k, v in sorted(pop.a.items())}
        if isinstance(pop, CohortPopulation):
            entry["cohorts"] = [{"agency": c.agency, "programme": c.programme, "line": c.line or "none",
                                 **{k: _plain(v) for k, v in c.a.items()}} for c in pop.cohorts]
            entry["scale"] = pop.scale
        out[pop.name] = entry
    return out


def moves(scen: Scenario) -> dict[str, dict[str, Any]]:
    """Population -> the policies of another city it ran under: that city and the whole years
    its dates were moved (simulate/relocation.py); a population with none is left out."""
    out = {}
    for pop in scen.populations:
        moved = {pid: {"city": get_policy(pid).meta.city, "years": years_moved(pop.city, issue_window(pop), pid)}
                 for pid in pop.policies if get_policy(pid).meta.city != pop.city}
        if moved:
            out[pop.name] = moved
    return out


def classes_drawn(res: RunResult) -> dict[str, dict[str, Any]]:
    """Policy -> the catalog assumption (shares, source) and the classes each replication drew
    for the occupations and items its catalog does not name."""
    scen = res.scenario
    return {pid: {**_plain(spec), "source": scen.sources.get(f"catalog_assumptions.{pid}.unknown_class_shares"),
                  "replications": [{"replication": r, **drawn[pid].as_dict()} for r, drawn in enumerate(res.classes)
                                   if pid in drawn]}
            for pid, spec in sorted(scen.catalog_assumptions.items())}


def run_changes(scen: Scenario) -> dict[str, dict[str, Any]]:
    """What the run changed from the scenario file (size, replications, seed): from, to, by
    whom, and one line saying so."""
    out = {}
    for k, c in sorted(scen.changed.items()):
        was = c["from"]
        shown = ", ".join(f"{_shown(v)} ({n})" for n, v in was.items()) if isinstance(was, Mapping) else _shown(was)
        out[k] = {**_plain(c), "note": f"{k} overridden from {shown} to {_shown(c['to'])} by {c['by']}"}
    return out


def _shown(v: Any) -> str:
    """A changed value in a note: a number with thousands separators, shares as k=v, else as is."""
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}={x:.4g}" for k, x in v.items()) + "}"
    return f"{v:,}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def summary(res: RunResult) -> dict[str, Any]:
    scen = res.scenario
    per = _per_replication(res.totals)
    pops = pl.DataFrame(res.totals).sort("population", "policy_id", "variant", "replication")
    policies: dict[str, Any] = {}
    for pid in scen.policy_ids:
        pol = get_policy(pid)
        base = per.filter((pl.col("policy_id") == pid) & (pl.col("variant") == "baseline"))
        entry = {"title": pol.meta.title, "city": pol.meta.city, "document": pol.meta.document,
                 "populations": [p.name for p in scen.populations if pid in p.policies],
                 **_figures(base, scen.is_uncertain)}
        mine = pops.filter((pl.col("policy_id") == pid) & (pl.col("variant") == "baseline"))
        entry["by_payment_year"] = by_payment_year(mine)  # the budget by calendar year of payment
        by_pop = {}
        for pop in entry["populations"]:
            rows = mine.filter(pl.col("population") == pop)
            by_pop[pop] = _figures(_with_ratios(rows), scen.is_uncertain)
            if len(entry["populations"]) > 1:
                by_pop[pop]["by_payment_year"] = by_payment_year(rows)
        entry["by_population"] = by_pop
        if pid in scen.reform:
            ref = per.filter((pl.col("policy_id") == pid) & (pl.col("variant") == "reform"))
            entry["reform"] = {"parameters": scen.reform[pid], **_figures(ref, scen.is_uncertain)}
            entry["difference"] = _difference(ref, base, scen.is_uncertain)
        policies[pid] = entry
    doc = {
        "scenario": scen.name,
        "description": scen.description,
        "seed": scen.seed,
        "replications": scen.replications,
        # with seed and replications, what decides whether two runs' replications pair up
        "population_sizes": {p.name: p.size for p in scen.populations},
        "manifest": {"skillsim_version": skillsim_version(), "parameter_hash": parameter_hash(res),
                     "scenario_hash": scen.digest, "scenario_file": Path(scen.path).name if scen.path else None,
                     "polars": pl.__version__, "numpy": np.__version__,
                     # every value the run used (docs: issue 11): parameters, population assumptions,
                     # drawn catalog classes, and what the command line changed
                     "run_changes": run_changes(scen),
                     "parameters": parameters_used(scen),
                     "population_assumptions": assumptions_used(scen),
                     "moved": moves(scen),
                     "assumed_classes": classes_drawn(res),
                     # claim fields a population's draw does not give, left at the contract's defaults
                     "defaulted_claim_fields": {pop: list(names) for pop, names in sorted(res.defaulted.items())},
                     # uncertain assumptions (simulate/uncertainty.py): their specs and each replication's draw
                     "uncertain": [s.as_dict() for s in scen.uncertain],
                     "assumption_draws": [{"replication": r, **_plain(v)} for r, v in enumerate(res.draws)]},
        "interval": "mean over replications; p05 and p95 are the 5th and 95th percentiles (a 90 % interval); "
                    "from_assumptions and from_sampling: the shares of the variance over replications that come "
                    "from the uncertain assumptions and from drawing the population (all sampling when no "
                    "assumption is uncertain; else from replications in pairs sharing one draw of the "
                    "assumptions, null with fewer than two pairs); "
                    "values: each replication's figure, replication 0 first (compare pairs them: docs/compare.md)",
        "policies": policies,
        "assumptions": dict(sorted(scen.sources.items())),
    }
    if scen.targets:  # a run without targets has no validation key (docs/validation.md)
        doc["validation"] = validation(doc, scen.targets)
    return doc


def check_target(out_dir: str | Path) -> Path:
    """An output folder may be new, empty, or an earlier output (replaced whole)."""
    return outputs.check_target(out_dir)


def write_files(res: RunResult, folder: Path) -> dict[str, Any]:
    """The three files into ``folder`` (a staged one); return the summary. A failed write
    (a full or read-only disk) is an OutputError naming the file."""
    doc = summary(res)
    text = _numbers_on_one_line(json.dumps(doc, ensure_ascii=False, indent=1, default=str)) + "\n"
    for name, write in (("summary.json", lambda fh: fh.write(text.encode("utf-8"))),
                        ("breakdowns.parquet", res.breakdowns.write_parquet),
                        ("claims.parquet", res.claims.write_parquet)):
        try:
            with open(folder / name, "wb") as fh:  # through a Python file: polars then names the OS error
                write(fh)
        except OSError as exc:
            raise OutputError(f"{folder / name}: cannot write ({exc.strerror or exc})") from None
        except pl.exceptions.PolarsError as exc:
            raise OutputError(f"{folder / name}: cannot write ({_io_reason(exc, folder)})") from None
    return doc


_NUMBER_LIST = re.compile(r"\[\s*-?\d[-+.\deE]*(?:,\s*-?\d[-+.\deE]*)*\s*\]")


def _numbers_on_one_line(text: str) -> str:
    """A list of numbers (the per-replication values) on one line, not one number a line:
    the file stays small and readable at 1,000 replications."""
    return _NUMBER_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(0)[1:-1].split(",")) + "]", text)


def _io_reason(exc: Exception, folder: Path) -> str:
    """Why polars could not write: the OS error it names, else a full disk if the disk is full."""
    code = re.search(r"\(os error (\d+)\)", str(exc))
    if code:
        return os.strerror(int(code.group(1)))
    try:
        if shutil.disk_usage(folder).free == 0:
            return os.strerror(errno.ENOSPC)
    except OSError:
        pass
    return str(exc).rsplit(": ", 1)[-1]


def write(res: RunResult, out_dir: str | Path) -> dict[str, Any]:
    """Write the three outputs as one transaction; return the summary."""
    with outputs.Target(out_dir) as target:
        doc = write_files(res, target.stage())
        target.commit()
    return doc


# ------------------------------------------------------------------ reading a summary back


class _Strict(BaseModel):
    # finite numbers only, no "5" for 5, keys this module does not read are let through
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="allow")


class Interval(_Strict):
    mean: float
    p05: float
    p95: float


class Values(_Strict):
    """Per-replication values, replication 0 first (absent from summaries written before them)."""
    budget_cny: list[float]
    beneficiaries: list[float]
    coverage: list[float]
    cost_per_beneficiary_cny: list[float]
    claims: list[float]
    eligible_claims: list[float]


class YearFigure(Interval):
    values: list[float] | None = None


class Figures(_Strict):
    budget_cny: Interval
    beneficiaries: Interval
    coverage: Interval
    cost_per_beneficiary_cny: Interval
    claims: float
    eligible_claims: float
    target_population: Annotated[int, Field(ge=0)] | None = None
    values: Values | None = None
    by_payment_year: dict[str, dict[str, YearFigure]] | None = None  # year -> figure (metrics.by_payment_year)


class PolicyFigures(Figures):
    by_population: dict[str, Figures]
    reform: Figures | None = None
    difference: dict[str, Interval] | None = None


class ValidationRow(_Strict):
    """A row of the validation table (simulate/validation.py)."""
    metric: str
    policy: str
    population: str
    year: int | None
    target: float
    grade: str
    source: str
    model_mean: float
    model_p05: float | None
    model_p95: float | None
    gap: float
    gap_pct: float | None
    inside: bool | None
    note: str | None = None
    warning: str | None = None


class SummaryDoc(_Strict):
    """What ``skillsim run``'s table and ``compare`` read of a summary.json."""
    scenario: str
    seed: int | None = None
    replications: Annotated[int, Field(ge=1)] | None = None
    population_sizes: dict[str, Annotated[int, Field(ge=0)]] | None = None
    policies: dict[str, PolicyFigures]
    validation: list[ValidationRow] | None = None


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")


def load_summary(folder: str | Path) -> dict[str, Any]:
    """A run folder's summary.json, its shape checked (``check_summary``): OutputError naming
    the file and key."""
    path = Path(folder) / "summary.json"
    try:
        if not Path(folder).is_dir():
            raise OutputError(f"{folder}: no such folder (so no summary.json to read)")
        if not path.is_file():
            raise OutputError(f"{folder}: no summary.json (not a skillsim run output)")
        doc = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_no_constant)
    except OutputError:  # a ValueError, but not the JSON's
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise OutputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise OutputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:
        raise OutputError(f"{path}: not valid JSON ({exc})") from None
    return check_summary(doc, str(path))


def check_summary(doc: Any, where: str = "summary") -> dict[str, Any]:
    """``doc`` if it has the shape of a summary (``SummaryDoc``) and each list of
    per-replication values holds one value a replication; else OutputError naming the key."""
    try:
        SummaryDoc.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(k) for k in err["loc"]) or "(top level)"
        msg = re.sub(r"a valid dictionary or instance of \w+", "an object", err["msg"])
        raise OutputError(f"{where}: {key}: {msg}") from None
    for key, entry in summary_entries(doc):
        for k, v in (entry.get("values") or {}).items():
            if doc.get("replications") is None:
                raise OutputError(f"{where}: replications: missing, though {key}.values are given")
            if len(v) != doc["replications"]:
                raise OutputError(f"{where}: {key}.values.{k}: {len(v)} values for {doc['replications']} replications")
    return doc


def summary_entries(doc: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(key, figures) of every policy, its populations and its reform in a checked summary."""
    out = []
    for pid, e in doc["policies"].items():
        out.append((f"policies.{pid}", e))
        out += [(f"policies.{pid}.by_population.{pop}", f) for pop, f in e["by_population"].items()]
        if e.get("reform") is not None:
            out.append((f"policies.{pid}.reform", e["reform"]))
    return out

