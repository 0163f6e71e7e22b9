"""Training places by agency and line: a 2019 population written as cohorts (BJSA-K1).

A ``[[populations]]`` table with a ``cohorts`` list describes training places, not people:
each cohort is one programme of one agency of the 2019 task table (附件), applying under
one line of ``beijing-2019-skills-action``::

    [[populations]]
    name = "beijing-2019"
    city = "beijing"
    policies = ["beijing-2019-skills-action"]
    issue_dates = { start = 2019-01-01, end = 2019-12-31, source = "…" }   # also hukou, sex, age,
                                                 # application_delay_days, insurance_months
    [[populations.cohorts]]
    agency = "市人力资源社会保障局"             # as the table writes it
    programme = "企业新型学徒制培训"
    line = "BJSA-2"                               # or "none": no line funds it (person-times, no budget)
    target = { value = 10000, source = "…" }      # paid person-times (人次) to reproduce
    eligible_share = { value = 1.0, source = "…" }
    plan_years = { shares = { "1" = 0.2, "2" = 0.5, "3" = 0.3 }, source = "…" }

Parsing and the population are here; drawing the places is ``simulate/cohort_draw.py``.

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
from typing import Any, Mapping

from policies import get_policy

from .scenario import BAND, ScenarioError, _bands, _num, _parse_assumption, _prob, _shares

POLICY = "beijing-2019-skills-action"
NONE = "none"
PEOPLE = ("issue_dates", "hukou", "sex", "age", "application_delay_days", "insurance_months")
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


def _p() -> Any:
    return get_policy(POLICY).parameters


def _levels(k, v):
    return _shares(k, v, ("5", "4", "3", "2", "1"))


def _plan_years(k, v):
    p = _p()
    return _shares(k, v, tuple(str(y) for y in range(p["apprentice_min_plan_years"], p["apprentice_max_plan_years"] + 1)))


def _industry(line: str):
    p = _p()
    allowed = {"BJSA-7": (*p["high_tech_industries"], "cultural_creative"),
               "BJSA-8": (*p["services_industries"], *p["urban_industries"])}[line]
    return lambda k, v: _shares(k, v, tuple(allowed))


def _months(k, v):
    shares = _shares(k, v, pattern=BAND)
    for band in shares:
        if int(BAND.match(band).group(1)) < 1:
            raise ScenarioError(f"{k}.{band}", "a work-for-training month count starts at 1 (BJSA-9)")
    _bands(k, shares)
    return shares


# attribute -> (its key besides source, reader). Each is { <key> = …, source = "…" }.
ATTRS: dict[str, tuple[str, Any]] = {
    "target": ("value", lambda k, v: _num(k, v, 1, integer=True)),
    "eligible_share": ("value", lambda k, v: _prob(k, v) or _bad(k, v, "above 0 (some places must meet the line)")),
    "occupation": ("code", lambda k, v: v if isinstance(v, str) and v.strip() else _bad(k, v, "an occupation code")),
    "plan_years": ("shares", _plan_years),                         # BJSA-2
    "cert_level": ("shares", _levels),                             # BJSA-4, BJSA-8 services
    "difficult_enterprise": ("value", _prob),                      # BJSA-4 top-up
    "industry": ("shares", None),                                  # BJSA-7, BJSA-8 (per line)
    "award_share": ("value", _prob),                               # BJSA-7 personal award
    "trained_by": ("shares", lambda k, v: _shares(k, v, ("employer", "training_body", "training_base"))),
    "work_training_months": ("shares", _months),                   # BJSA-9
    "domestic_training": ("shares", lambda k, v: _shares(k, v, ("pre_job", "refresher"))),  # BJSA-10
    "employee_based_firm": ("value", _prob),                       # BJSA-10
}
LINE_ATTRS: dict[str, tuple[str, ...]] = {  # what each line's places need, besides target and eligible_share
    "BJSA-1": (), "BJSA-2": ("plan_years",), "BJSA-3": (), "BJSA-4": ("cert_level", "difficult_enterprise"),
    "BJSA-7": ("industry", "award_share"), "BJSA-8": ("industry", "trained_by", "cert_level"),
    "BJSA-9": ("work_training_months",), "BJSA-10": ("domestic_training", "employee_based_firm"),
    "BJSA-11": (),
}
UNSUPPORTED = {"BJSA-5": "its per-enterprise cap needs employers, not places",
               "BJSA-6": "it funds studio projects, not training places"}


def _bad(key: str, v: Any, what: str):
    raise ScenarioError(key, f"{v!r} is not {what}")


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

    def resized(self, size: int) -> "CohortPopulation":
        return replace(self, scale=size / sum(c.target for c in self.cohorts))


# ---------------------------------------------------------------- parsing

def _attr(key: str, name: str, raw: Any, line: str) -> dict[str, Any]:
    sub, reader = ATTRS[name]
    if not isinstance(raw, Mapping):
        raise ScenarioError(key, f"is not a table {{ {sub} = …, source = \"…\" }}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip() or "\n" in source:
        raise ScenarioError(f"{key}.source", "every assumption needs a one-line source (or \"illustrative\")")
    extra = set(raw) - {sub, "source"}
    if extra:
        raise ScenarioError(f"{key}.{sorted(extra)[0]}", f"unknown key (allowed: {sub}, source)")
    if sub not in raw:
        raise ScenarioError(f"{key}.{sub}", "is missing")
    reader = reader or _industry(line)
    return {sub: reader(f"{key}.{sub}", raw[sub]), "source": source}


def _needed(line: str, a: dict[str, Any]) -> set[str]:
    """The attributes a line needs; some only for one branch (BJSA-7 awards, BJSA-8 services)."""
    need = {"target"} if line == NONE else {"target", "eligible_share", *LINE_ATTRS[line]}
    p = _p()
    ind = a.get("industry", {}).get("shares", {})
    if line == "BJSA-7" and not any(ind.get(i) for i in p["high_tech_industries"]):
        need.discard("award_share")
    if line == "BJSA-8" and not any(ind.get(i) for i in p["services_industries"]):
        need -= {"trained_by", "cert_level"}
    return need


def _cannot_fail(line: str, a: dict[str, Any]) -> str | None:
    """Why places of this line cannot fail it (so eligible_share must be 1), or None."""
    p = _p()
    ind = a.get("industry", {}).get("shares", {})
    if line not in FAILS:
        return f"{line} has no per-place condition"
    if line == "BJSA-7" and ind.get("cultural_creative"):
        return "cultural-creative places (BJSA-7) have no per-place condition"
    if line == "BJSA-8" and any(ind.get(i) for i in p["urban_industries"]):
        return "urban-operation places (BJSA-8) have no per-place condition"
    return None


def parse_cohort(at: str, raw: Any) -> tuple[Cohort, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise ScenarioError(at, "is not a table")
    for k in ("agency", "programme", "line"):
        if not isinstance(raw.get(k), str) or not raw[k].strip():
            raise ScenarioError(f"{at}.{k}", "is missing or not a non-empty string")
    line = raw["line"]
    if line in UNSUPPORTED:
        raise ScenarioError(f"{at}.line", f"{line} is not drawn as cohorts: {UNSUPPORTED[line]}")
    if line != NONE and line not in LINE_ATTRS:
        raise ScenarioError(f"{at}.line", f"{line!r} is not a BJSA line drawn as cohorts "
                                          f"({', '.join(LINE_ATTRS)}) or \"none\"")
    allowed = {"target"} if line == NONE else {"target", "eligible_share", "occupation", *LINE_ATTRS[line]}
    for k in raw:
        if k not in ("agency", "programme", "line") and k not in allowed:
            raise ScenarioError(f"{at}.{k}", f"unknown key for line {line} (allowed: {', '.join(sorted(allowed))})")
    a = {k: _attr(f"{at}.{k}", k, v, line) for k, v in raw.items() if k in allowed}
    missing = sorted(_needed(line, a) - set(a))
    if missing:
        raise ScenarioError(f"{at}.{missing[0]}", f"is missing (line {line} needs it)")
    if line != NONE and a["eligible_share"]["value"] < 1 and (why := _cannot_fail(line, a)):
        raise ScenarioError(f"{at}.eligible_share.value", f"must be 1: {why}")
    sources = {f"{at}.{k}": v["source"] for k, v in a.items()}
    return Cohort(raw["agency"], raw["programme"], None if line == NONE else line, a), sources


def parse_population(pr: Mapping[str, Any], at: str, policies: list[str], defaults: Mapping[str, Any],
                     sources: dict[str, str]) -> CohortPopulation:
    """A [[populations]] table with cohorts (called by scenario.parse); sources are recorded."""
    if POLICY not in policies:
        raise ScenarioError(f"{at}.policies", f"cohorts are places of {POLICY}; list it")
    for key in pr:
        if key not in ("name", "city", "policies", "cohorts") and key not in PEOPLE:
            raise ScenarioError(f"{at}.{key}", f"unknown key for a population of cohorts (allowed: "
                                               f"{', '.join(PEOPLE)}, cohorts)")
    if "issue_dates" not in pr:
        raise ScenarioError(f"{at}.issue_dates", "is missing (the year the cohorts trained)")
    a = {k: _parse_assumption(f"{at}.{k}" if k in pr else f"defaults.{k}", pr.get(k, defaults[k]))
         for k in PEOPLE}
    name = pr["name"]
    sources.update({f"{name}.{k}": v["source"] for k, v in a.items()})
    raw = pr["cohorts"]
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{at}.cohorts", "is not a non-empty list of [[populations.cohorts]] tables")
    cohorts, seen = [], set()
    for i, c in enumerate(raw):
        cohort, src = parse_cohort(f"{at}.cohorts[{i}]", c)
        if (cohort.agency, cohort.line, cohort.programme) in seen:  # one row each in the breakdowns
            raise ScenarioError(f"{at}.cohorts[{i}].programme", "repeats an earlier cohort's agency, line and programme")
        seen.add((cohort.agency, cohort.line, cohort.programme))
        cohorts.append(cohort)
        sources.update({f"{name}.{k.split('.', 1)[1]}": s for k, s in src.items()})
    if not any(c.line for c in cohorts):
        raise ScenarioError(f"{at}.cohorts", "no cohort names a line: there is nothing for the calculator to pay")
    return CohortPopulation(name, pr["city"], tuple(policies), a, tuple(cohorts))
