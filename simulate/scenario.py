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

    [sweep]                                        # skillsim sweep's grid (docs/sweep.md); run ignores it
    "beijing-2026-key-groups.a_tier_uplift_pct" = { values = [10, 20, 30], source = "..." }

Every assumption carries a ``source`` (one line, or "illustrative"). The file is read
through one declarative schema (pydantic: ``ScenarioFile``, the assumptions in
``simulate/assumptions.py``, cohorts in ``simulate/cohorts.py``): unknown keys, strings or
booleans where numbers belong, NaN and infinities, shares outside 0–1 or not summing to 1,
an unknown policy or one listed twice, parameters the policy refuses, sizes above the
ceilings: the first fault is a ``ScenarioError`` naming the key, and nothing runs.
``python -m skillsim.simulate.scenario --schema`` prints the JSON Schema (docs/scenario.schema.json).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Mapping, Union

from pydantic import (AfterValidator, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError,
                      create_model, model_validator)

from skillsim.policies import ParameterError, get_policy
from skillsim.policies.parameters import UNITS
from skillsim.policies.claim_schema import CITIES as CLAIM_CITIES, DECLARED_FIELDS
from skillsim.policies.plugins import declarations

from .assumptions import (ASSUMPTIONS, BAND, ECHO, EMPLOYMENT, MAX_PEOPLE, SLUG, Assumption, At, PeopleAssumptions,
                          ClaimFieldDraw, Concentrated, PolicyId, PolicyIds, Ranged, Shares, Size, Slug, Source, Table,
                          Text, echo, with_defaults)
from .cohorts import PEOPLE as PLACES_PEOPLE, CohortPopulation, CohortsTable
from .sweep import GridError, base_parameters, check_axis, expand, split_key
from .uncertainty import Uncertain
from .validation import Target

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "scenario.schema.json"
# a population lives in a jurisdiction some registered policy declares (its policy.toml's city)
CITIES = tuple(c for c in CLAIM_CITIES if c != "other")
MAX_REPLICATIONS = 1_000
MAX_SEED = 2**63 - 1


class ScenarioError(ValueError):
    """A scenario that breaks its schema; the message names the key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")


# ---------------------------------------------------------------- the schema

Seed = Annotated[int, Field(ge=0, le=MAX_SEED, description="the seed of every draw, 0 … 2^63-1")]
Replications = Annotated[int, Field(ge=1, le=MAX_REPLICATIONS,
                                    description=f"replications, 1 … {MAX_REPLICATIONS:,} (each redraws every population)")]
PopulationSize = Annotated[int, Field(ge=1, le=MAX_PEOPLE, description=f"people a population, 1 … {MAX_PEOPLE:,}")]


def _finite(v: Any, key: str = "") -> Any:
    """A parameter value (any TOML value) without NaN or infinities at any depth."""
    if isinstance(v, float) and not math.isfinite(v):
        raise At(key, f"{v!r} is not a finite number")
    for k, x in (v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()):
        _finite(x, f"{key}[{k}]" if isinstance(k, int) else f"{key}.{k}".lstrip("."))
    return v


class Head(Table):
    """[scenario]"""
    name: Slug
    description: Text
    seed: Seed
    replications: Replications = 1
    baseline: bool = Field(False, description="a jurisdiction's ready baseline: `skillsim run` with no scenario "
                                              "runs every baseline, and [swap] moves their populations")


Number = Annotated[Union[int, float], Field(description="a number the policy's parameter accepts")]


class Override(Ranged):
    """A parameter value for [parameters.<policy>] or [reform.<policy>], checked by the policy;
    in [parameters], an assumption-kind number may be a range (low, high, perhaps mode) instead."""
    value: Annotated[Any, AfterValidator(_finite), Field(description="a value the policy's parameter accepts")] = None
    low: Number | None = None
    mode: Number | None = None
    high: Number | None = None


def _parameter_range(sect: str, pid: str, name: str, o: Override) -> Uncertain | None:
    """An override's range as an ``Uncertain`` (None for a value): only a number of kind
    "assumption" in [parameters] may be uncertain; drawn whole where the parameter is (money,
    integer), to hundredths where it is a fractional percentage."""
    if o.low is None:
        return None
    key = f"{sect}.{pid}.{name}"
    if sect == "reform":
        raise At(key, "a reform gives one value (value = …), not a range")
    ps = get_policy(pid).parameters
    if name not in ps:
        ps.override({name: o.low})  # the policy's own error: no such parameter
    m = ps.meta(name)
    if m.kind == "legal":
        raise At(key, f"a legal parameter (clause {m.clause}) is not uncertain")
    unit = UNITS[m.unit]
    if unit.kind not in ("number", "money"):
        raise At(key, f"a {m.unit} parameter cannot be a range (only numbers and money can)")
    integer = bool(m.integer or unit.whole)
    return o.uncertain(key, integer, 2 if m.unit == "percent" and not integer else None)


def _override_values(sect: str, pid: str, table: Mapping[str, Override]) -> dict[str, Any]:
    """name -> the value to run: the value, or a range's central value."""
    out = {}
    for name, o in table.items():
        spec = _parameter_range(sect, pid, name, o)
        out[name] = o.value if spec is None else spec.central()
    return out


