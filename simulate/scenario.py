"""Scenario files (TOML): populations, the policies to run, replications, seed, reforms.

    [scenario]
    name = "beijing-2026-baseline"
    description = "..."
    seed = 2026
    replications = 20

    [[populations]]
    name = "beijing"
    city = "beijing"
    policies = ["beijing-2026-key-groups"]
    size = { value = 400000, source = "..." }     # any key of population_defaults.toml

    [parameters.shanghai-2025-skills-upgrade]      # baseline parameter values (assumptions)
    payment_delay_months = { value = 3, source = "..." }

    [reform.beijing-2026-key-groups]               # a reform, compared against the baseline
    a_tier_uplift_pct = { value = 30, source = "reform under study" }

    [catalog_assumptions.shanghai-2025-skills-upgrade]
    unknown_class_shares = { shares = { A = 0.1, B = 0.3, C = 0.6 }, source = "..." }

Every assumption carries a ``source`` (one line, or "illustrative"). The loader is
strict: an unknown key, a share outside 0–1, shares that do not sum to 1, an unknown
policy or parameter is a ``ScenarioError`` naming the key, and nothing runs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from policies import ParameterError, UnknownPolicy, get_policy

DEFAULTS_FILE = Path(__file__).with_name("population_defaults.toml")
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
CITIES = ("beijing", "shanghai")
EMPLOYMENT = ("employed", "flexible", "unemployed", "student", "other")
BAND = re.compile(r"^(\d+)-(\d+)$")


class ScenarioError(ValueError):
    """A scenario that breaks its schema; the message names the key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")


# ---------------------------------------------------------------- checking helpers

def _num(key: str, v: Any, lo: float = 0, hi: float | None = None, integer: bool = False) -> Any:
    ok = isinstance(v, int) if integer else isinstance(v, (int, float))
    if isinstance(v, bool) or not ok:
        raise ScenarioError(key, f"{v!r} is not {'an integer' if integer else 'a number'}")
    if v < lo or (hi is not None and v > hi):
        raise ScenarioError(key, f"{v!r} is outside {lo}–{hi if hi is not None else '∞'}")
    return v


def _prob(key: str, v: Any) -> float:
    return float(_num(key, v, 0, 1))


def _shares(key: str, v: Any, allowed: tuple[str, ...] | None = None, pattern: re.Pattern | None = None,
            empty_ok: bool = False) -> dict[str, float]:
    if not isinstance(v, Mapping):
        raise ScenarioError(key, "is not a table of shares")
    if not v:
        if empty_ok:
            return {}
        raise ScenarioError(key, "is empty")
    for k, share in v.items():
        if allowed is not None and k not in allowed:
            raise ScenarioError(f"{key}.{k}", f"unknown key (allowed: {', '.join(allowed)})")
        if pattern is not None and not pattern.match(k):
            raise ScenarioError(f"{key}.{k}", "is not a band like 25-34")
        _prob(f"{key}.{k}", share)
    total = sum(v.values())
    if abs(total - 1) > 1e-6:
        raise ScenarioError(key, f"shares sum to {total:g}, not 1")
    return {k: float(s) for k, s in v.items()}


def _by_employment(key: str, v: Any) -> dict[str, float]:
    if not isinstance(v, Mapping):
        raise ScenarioError(key, "is not a table employment status -> probability")
    for k, p in v.items():
        if k not in EMPLOYMENT:
            raise ScenarioError(f"{key}.{k}", f"unknown employment status (allowed: {', '.join(EMPLOYMENT)})")
        _prob(f"{key}.{k}", p)
    return {k: float(v.get(k, 0.0)) for k in EMPLOYMENT}


def _bands(key: str, shares: dict[str, float]) -> list[tuple[int, int, float]]:
    out = []
    for k, s in shares.items():
        lo, hi = (int(x) for x in BAND.match(k).groups())
        if hi < lo:
            raise ScenarioError(f"{key}.{k}", "band ends before it starts")
        out.append((lo, hi, s))
    return out


def _policy_id(key: str, pid: Any) -> str:
    if not isinstance(pid, str):
        raise ScenarioError(key, f"{pid!r} is not a policy id")
    try:
        get_policy(pid)
    except UnknownPolicy as e:
        raise ScenarioError(key, str(e)) from None
    return pid


