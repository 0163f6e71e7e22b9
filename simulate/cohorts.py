"""Training places by agency and line: a 2019 population written as cohorts (BJSA-K1).

A ``[[populations]]`` table with a ``cohorts`` list describes training places, not people:
each cohort is one programme of one agency of the 2019 task table (附件), applying under
one line of ``beijing-2019-skills-action``::

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
    plan_years = { shares = { "1" = 0.2, "2" = 0.5, "3" = 0.3 }, source = "…" }

The schema of such a table (pydantic: ``CohortsTable``) and the population are here; drawing
the places is ``simulate/cohort_draw.py``. A cohort's places (``target / eligible_share``)
count against the ceiling of people a population (``assumptions.MAX_PEOPLE``).

Calibration: a cohort has exactly ``target`` places that meet its line's conditions and
``target × (1 − s) / s`` that fail the line's main condition (``FAILS``), s being its
``eligible_share``; the calculator then decides every place, so the paid person-times
come from the rules, and a place drawn wrong shows as a shortfall. The quota is exact
(not binomial) so the table is met in every replication; replications re-draw levels,
industries, dates and months, hence the budget. The places are drawn against the text's
thresholds (the policy's default parameters), so a reform that moves one is judged on
the same places. Each place is a different worker (the table counts 人次 and says nothing
of repeats), so BJSA-L1 does not bind between cohorts.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from skillsim.policies import get_policy

from .assumptions import (MAX_PEOPLE, Age, Assumption, Band, CertLevel, Chance, DaysMax, DelayDays, HoursSpread, Hukou,
                          IssueDates, MonthsMax, PolicyIds, Sex, Shares, Slug, Table, Text, At, band_check,
                          with_defaults)

POLICY = "beijing-2019-skills-action"
NONE = "none"
PEOPLE = ("issue_dates", "hukou", "sex", "age", "application_delay_days", "insurance_months",
          "months_employed_after_cert", "training_hours_spread", "hire_to_training_days")
FAILS = {  # how a place fails its line, when eligible_share < 1 (the line's main per-place condition)
    "BJSA-1": "fewer class hours than the line's minimum (40)",
    "BJSA-2": "an apprenticeship plan longer than 3 years",
    "BJSA-3": "less than 12 months of Beijing unemployment insurance",
    "BJSA-4": "less than 12 months of Beijing unemployment insurance",
    "BJSA-7": "the training's assessment not passed (high-tech, fintech)",
    "BJSA-8": "no certificate obtained (life services)",
    "BJSA-9": "not a recognised employment-difficulty person",
    "BJSA-10": "fewer class hours than the line's minimum (80 pre-job, 40 refresher)",
}
LINE_ATTRS: dict[str, tuple[str, ...]] = {  # what each line's places need, besides target and eligible_share
    "BJSA-1": (), "BJSA-2": ("plan_years",), "BJSA-3": (), "BJSA-4": ("cert_level", "difficult_enterprise"),
    "BJSA-7": ("industry", "award_share"), "BJSA-8": ("industry", "trained_by", "cert_level"),
    "BJSA-9": ("work_training_months",), "BJSA-10": ("domestic_training", "employee_based_firm"),
    "BJSA-11": (),
}
UNSUPPORTED = {"BJSA-5": "its per-enterprise cap needs employers, not places",
               "BJSA-6": "it funds studio projects, not training places"}
WORK_TRAINING_MONTHS_MAX = 120


def _p() -> Any:
    return get_policy(POLICY).parameters


def _industries(line: str) -> tuple[str, ...]:
    p = _p()
    return {"BJSA-7": (*p["high_tech_industries"], "cultural_creative"),
            "BJSA-8": (*p["services_industries"], *p["urban_industries"])}[line]


# ---------------------------------------------------------------- the schema of a cohort

def _drawn_line(v: Any) -> Any:
    if v in UNSUPPORTED:
        raise ValueError(f"{v} is not drawn as cohorts: {UNSUPPORTED[v]}")
    return v


class Target(Assumption):
    value: Annotated[int, Field(ge=1, le=MAX_PEOPLE, description="paid person-times (人次) to reproduce")]


class EligibleShare(Assumption):
    value: Annotated[float, Field(gt=0, le=1, description="share of the places that meet the line; "
                                  "target / share places are drawn (within the ceiling of a population)")]


class Occupation(Assumption):
    code: Text


class ShareTable(Assumption):
    shares: Shares[str]


class TrainedBy(Assumption):
    shares: Shares[Literal["employer", "training_body", "training_base"]]


class WorkTrainingMonths(Assumption):
    shares: Annotated[Shares[Band], band_check(1, WORK_TRAINING_MONTHS_MAX),
                      Field(description=f"bands of months, within 1–{WORK_TRAINING_MONTHS_MAX} (BJSA-9)")]


class DomesticTraining(Assumption):
    shares: Shares[Literal["pre_job", "refresher"]]


ATTRS = ("target", "eligible_share", "occupation", "plan_years", "cert_level", "difficult_enterprise", "industry",
         "award_share", "trained_by", "work_training_months", "domestic_training", "employee_based_firm")


class CohortTable(Table):
    """One programme of one agency under one line (``[[populations.cohorts]]``)."""
    agency: Text
    programme: Text
    line: Annotated[Literal[(*LINE_ATTRS, NONE)], BeforeValidator(_drawn_line)]
    target: Target
    eligible_share: EligibleShare | None = None
    occupation: Occupation | None = None
    plan_years: ShareTable | None = Field(None, description="BJSA-2: plan years, within the text's 1–3")
    cert_level: CertLevel | None = Field(None, description="BJSA-4, BJSA-8 services")
    difficult_enterprise: Chance | None = Field(None, description="BJSA-4 top-up")
    industry: ShareTable | None = Field(None, description="BJSA-7, BJSA-8: the line's industries")
    award_share: Chance | None = Field(None, description="BJSA-7 personal award")
    trained_by: TrainedBy | None = None
    work_training_months: WorkTrainingMonths | None = None
    domestic_training: DomesticTraining | None = Field(None, description="BJSA-10")
    employee_based_firm: Chance | None = Field(None, description="BJSA-10")

    @model_validator(mode="after")
    def _fits_its_line(self):
        line, given = self.line, {k for k in ATTRS if getattr(self, k) is not None}
        allowed = {"target"} if line == NONE else {"target", "eligible_share", "occupation", *LINE_ATTRS[line]}
        for k in ATTRS:
            if k in given and k not in allowed:
                raise At(k, f"unknown key for line {line} (allowed: {', '.join(sorted(allowed))})")
        ind = self.industry.shares if self.industry else {}
        for k in ind:
            if k not in _industries(line):
                raise At(f"industry.shares.{k}", f"unknown key for line {line} (allowed: {', '.join(_industries(line))})")
        if self.plan_years:
            p = _p()
            years = [str(y) for y in range(p["apprentice_min_plan_years"], p["apprentice_max_plan_years"] + 1)]
            for k in self.plan_years.shares:
                if k not in years:
                    raise At(f"plan_years.shares.{k}", f"unknown key (allowed: {', '.join(years)})")
        missing = sorted(_needed(line, ind) - given)
        if missing:
            raise At(missing[0], f"is missing (line {line} needs it)")
        if line != NONE and self.eligible_share.value < 1 and (why := _cannot_fail(line, ind)):
            raise At("eligible_share.value", f"must be 1: {why}")
        return self

    def cohort(self) -> "Cohort":
        a = {k: getattr(self, k).parsed() for k in ATTRS if getattr(self, k) is not None}
        return Cohort(self.agency, self.programme, None if self.line == NONE else self.line, a)


def _needed(line: str, ind: dict[str, float]) -> set[str]:
    """The attributes a line needs; some only for one branch (BJSA-7 awards, BJSA-8 services)."""
    need = {"target"} if line == NONE else {"target", "eligible_share", *LINE_ATTRS[line]}
    p = _p()
    if line == "BJSA-7" and not any(ind.get(i) for i in p["high_tech_industries"]):
        need.discard("award_share")
    if line == "BJSA-8" and not any(ind.get(i) for i in p["services_industries"]):
        need -= {"trained_by", "cert_level"}
    return need


def _cannot_fail(line: str, ind: dict[str, float]) -> str | None:
    """Why places of this line cannot fail it (so eligible_share must be 1), or None."""
    p = _p()
    if line not in FAILS:
        return f"{line} has no per-place condition"
    if line == "BJSA-7" and ind.get("cultural_creative"):
        return "cultural-creative places (BJSA-7) have no per-place condition"
    if line == "BJSA-8" and any(ind.get(i) for i in p["urban_industries"]):
        return "urban-operation places (BJSA-8) have no per-place condition"
    return None


class CohortsTable(Table):
    """A population of training places (a ``[[populations]]`` table with ``cohorts``)."""
    unknown_hint: ClassVar[str] = f"allowed for a population of cohorts: name, city, policies, {', '.join(PEOPLE)}, cohorts"
    name: Slug
    city: Literal["beijing", "shanghai"]
    policies: Annotated[PolicyIds, Field(description=f"[\"{POLICY}\"]: places carry only its fields")]
    issue_dates: IssueDates = Field(description="the year the cohorts trained")
    hukou: Hukou | None = None
    sex: Sex | None = None
    age: Age | None = None
    application_delay_days: DelayDays | None = None
    insurance_months: MonthsMax | None = None
    months_employed_after_cert: MonthsMax | None = Field(None, description="BJSA-7: months employed after training")
    training_hours_spread: HoursSpread | None = Field(None, description="BJSA-1, BJSA-10: hours around the minimum")
    hire_to_training_days: DaysMax | None = Field(None, description="BJSA-1: days from hire to training")
    cohorts: Annotated[list[CohortTable], Field(min_length=1)]

    @model_validator(mode="after")
    def _places(self):
        if self.policies != [POLICY]:
            raise At("policies", f"cohorts are places of {POLICY}: list it and no other policy "
                                 "(the places carry only the fields its lines read)")
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
        cohorts = []
        for i, table in enumerate(self.cohorts):
            cohorts.append(table.cohort())
            sources.update({f"{self.name}.cohorts[{i}].{k}": getattr(table, k).source
                            for k in ATTRS if getattr(table, k) is not None})
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
    line: str | None                 # None: no BJSA line funds the programme
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

    def resized(self, size: int) -> "CohortPopulation":
        return replace(self, scale=size / sum(c.target for c in self.cohorts))