class SweepAxis(Table):
    """One parameter's values in [sweep] (``skillsim sweep``, simulate/sweep.py): a list, or
    start, stop and step (stop included when it falls on a step), with its source."""
    values: Annotated[list[Any], AfterValidator(_finite), Field(min_length=1, description=(
        "values the policy's parameter accepts"))] | None = None
    start: Number | None = None
    stop: Number | None = None
    step: Number | None = None
    source: Source

    @model_validator(mode="after")
    def _values_or_range(self):
        given = [k for k in ("start", "stop", "step") if getattr(self, k) is not None]
        if self.values is not None and given:
            raise At(given[0], "give values, or start, stop and step, not both")
        if self.values is None:
            for k in ("start", "stop", "step"):
                if k not in given:
                    raise At(k, "is missing (or give values = [...])")
            try:
                expand(self.start, self.stop, self.step)
            except GridError as e:
                raise At(e.where.lstrip("."), str(e)) from None
        return self

    def expanded(self) -> list[Any]:
        return list(self.values) if self.values is not None else expand(self.start, self.stop, self.step)


class ClassShares(Concentrated):
    shares: Shares[Literal["A", "B", "C"]]


class CatalogAssumption(Table):
    unknown_class_shares: ClassShares = Field(description="the class drawn for an occupation the catalog does not name")


class PopulationHead(Table):
    unknown_hint: ClassVar[str] = "see simulate/population_defaults.toml"
    name: Slug
    city: Literal[CITIES]
    policies: PolicyIds


PeopleTable = create_model(  # every assumption optional: the defaults give the rest
    "PeopleTable", __base__=PopulationHead, __doc__="A population of people ([[populations]]).",
    **{k: (f.annotation | None, None) for k, f in PeopleAssumptions.model_fields.items()},
    claim_fields=(dict[str, ClaimFieldDraw], Field(default_factory=dict, description=(
        "claim fields a policy declares (its claim_fields.toml), drawn per claim: bool and enum fields"))))


def _population_kind(v: Any) -> str:
    return "<cohorts>" if isinstance(v, Mapping) and "cohorts" in v else "<people>"


TAGS = {"<people>", "<cohorts>", "[key]"}  # parts of pydantic's error locations that are not keys
PopulationTable = Annotated[Union[Annotated[PeopleTable, Tag("<people>")], Annotated[CohortsTable, Tag("<cohorts>")]],
                            Discriminator(_population_kind)]
Overrides = dict[PolicyId, dict[str, Override]]


class SwapTable(Table):
    """[swap]: the populations of baseline scenarios, each run under every one of their policies
    (N × N): the same people, moved to the policy's city and, by whole years, to when it governs."""
    baselines: list[Slug] | None = Field(
        None, description="ready scenario names (left out: every ready scenario with baseline = true)")
    size: Size | None = Field(None, description="each population's size in the swap (else its baseline's)")

    @model_validator(mode="after")
    def _point_size(self):
        if self.size is not None and self.size.value is None:
            raise At("size", "a swap's size is one value (value = …), not a range")
        return self


