"""Training places by agency and line: a population written as cohorts, for a policy
that draws its funding lines as places (its ``cohort_lines()``, policies/cohort_lines.py).

A ``[[populations]]`` table with a ``cohorts`` list describes training places, not people:
each cohort is one programme of one agency of a plan's task table, applying under one
line of the policy. The 2019 skills action plan's task table is the one there is
(scenarios/beijing-2019-task-table.toml, BJSA-K1)::

    [[populations]]
    name = "beijing-2019"
    city = "beijing"
    policies = ["beijing-2019-skills-action"]
    issue_dates = { start = 2019-01-01, end = 2019-12-31, source = "…" }   # also hukou, sex, age,
                                                 # application_delay_days, insurance_months,
                                                 # months_employed_after_cert, training_hours_spread,
                                                 # hire_to_training_days
    [[populations.cohorts]]
    agency = "市人力资源社会保障局"             # as the table writes it
    programme = "企业新型学徒制培训"
    line = "BJSA-2"                               # or "none": no line funds it (person-times, no budget)
    target = { value = 10000, source = "…" }      # paid person-times (人次) to reproduce
    eligible_share = { value = 1.0, source = "…" }
    plan_years = { shares = { "1" = 0.2, "2" = 0.5, "3" = 0.3 }, source = "…" }   # what the line needs

The schema of such a table (pydantic: ``CohortsTable``) and the population are here: the
keys every cohort has, and its line's attributes checked against what the policy declares
(each line's attributes and their kinds, the keys a line allows, the lines that cannot be
places and why). Drawing the places is ``simulate/cohort_draw.py``, with the policy's own
draw of each line's claim fields. A cohort's places (``target / eligible_share``) count
against the ceiling of people a population (``assumptions.MAX_PEOPLE``).

Calibration: a cohort has exactly ``target`` places that meet its line's conditions and
``target × (1 − s) / s`` that fail the line's main condition (the line's ``fails``), s
being its ``eligible_share``; the calculator then decides every place, so the paid
person-times come from the rules, and a place drawn wrong shows as a shortfall. The quota
is exact (not binomial) so the table is met in every replication; replications re-draw
levels, industries, dates and months, hence the budget. The places are drawn against the
text's thresholds (the policy's default parameters), so a reform that moves one is judged
on the same places. Each place is a different worker (a task table counts 人次 and says
nothing of repeats), so a per-person yearly limit (BJSA-L1) does not bind between cohorts.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from skillsim.policies import get_policy, policy_ids
from skillsim.policies.claim_schema import CITIES as CLAIM_CITIES
from skillsim.policies.cohort_lines import CohortLines

from .assumptions import (MAX_PEOPLE, Age, Assumption, DaysMax, DelayDays, HoursSpread, Hukou, IssueDates, MonthsMax,
                          PolicyIds, Probability, Sex, Shares, Slug, Table, Text, At, bands, echo, with_defaults)

NONE = "none"
PEOPLE = ("issue_dates", "hukou", "sex", "age", "application_delay_days", "insurance_months",
          "months_employed_after_cert", "training_hours_spread", "hire_to_training_days")
FIXED = ("target", "eligible_share", "occupation")  # a cohort's keys whatever its line, besides agency, programme, line
CITIES = tuple(c for c in CLAIM_CITIES if c != "other")


def lines_of(policy_id: str) -> CohortLines | None:
    """The policy's cohort lines (its ``cohort_lines()`` hook), or None."""
    return get_policy(policy_id).cohort_lines()


def _with_lines() -> list[str]:
    return [pid for pid in policy_ids() if lines_of(pid) is not None]


# ---------------------------------------------------------------- the schema of a cohort

class Target(Assumption):
    value: Annotated[int, Field(ge=1, le=MAX_PEOPLE, description="paid person-times (人次) to reproduce")]


class EligibleShare(Assumption):
    value: Annotated[float, Field(gt=0, le=1, description="share of the places that meet the line; "
                                  "target / share places are drawn (within the ceiling of a population)")]


class Occupation(Assumption):
    code: Text