def _date(key: str, v: Any) -> dt.date:
    if not isinstance(v, dt.date) or isinstance(v, dt.datetime):
        raise ScenarioError(key, f"{v!r} is not a date (write 2026-01-01, unquoted)")
    return v


# Each assumption: the keys it takes besides `source`, and how to read them.
def _parse_assumption(key: str, raw: Any) -> dict[str, Any]:  # noqa: C901 — one table of cases
    if not isinstance(raw, Mapping):
        raise ScenarioError(key, "is not a table {…, source = \"…\"}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip() or "\n" in source:
        raise ScenarioError(f"{key}.source", "every assumption needs a one-line source (or \"illustrative\")")
    name = key.rsplit(".", 1)[-1]
    schema = ASSUMPTIONS[name]
    unknown = set(raw) - set(schema) - {"source"}
    if unknown:
        raise ScenarioError(f"{key}.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(schema)}, source)")
    missing = set(schema) - set(raw) - OPTIONAL.get(name, set())
    if missing:
        raise ScenarioError(f"{key}.{sorted(missing)[0]}", "is missing")
    out: dict[str, Any] = {"source": source}
    for sub, reader in schema.items():
        if sub in raw:
            out[sub] = reader(f"{key}.{sub}", raw[sub])
    if name == "issue_dates" and out["end"] < out["start"]:
        raise ScenarioError(f"{key}.end", "is before start")
    if name == "care_post_start_months" and out["max"] < out["min"]:
        raise ScenarioError(f"{key}.max", "is below min")
    if name in ("age", "application_delay_days"):
        out["bands"] = _bands(f"{key}.shares", out["shares"])
    return out


def _int(lo, hi=None):
    return lambda k, v: _num(k, v, lo, hi, integer=True)


def _policies_list(k, v):
    if not isinstance(v, list) or not v:
        raise ScenarioError(k, "is not a non-empty list of policy ids")
    return [_policy_id(f"{k}[{i}]", p) for i, p in enumerate(v)]


def _weights(k, v):
    if not isinstance(v, Mapping):
        raise ScenarioError(k, "is not a table code -> weight")
    return {c: float(_num(f"{k}.{c}", w, 0)) for c, w in v.items()}


def _prior_policies(k, v):
    if not isinstance(v, Mapping):
        raise ScenarioError(k, "is not a table policy id -> probability")
    return {_policy_id(f"{k}.{p}", p): _prob(f"{k}.{p}", x) for p, x in v.items()}


ASSUMPTIONS: dict[str, dict[str, Any]] = {
    "size": {"value": _int(1)},
    "hukou": {"shares": lambda k, v: _shares(k, v, ("own", "other_city", "other"))},
    "sex": {"shares": lambda k, v: _shares(k, v, ("female", "male"))},
    "age": {"shares": lambda k, v: _shares(k, v, pattern=BAND)},
    "employment": {"shares": lambda k, v: _shares(k, v, EMPLOYMENT)},
    **{flag: {"by_employment": _by_employment} for flag in (
        "registered_unemployed", "employment_difficulty", "rural_transfer", "job_seeking_registered", "xiebao",
        "disabled", "public_sector_nonskill", "flexible_city_insurance", "employed_at_application")},
    "veterans": {"share": _prob, "max_years": _int(0, 60)},
    "recent_graduates": {"by_employment": _by_employment, "max_years": lambda k, v: float(_num(k, v, 0, 20))},
    "students": {"final_year": lambda k, v: _shares(k, v, ("college", "vocational", "none")),
                 "school_in_city": _prob},
    "certificate_take_up": {"value": _prob},
    "extra_certificates": {"value": lambda k, v: float(_num(k, v, 0, 10))},
    "cert_kind": {"shares": lambda k, v: _shares(k, v, ("skill_level", "special_ability", "qualification",
                                                       "special_operation", "training_only"))},
    "cert_level": {"shares": lambda k, v: _shares(k, v, ("5", "4", "3", "2", "1"))},
    "qualification_ungraded": {"value": _prob},
    "issuer_in_city": {"value": _prob},
    "cert_route": {"shares": lambda k, v: _shares(k, v, ("assessment", "enterprise_direct", "competition",
                                                        "foreign", "commendation"))},
    "occupations": {"catalogs": _policies_list, "outside_share": _prob, "outside_count": _int(1, 10000),
                    "weights": _weights},
    "special_ability_items": {"catalogs": _policies_list, "outside_share": _prob, "outside_count": _int(1, 10000)},
    "issue_dates": {"start": _date, "end": _date},
    "application_take_up": {"value": _prob},
    "application_delay_days": {"shares": lambda k, v: _shares(k, v, pattern=BAND)},
    "months_employed_after_cert": {"max": _int(0, 600)},
    "employed_in_matching_post": {"value": _prob},
    "insurance_months": {"max": _int(0, 600)},
    "care_sector_post": {"care_occupations": _prob, "others": _prob},
    "care_post_start_months": {"min": _int(-600, 600), "max": _int(-600, 600)},
    "districts": {"shares": lambda k, v: _shares(k, v, empty_ok=True)},
    "other_subsidy_same_cert": {"value": _prob},
    "prior_subsidies": {"policies": _prior_policies},
}
OPTIONAL = {"occupations": {"weights"}}


# ---------------------------------------------------------------- the scenario

@dataclass(frozen=True)
class Population:
    name: str
    city: str
    policies: tuple[str, ...]
    a: dict[str, dict[str, Any]]  # assumption name -> parsed assumption (with its source)

    @property
    def size(self) -> int:
        return self.a["size"]["value"]

    def resized(self, size: int) -> "Population":
        return Population(self.name, self.city, self.policies, {**self.a, "size": {"value": size, "source": "override"}})


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    seed: int
    replications: int
    populations: tuple[Population, ...]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)   # policy -> name -> value
    reform: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog_assumptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)                 # key -> source, for the report
    digest: str = ""
    path: str = ""

    @property
    def policy_ids(self) -> list[str]:
        return sorted({p for pop in self.populations for p in pop.policies})

    def with_changes(self, **changes: Any) -> "Scenario":
        """A copy with e.g. replications or population sizes changed (tests, benchmarks)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        size = changes.pop("size", None)
        d.update(changes)
        if size is not None:  # a population of cohorts (simulate/cohorts.py) scales its cohorts alike
            d["populations"] = tuple(p.resized(size) for p in self.populations)
        return Scenario(**d)


def _defaults() -> dict[str, Any]:
    with open(DEFAULTS_FILE, "rb") as fh:
        return tomllib.load(fh)


def _overrides(key: str, raw: Any, scen_policies: set[str]) -> dict[str, dict[str, Any]]:
    """[parameters.<policy>] / [reform.<policy>]: name = { value = …, source = "…" }, checked by the policy."""
    if not isinstance(raw, Mapping):
        raise ScenarioError(key, "is not a table policy id -> parameters")
    out = {}
    for pid, params in raw.items():
        _policy_id(f"{key}.{pid}", pid)
        if pid not in scen_policies:
            raise ScenarioError(f"{key}.{pid}", "is not run by any population of this scenario")
        if not isinstance(params, Mapping):
            raise ScenarioError(f"{key}.{pid}", "is not a table of parameters")
        values = {}
        for name, spec in params.items():
            at = f"{key}.{pid}.{name}"
            if not isinstance(spec, Mapping) or set(spec) != {"value", "source"}:
                raise ScenarioError(at, "write { value = …, source = \"…\" }")
            values[name] = spec["value"]
        try:
            get_policy(pid).parameters.override(values)
        except ParameterError as e:
            raise ScenarioError(f"{key}.{pid}", str(e)) from None
        out[pid] = values
    return out


def parse(raw: Mapping[str, Any], digest: str = "", path: str = "") -> Scenario:
    unknown = set(raw) - {"scenario", "populations", "parameters", "reform", "catalog_assumptions"}
    if unknown:
        raise ScenarioError(sorted(unknown)[0], "unknown section")
    head = raw.get("scenario")
    if not isinstance(head, Mapping):
        raise ScenarioError("scenario", "the [scenario] table is missing")
    bad = set(head) - {"name", "description", "seed", "replications"}
    if bad:
        raise ScenarioError(f"scenario.{sorted(bad)[0]}", "unknown key")
    for k in ("name", "description"):
        if not isinstance(head.get(k), str) or not head[k].strip():
            raise ScenarioError(f"scenario.{k}", "is missing")
    seed = _num("scenario.seed", head.get("seed"), 0, 2**63 - 1, integer=True)
    reps = _num("scenario.replications", head.get("replications", 1), 1, 10000, integer=True)
    pops_raw = raw.get("populations")
    if not isinstance(pops_raw, list) or not pops_raw:
        raise ScenarioError("populations", "at least one [[populations]] table is needed")
    defaults = _defaults()
    pops, sources, names = [], {}, set()
    for i, pr in enumerate(pops_raw):
        at = f"populations[{i}]"
        if not isinstance(pr, Mapping):
            raise ScenarioError(at, "is not a table")
        for k in ("name", "city", "policies"):
            if k not in pr:
                raise ScenarioError(f"{at}.{k}", "is missing")
        name = pr["name"]
        if not isinstance(name, str) or not name or name in names:
            raise ScenarioError(f"{at}.name", f"{name!r} is not a new population name")
        names.add(name)
        if pr["city"] not in CITIES:
            raise ScenarioError(f"{at}.city", f"{pr['city']!r} is not one of {', '.join(CITIES)}")
        pols = _policies_list(f"{at}.policies", pr["policies"])
        if "cohorts" in pr:  # training places by agency and line (BJSA-K1), not people
            from .cohorts import parse_population
            pops.append(parse_population(pr, at, pols, defaults, sources))
            continue
        assumptions = {}
        for key in pr:
            if key not in ("name", "city", "policies") and key not in ASSUMPTIONS:
                raise ScenarioError(f"{at}.{key}", "unknown key (see simulate/population_defaults.toml)")
        for key in ASSUMPTIONS:
            given = key in pr
            assumptions[key] = _parse_assumption(f"{at}.{key}" if given else f"defaults.{key}",
                                                 pr[key] if given else defaults[key])
            sources[f"{name}.{key}"] = assumptions[key]["source"]
        pops.append(Population(name, pr["city"], tuple(pols), assumptions))
    scen_policies = {p for pop in pops for p in pop.policies}
    params = _overrides("parameters", raw.get("parameters", {}), scen_policies)
    reform = _overrides("reform", raw.get("reform", {}), scen_policies)
    for sect in ("parameters", "reform"):
        for pid, table in raw.get(sect, {}).items():
            for pname, spec in table.items():
                sources[f"{sect}.{pid}.{pname}"] = spec["source"]
    cats = {}
    for pid, spec in raw.get("catalog_assumptions", {}).items():
        at = f"catalog_assumptions.{pid}"
        _policy_id(at, pid)
        if not isinstance(spec, Mapping) or set(spec) - {"unknown_class_shares"}:
            raise ScenarioError(at, "takes only unknown_class_shares = { shares = {A, B, C}, source }")
        u = spec.get("unknown_class_shares")
        if not isinstance(u, Mapping) or set(u) != {"shares", "source"}:
            raise ScenarioError(f"{at}.unknown_class_shares", "write { shares = { A = …, B = …, C = … }, source = \"…\" }")
        cats[pid] = {"shares": _shares(f"{at}.unknown_class_shares.shares", u["shares"], ("A", "B", "C")),
                     "source": u["source"]}
        sources[f"{at}.unknown_class_shares"] = u["source"]
    return Scenario(name=head["name"], description=head["description"], seed=seed, replications=reps,
                    populations=tuple(pops), parameters=params, reform=reform, catalog_assumptions=cats,
                    sources=sources, digest=digest, path=path)


def resolve(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return SCENARIO_DIR / f"{name_or_path}.toml"


def ready_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load(name_or_path: str) -> Scenario:
    """Load a scenario by file path or by the name of a ready scenario in scenarios/."""
    path = resolve(name_or_path)
    if not path.is_file():
        raise ScenarioError("scenario", f"no scenario file {path} (ready: {', '.join(ready_scenarios())})")
    data = path.read_bytes()
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError(path.name, f"not valid TOML ({e})") from None
    return parse(raw, digest=hashlib.sha256(data).hexdigest()[:16], path=str(path))


def loads(text: str) -> Scenario:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError("scenario", f"not valid TOML ({e})") from None
    return parse(raw, digest=hashlib.sha256(text.encode()).hexdigest()[:16])


__all__ = ["Scenario", "Population", "ScenarioError", "load", "loads", "parse", "ready_scenarios"]