class ScenarioFile(Table):
    """A scenario file (TOML)."""
    model_config = ConfigDict(title="skillsim scenario", json_schema_extra={
        "$comment": "generated by `python -m skillsim.simulate.scenario --schema`; do not edit"})
    scenario: Head
    populations: Annotated[list[PopulationTable], Field(min_length=1)] | None = None
    swap: SwapTable | None = None
    parameters: Overrides = Field(default_factory=dict, description="baseline parameter values (assumptions)")
    reform: Overrides = Field(default_factory=dict, description="a reform, compared against the baseline")
    catalog_assumptions: dict[PolicyId, CatalogAssumption] = Field(
        default_factory=dict, description="for a policy with catalog classes (its class_maps hook: classes or tiers by occupation)")
    targets: list[Target] = Field(default_factory=list, description=(
        "published figures the run is held against (simulate/validation.py, docs/validation.md)"))
    sweep: dict[str, SweepAxis] = Field(default_factory=dict, description=(
        "POLICY.PARAMETER -> its values, for skillsim sweep (docs/sweep.md); a run ignores it"))

    @model_validator(mode="after")
    def _consistent(self):
        if (self.populations is None) == (self.swap is None):
            raise At("populations", "give [[populations]] or [swap], one of them")
        if self.swap is not None:
            if self.scenario.baseline:
                raise At("scenario.baseline", "a [swap] scenario is not a baseline")
            for sect in ("parameters", "reform", "catalog_assumptions", "targets", "sweep"):
                if getattr(self, sect):
                    raise At(sect, "a [swap] scenario takes its baselines' values; write a scenario of populations "
                                   "to change them")
            return self
        names = [p.name for p in self.populations]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise At(f"populations[{i}].name", f"{echo(name)} is not a new population name")
        run = {pid for p in self.populations for pid in p.policies}
        for sect in ("parameters", "reform", "catalog_assumptions"):
            for pid in getattr(self, sect):
                if pid not in run:
                    raise At(f"{sect}.{pid}", "is not run by any population of this scenario")
        # the baseline is the policy's parameters with [parameters]; the reform goes on top of
        # that, as the runner applies it, so cross checks see the values that will run
        for sect in ("parameters", "reform"):
            for pid, table in getattr(self, sect).items():
                base = get_policy(pid).parameters
                try:
                    if sect == "reform" and pid in self.parameters:
                        base = base.override(_override_values("parameters", pid, self.parameters[pid]))
                    values = _override_values(sect, pid, table)
                    base.override(values)
                    for name, o in table.items():  # a range: each of its ends (and mode) a value the policy takes
                        for end in (k for k in ("low", "mode", "high") if getattr(o, k) is not None):
                            try:
                                base.override({**values, name: getattr(o, end)})
                            except ParameterError as e:
                                raise At(f"{sect}.{pid}.{name}.{end}", str(e)) from None
                except ParameterError as e:
                    raise At(f"{sect}.{pid}", str(e)) from None
        self._targets_run(run)
        self._sweep_checked(run)
        for pid, c in self.catalog_assumptions.items():  # the policy's hook says which classes it has
            maps = get_policy(pid).class_maps(get_policy(pid).parameters)
            if maps is None:
                raise At(f"catalog_assumptions.{pid}", "this policy has no catalog classes to assume")
            for k in c.unknown_class_shares.shares:
                if k not in maps.classes:
                    raise At(f"catalog_assumptions.{pid}.unknown_class_shares.shares.{k}",
                             f"is not a class of this policy (its classes: {', '.join(maps.classes)})")
        return self

    def _sweep_checked(self, run: set[str]) -> None:
        """Each [sweep] key names a parameter of a policy the scenario runs, and every value is
        one it takes on top of the scenario's [parameters] and [reform] (simulate/sweep.py)."""
        for key, axis in self.sweep.items():
            try:
                pid, name = split_key(key)
                if pid not in run:
                    raise GridError("", f"{echo(pid)} is not run by any population of this scenario")
                check_axis(base_parameters(pid, _override_values("parameters", pid, self.parameters.get(pid, {})),
                                           _override_values("reform", pid, self.reform.get(pid, {}))),
                           name, axis.expanded())
            except GridError as e:
                raise At(f"sweep.{key}" + (".values" + e.where if e.where.startswith("[") else e.where), str(e)) from None

    def _targets_run(self, run: set[str]) -> None:
        """Each target names a policy the scenario runs, and a population that runs it."""
        for i, t in enumerate(self.targets):
            if t.policy not in run:
                raise At(f"targets[{i}].policy", f"{echo(t.policy)} is not run by any population of this scenario")
            if t.population is None:
                continue
            pop = next((p for p in self.populations if p.name == t.population), None)
            if pop is None:
                raise At(f"targets[{i}].population", f"{echo(t.population)} is not a population of this scenario")
            if t.policy not in pop.policies:
                raise At(f"targets[{i}].population", f"{echo(t.population)} does not run {t.policy}")