class LineAttribute(Assumption):
    """An attribute the cohort's line needs, as its policy declares it (``cohort_lines()``):
    a chance (``value``) or shares (``shares``: over the keys the line allows, or bands "lo-hi")."""
    value: Probability | None = None
    shares: Shares[str] | None = None

    @model_validator(mode="after")
    def _one_way(self):
        if (self.value is None) == (self.shares is None):
            raise At("", "give value (a chance) or shares, one of them")
        return self

    def parsed(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class CohortTable(Table):
    """One programme of one agency under one line (``[[populations.cohorts]]``); every other
    key is an attribute the line needs (its policy's ``cohort_lines()``)."""
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, LineAttribute] = Field(init=False)
    agency: Text
    programme: Text
    line: Annotated[str, Field(description="a line the population's policy draws as places (its cohort_lines()), "
                                           "or \"none\": no line funds the programme (person-times, no budget)")]
    target: Target
    eligible_share: EligibleShare | None = None
    occupation: Occupation | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        return data  # the line's attributes: checked against its policy's declaration (CohortsTable)

    def given(self) -> dict[str, Assumption]:
        """Every attribute the cohort gives, the fixed ones first."""
        return {**{k: getattr(self, k) for k in FIXED if getattr(self, k) is not None}, **(self.model_extra or {})}

    def check(self, decl: CohortLines, p: Any) -> None:
        """The cohort against its policy's lines; At(key) names the first fault."""
        line, given = self.line, self.given()
        if line in decl.unsupported:
            raise At("line", f"{line} is not drawn as cohorts: {decl.unsupported[line]}")
        if line != NONE and line not in decl.lines:
            raise At("line", f"{echo(line)} is not a line drawn as places (allowed: {', '.join(decl.lines)}, {NONE})")
        allowed = {"target"} if line == NONE else {*FIXED, *decl.lines[line].attributes}
        for k in given:
            if k not in allowed:
                raise At(k, f"unknown key for line {line} (allowed: {', '.join(sorted(allowed))})")
        a = {k: v.parsed() for k, v in given.items()}
        for k in (self.model_extra or {}):
            _check_kind(k, a[k], decl, line, p)
        need = {"target"} if line == NONE else {"target", "eligible_share", *decl.needs(line, a, p)}
        missing = sorted(need - set(given))
        if missing:
            raise At(missing[0], f"is missing (line {line} needs it)")
        if line != NONE and self.eligible_share.value < 1 and (why := decl.cannot_fail(line, a, p)):
            raise At("eligible_share.value", f"must be 1: {why}")

    def cohort(self, decl: CohortLines) -> "Cohort":
        """The cohort's attributes in a fixed order: the fixed ones, then as the policy lists them."""
        order = {k: i for i, k in enumerate((*FIXED, *decl.attributes))}
        given = self.given()
        a = {k: given[k].parsed() for k in sorted(given, key=order.__getitem__)}
        return Cohort(self.agency, self.programme, None if self.line == NONE else self.line, a)


def _check_kind(name: str, a: dict[str, Any], decl: CohortLines, line: str, p: Any) -> None:
    """An attribute as its kind wants it: a chance's value, shares over the allowed keys, bands within bounds."""
    kind = decl.attributes[name]
    if kind.kind == "chance":
        if "value" not in a:
            raise At(f"{name}.value", f"is missing: {name} is a chance (a value in 0–1), not shares")
        return
    if "shares" not in a:
        over = 'bands "lo-hi"' if kind.kind == "bands" else "keys"
        raise At(f"{name}.shares", f"is missing: {name} is shares over {over}, not a value")
    if kind.kind == "bands":
        try:
            bands(a["shares"], *kind.bounds)
        except At as e:
            raise At(f"{name}.shares.{e.key}", str(e)) from None
        return
    keys = decl.keys(line, name, p)
    for k in a["shares"]:
        if k not in keys:
            raise At(f"{name}.shares.{k}", f"unknown key for line {line} (allowed: {', '.join(keys)})")