# ---------------------------------------------------------------- errors

PATTERNS = {BAND.pattern: "is not a band like 25-34", SLUG.pattern: "is not a name of letters, digits, - and _"}
MESSAGES = {  # pydantic's error type -> our words (after the value)
    "int_type": "is not an integer", "float_type": "is not a number", "string_type": "is not a string",
    "bool_type": "is not true or false", "date_type": "is not a date (write 2026-01-01, unquoted)",
    "dict_type": "is not a table", "model_type": "is not a table", "model_attributes_type": "is not a table",
    "list_type": "is not a list", "finite_number": "is not a finite number",
    "greater_than_equal": "is below the minimum {ge}", "less_than_equal": "is above the maximum {le}",
    "greater_than": "is not above {gt}", "less_than": "is not below {lt}",
    "too_short": "is empty", "string_too_long": "is longer than {max_length} characters",
}


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as "a, b, c"."""
    return ", ".join(re.findall(r"'((?:[^'\\]|\\.)*)'", expected)) or expected


def _cut(text: str) -> str:
    return text if len(text) <= ECHO else text[:ECHO - 1] + "…"


def _key(loc: tuple, below: str = "") -> str:
    """pydantic's location (+ the key below it that a validator named) as a.b[0].c."""
    out = ""
    for p in loc:
        if p not in TAGS:
            out += f"[{p}]" if isinstance(p, int) else f".{_cut(str(p))}"
    if below:  # each part cut, so a long policy id does not cut off the key below it
        out += "".join(_cut(x) if x.startswith("[") else f".{_cut(x)}" for x in re.split(r"\.(?![^\[]*\])", below) if x)
    return out.lstrip(".")


def _num(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10_000 else str(v)


def scenario_error(e: ValidationError, prefix: str = "") -> ScenarioError:
    """The first error of a validation as one line: the key path, the value (cut), what is wrong."""
    err = e.errors(include_url=False)[0]
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    cause = ctx.get("error")
    key = _key(((prefix,) if prefix else ()) + loc, cause.key if isinstance(cause, At) else "")
    if isinstance(cause, ValueError):
        msg = str(cause)
    elif kind == "missing":
        msg = "is missing"
    elif kind == "literal_error" and loc and loc[-1] == "[key]":
        msg = f"unknown key (allowed: {_choices(ctx['expected'])})"
    elif kind == "string_pattern_mismatch":
        msg = f"{echo(err['input'])} {PATTERNS.get(ctx['pattern'], 'does not match ' + ctx['pattern'])}"
    elif kind == "literal_error":
        msg = f"{echo(err['input'])} is not one of {_choices(ctx['expected'])}"
    elif kind in MESSAGES:
        msg = f"{echo(err['input'])} " + MESSAGES[kind].format(**{k: _num(v) for k, v in ctx.items()})
    else:
        msg = f"{echo(err['input'])}: {err['msg']}"
    return ScenarioError(key or "scenario", " ".join(msg.split()))


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


LIMITS = {k: TypeAdapter(t, config=ConfigDict(strict=True)) for k, t in
          (("size", PopulationSize), ("replications", Replications), ("seed", Seed))}


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
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)      # with_changes: key -> from, to, by
    # ranges and concentrations (simulate/uncertainty.py); the fields above hold their central values
    uncertain: tuple[Uncertain, ...] = ()
    targets: tuple[dict[str, Any], ...] = ()                              # [[targets]] (simulate/validation.py)
    sweep: dict[str, dict[str, Any]] = field(default_factory=dict)        # [sweep]: key -> values, source

    @property
    def policy_ids(self) -> list[str]:
        return sorted({p for pop in self.populations for p in pop.policies})

    @property
    def is_uncertain(self) -> bool:
        """Whether any assumption is a range or a distribution (then each replication draws them)."""
        return bool(self.uncertain)

    def with_changes(self, by: str = "Scenario.with_changes", **changes: Any) -> "Scenario":
        """A copy with e.g. replications or population sizes changed (the CLI's --size,
        --replications, --seed; tests, benchmarks). The changes are held to the file's
        ceilings, and the copy is refused if its run would not fit in memory. Each change is
        recorded in ``changed`` (the file's value, the run's, and ``by`` whom) for the manifest."""
        for k, v in changes.items():
            if k in LIMITS:
                try:
                    LIMITS[k].validate_python(v)
                except ValidationError as e:
                    raise scenario_error(e, k) from None
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["changed"] = dict(self.changed)
        for k, v in changes.items():
            was = {p.name: p.size for p in self.populations} if k == "size" else getattr(self, k)
            d["changed"][k] = {"from": self.changed.get(k, {}).get("from", was), "to": v, "by": by}
        size = changes.pop("size", None)
        d.update(changes)
        if size is not None:  # a population of cohorts (simulate/cohorts.py) scales its cohorts alike
            d["populations"] = tuple(p.resized(size) for p in self.populations)
            d["uncertain"] = _without_sizes(self.uncertain)  # the size given replaces a range of sizes
        new = Scenario(**d)
        for p in new.populations:
            if isinstance(p, CohortPopulation) and p.places > MAX_PEOPLE:
                raise ScenarioError("size", f"{p.size:,} person-times make {p.places:,.0f} training places in "
                                            f"{p.name!r} (targets / eligible shares), above {MAX_PEOPLE:,}")
        from .estimate import check_fits  # estimate reads runner's chunking, which imports this module
        check_fits(new)
        return new


def _without_sizes(specs: tuple[Uncertain, ...]) -> tuple[Uncertain, ...]:
    return tuple(s for s in specs if not (s.key.startswith("populations.") and s.key.endswith(".size.value")))


def _ranges(prefix: str, models: Mapping[str, Assumption]) -> list[Uncertain]:
    """The uncertain ones among assumptions {name: model}, named ``<prefix>.<name>.value|shares``."""
    out = []
    for k, m in models.items():
        if isinstance(m, (Ranged, Concentrated)):
            spec = m.uncertain(f"{prefix}.{k}.{'value' if isinstance(m, Ranged) else 'shares'}")
            out += [spec] if spec else []
    return out


def _build(f: ScenarioFile, digest: str, path: str) -> Scenario:
    if f.swap is not None:
        return _swap(f, digest, path)
    pops, sources, specs = [], {}, []
    for i, table in enumerate(f.populations):
        if isinstance(table, CohortsTable):  # training places by agency and line (BJSA-K1), not people
            pops.append(table.population(sources))
            specs += _ranges(f"populations.{table.name}", with_defaults(table, PLACES_PEOPLE))
            continue
        a = with_defaults(table, ASSUMPTIONS)
        specs += _ranges(f"populations.{table.name}", a) + _ranges(f"populations.{table.name}.claim_fields",
                                                                   table.claim_fields)
        drawn = _claim_field_draws(table.claim_fields, f"populations[{i}].claim_fields")
        sources.update({f"{table.name}.claim_fields.{k}": v["source"] for k, v in drawn.items()})
        if table.city in a["hukou"].shares:
            raise ScenarioError(f"populations[{i}].hukou.shares.{table.city}",
                                "is the population's own city: give its share as own")
        sources.update({f"{table.name}.{k}": v.source for k, v in a.items()})
        pops.append(Population(table.name, table.city, tuple(table.policies),
                               {**{k: v.parsed() for k, v in a.items()}, **({"claim_fields": drawn} if drawn else {})}))
    for sect in ("parameters", "reform"):
        for pid, table in getattr(f, sect).items():
            sources.update({f"{sect}.{pid}.{name}": o.source for name, o in table.items()})
    for pid, c in f.catalog_assumptions.items():
        sources[f"catalog_assumptions.{pid}.unknown_class_shares"] = c.unknown_class_shares.source
        specs += _ranges(f"catalog_assumptions.{pid}", {"unknown_class_shares": c.unknown_class_shares})
    specs += [s for pid, t in f.parameters.items() for name, o in t.items()
              if (s := _parameter_range("parameters", pid, name, o))]
    return Scenario(
        name=f.scenario.name, description=f.scenario.description, seed=f.scenario.seed,
        replications=f.scenario.replications, populations=tuple(pops),
        parameters={pid: _override_values("parameters", pid, t) for pid, t in f.parameters.items()},
        reform={pid: {k: o.value for k, o in t.items()} for pid, t in f.reform.items()},
        catalog_assumptions={pid: c.unknown_class_shares.parsed() for pid, c in f.catalog_assumptions.items()},
        uncertain=tuple(specs), sources=sources, digest=digest, path=path, targets=tuple(t.parsed() for t in f.targets),
        sweep={k: {"values": a.expanded(), "source": a.source} for k, a in f.sweep.items()})