class CohortsTable(Table):
    """A population of training places (a ``[[populations]]`` table with ``cohorts``)."""
    unknown_hint: ClassVar[str] = f"allowed for a population of cohorts: name, city, policies, {', '.join(PEOPLE)}, cohorts"
    name: Slug
    city: Literal[CITIES]
    policies: Annotated[PolicyIds, Field(description="one policy that draws its lines as places (its cohort_lines()): "
                                                     "places carry only its fields")]
    issue_dates: IssueDates = Field(description="the year the cohorts trained")
    hukou: Hukou | None = None
    sex: Sex | None = None
    age: Age | None = None
    application_delay_days: DelayDays | None = None
    insurance_months: MonthsMax | None = None
    months_employed_after_cert: MonthsMax | None = Field(None, description="months employed after training "
                                                                           "(for the lines that read it)")
    training_hours_spread: HoursSpread | None = Field(None, description="class hours around a line's minimum "
                                                                        "(for the lines that read it)")
    hire_to_training_days: DaysMax | None = Field(None, description="days from hire to training "
                                                                    "(for the lines that read it)")
    cohorts: Annotated[list[CohortTable], Field(min_length=1)]

    @model_validator(mode="after")
    def _places(self):
        decl = lines_of(self.policies[0]) if len(self.policies) == 1 else None
        if decl is None:
            raise At("policies", f"cohorts are places of one policy that draws its lines as places "
                                 f"({', '.join(_with_lines()) or 'none is registered'}): list it and no other policy "
                                 "(the places carry only the fields its lines read)")
        p = get_policy(self.policies[0]).parameters  # the text's values: the thresholds places are drawn against
        for i, c in enumerate(self.cohorts):
            try:
                c.check(decl, p)
            except At as e:
                raise At(f"cohorts[{i}].{e.key}", str(e)) from None
        seen = set()
        for i, c in enumerate(self.cohorts):
            if (c.agency, c.line, c.programme) in seen:  # one row each in the breakdowns
                raise At(f"cohorts[{i}].programme", "repeats an earlier cohort's agency, line and programme")
            seen.add((c.agency, c.line, c.programme))
        if all(c.line == NONE for c in self.cohorts):
            raise At("cohorts", "no cohort names a line: there is nothing for the calculator to pay")
        total = 0.0
        for i, c in enumerate(self.cohorts):
            n = places_for(c.target.value, c.eligible_share.value if c.eligible_share else 1.0)
            if n > MAX_PEOPLE:
                raise At(f"cohorts[{i}].eligible_share.value", f"makes {n:,.0f} places (target / share), "
                                                               f"above the {MAX_PEOPLE:,} of a population")
            total += n
        if total > MAX_PEOPLE:
            raise At("cohorts", f"the cohorts make {total:,.0f} places, above the {MAX_PEOPLE:,} of a population")
        return self

    def population(self, sources: dict[str, str]) -> "CohortPopulation":
        """The population (defaults fill the people's assumptions); sources are recorded."""
        a = with_defaults(self, PEOPLE)
        sources.update({f"{self.name}.{k}": v.source for k, v in a.items()})
        decl = lines_of(self.policies[0])
        cohorts = []
        for i, table in enumerate(self.cohorts):
            cohorts.append(table.cohort(decl))
            sources.update({f"{self.name}.cohorts[{i}].{k}": v["source"] for k, v in cohorts[-1].a.items()})
        return CohortPopulation(self.name, self.city, tuple(self.policies), {k: v.parsed() for k, v in a.items()},
                                tuple(cohorts))


def places_for(ok: float, share: float) -> float:
    """Places drawn for ``ok`` that meet a line, when a share ``share`` of the places meets it
    (a float, so a tiny share gives a large number, not an overflow)."""
    return ok + ok * (1 - share) / share


@dataclass(frozen=True)
class Cohort:
    agency: str
    programme: str
    line: str | None                 # None: no line of the policy funds the programme
    a: dict[str, dict[str, Any]]     # attribute -> parsed {<key>: …, source}

    @property
    def target(self) -> int:
        return self.a["target"]["value"]

    def counts(self, scale: float = 1.0) -> tuple[int, int]:
        """(places meeting the line, places failing it) at a population scale."""
        ok = max(1, round(self.target * scale))
        s = self.a["eligible_share"]["value"] if self.line else 1.0
        return ok, round(ok * (1 - s) / s)


@dataclass(frozen=True)
class CohortPopulation:
    """A population of training places; ``size`` is the person-times it stands for."""
    name: str
    city: str
    policies: tuple[str, ...]
    a: dict[str, dict[str, Any]]     # PEOPLE assumptions
    cohorts: tuple[Cohort, ...]
    scale: float = 1.0               # --size: every cohort scaled alike (shares kept)

    @property
    def size(self) -> int:
        return sum(c.counts(self.scale)[0] for c in self.cohorts)

    @property
    def places(self) -> float:
        """Training places drawn (the funded cohorts' passing and failing ones): what a draw holds."""
        return sum(places_for(max(1, round(c.target * self.scale)), c.a["eligible_share"]["value"])
                   for c in self.cohorts if c.line)

    @property
    def policy(self) -> str:
        return self.policies[0]  # the one policy whose lines the places are (the schema says so)

    @property
    def lines(self) -> CohortLines:
        """What the policy declares of its lines as places."""
        return lines_of(self.policy)

    def resized(self, size: int) -> "CohortPopulation":
        return replace(self, scale=size / sum(c.target for c in self.cohorts))