def _claim_field_draws(given: Mapping[str, ClaimFieldDraw], key: str) -> dict[str, dict[str, Any]]:
    """The population's draws of declared claim fields, each checked against its declaration."""
    declared = {f.name: f for f in DECLARED_FIELDS}
    out = {}
    for name, d in given.items():
        f = declared.get(name)
        if f is None:
            raise ScenarioError(f"{key}.{name}", "is not a claim field a registered policy declares (declared: "
                                                 f"{', '.join(declared) or 'none'})")
        if f.kind not in ("bool", "enum"):
            raise ScenarioError(f"{key}.{name}", f"is a {f.kind} field: only bool and enum fields can be drawn")
        if d.unknown > 0 and not f.nullable:
            raise ScenarioError(f"{key}.{name}.unknown", "the field cannot be null (unknown must be 0)")
        if f.kind == "bool" and d.shares is not None:
            raise ScenarioError(f"{key}.{name}.shares", "a bool field takes share or by_employment")
        if f.kind == "enum":
            if d.shares is None:
                raise ScenarioError(f"{key}.{name}", "an enum field takes shares of its values")
            for v in d.shares:
                if v not in f.choices:
                    raise ScenarioError(f"{key}.{name}.shares.{v}", f"is not a value of the field ({', '.join(f.choices)})")
        out[name] = d.parsed()
    return out


def baselines() -> list[str]:
    """The ready scenarios marked baseline = true (one a jurisdiction), by name."""
    return [name for name, p in ready_files().items() if _toml(p.read_bytes(), p.name).get("scenario", {}).get("baseline")]


def _swap(f: ScenarioFile, digest: str, path: str) -> Scenario:
    """Every population of the baselines under every policy of theirs: its own first, then the
    others in the baselines' order (the runner moves the people to each policy's city and time)."""
    names = baselines() if f.swap.baselines is None else f.swap.baselines
    if len(names) < 2:
        raise ScenarioError("swap.baselines", f"needs two baselines or more, found {len(names)} "
                                              f"({', '.join(names) or 'none'}; mark one with [scenario] baseline = true)")
    parts = []
    for name in names:
        if name not in ready_files():
            raise ScenarioError("swap.baselines", f"{echo(name)} is not a ready scenario (ready: {', '.join(ready_files())})")
        if "swap" in _toml(ready_files()[name].read_bytes(), name):
            raise ScenarioError("swap.baselines", f"{echo(name)} is itself a swap")
        parts.append(load(name))
    every = list(dict.fromkeys(pid for b in parts for pid in b.policy_ids))
    # a claim field a policy declares is drawn for every population as its baseline draws it
    # (else the people moved to that policy would all be needs_info for want of it)
    declared: dict[str, tuple[str, dict]] = {}
    for b in parts:
        for pop in b.populations:
            for k, v in pop.a.get("claim_fields", {}).items():
                declared.setdefault(k, (f"{pop.name}.claim_fields.{k}", v))
    pops, sources, merged = [], {}, {"parameters": {}, "catalog_assumptions": {}}
    for b in parts:
        sources.update({k: f"{v} ({b.name})" for k, v in b.sources.items()})
        for sect, into in merged.items():
            for pid, value in getattr(b, sect).items():
                if pid in into and into[pid] != value:
                    raise ScenarioError("swap.baselines", f"{b.name} and another baseline give {pid} different {sect}")
                into[pid] = value
    for b in parts:
        for pop in b.populations:
            if any(p.name == pop.name for p in pops):
                raise ScenarioError("swap.baselines", f"two baselines have a population named {echo(pop.name)}")
            own = list(pop.policies)
            fields = {k: v for k, (_, v) in declared.items()} | pop.a.get("claim_fields", {})
            for k, (key, _) in declared.items():
                sources.setdefault(f"{pop.name}.claim_fields.{k}", f"as {key}: {sources[key]}")
            moved = dataclasses.replace(pop, policies=tuple(own + [pid for pid in every if pid not in own]),
                                        a={**pop.a, **({"claim_fields": fields} if fields else {})})
            if f.swap.size is not None:
                moved = moved.resized(f.swap.size.value)
                sources[f"{pop.name}.size"] = f.swap.size.source
            pops.append(moved)
    specs = tuple({s.key: s for b in parts for s in b.uncertain}.values())  # a policy's [parameters] agree
    return Scenario(name=f.scenario.name, description=f.scenario.description, seed=f.scenario.seed,
                    replications=f.scenario.replications, populations=tuple(pops), reform={},
                    sources=sources, digest=digest, path=path, **merged,
                    uncertain=specs if f.swap.size is None else _without_sizes(specs))


def parse(raw: Mapping[str, Any], digest: str = "", path: str = "") -> Scenario:
    """A scenario from its TOML tables, or the ScenarioError of its first fault."""
    try:
        from .assumptions import defaults
        defaults()
    except ValidationError as e:  # our own file: a fault there is named as such
        raise scenario_error(e, "defaults") from None
    try:
        f = ScenarioFile.model_validate(raw)
    except ValidationError as e:
        raise scenario_error(e) from None
    return _build(f, digest, path)


def resolve(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    return ready_files().get(name_or_path, SCENARIO_DIR / f"{name_or_path}.toml")


def ready_files() -> dict[str, Path]:
    """Ready scenarios by name: skillsim's own (scenarios/), then those a registered policy's
    package ships in its scenarios/ folder (a plug-in's baseline); a name taken stays the first's."""
    dirs = [SCENARIO_DIR, *(d.folder / "scenarios" for _, d in sorted(declarations()[0].items()))]
    found: dict[str, Path] = {}
    for d in dirs:
        for p in sorted(d.glob("*.toml")):
            found.setdefault(p.stem, p)
    return dict(sorted(found.items()))


def ready_scenarios() -> list[str]:
    return list(ready_files())


def _toml(data: bytes, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8-sig"))  # a byte-order mark is tolerated
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError(where, f"not valid TOML ({' '.join(str(e).split())})") from None


def load(name_or_path: str) -> Scenario:
    """Load a scenario by file path or by the name of a ready scenario in scenarios/."""
    path = resolve(name_or_path)
    if not path.is_file():
        raise ScenarioError("scenario", f"no scenario file {path} (ready: {', '.join(ready_scenarios())})")
    data = path.read_bytes()
    return parse(_toml(data, path.name), digest=hashlib.sha256(data).hexdigest()[:16], path=str(path))


def loads(text: str) -> Scenario:
    data = text.encode("utf-8", "surrogatepass")
    return parse(_toml(data, "scenario"), digest=hashlib.sha256(data).hexdigest()[:16])


def json_schema() -> str:
    """The JSON Schema of a scenario file, for editors (docs/scenario.schema.json)."""
    return json.dumps(ScenarioFile.model_json_schema(), ensure_ascii=False, indent=1) + "\n"


__all__ = ["Scenario", "Population", "ScenarioError", "ScenarioFile", "load", "loads", "parse", "ready_scenarios",
           "EMPLOYMENT"]

if __name__ == "__main__":
    if sys.argv[1:] != ["--schema"]:
        sys.exit("usage: python -m skillsim.simulate.scenario --schema   (prints the JSON Schema of a scenario file)")
    sys.stdout.write(json_schema())
