"""Drawing a population of cohorts (``simulate/cohorts.py``): one frame of training places
that meets the claim contract, vectorised per cohort, with each place's agency, line and
programme kept beside it (not contract fields) and the person-times of the programmes
no line funds (BJSA-K1).

A place meets its line by construction or fails the line's main condition (``FAILS``),
on the side of the text's threshold that the cohort's exact quota says; the calculator
decides both.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import polars as pl

from skillsim.policies.contract import FIELD_BY_NAME, SCHEMA, validate_frame

from .cohorts import NONE, Cohort, CohortPopulation, _p
from .population import _bands as draw_bands
from .assumptions import MAX_PEOPLE, bands

EPOCH = dt.date(1970, 1, 1)
# The spreads around a line's thresholds are assumptions of the population (population_defaults.toml:
# training_hours_spread, hire_to_training_days, months_employed_after_cert, insurance_months): they
# decide nothing in the baseline, where only the side of the threshold counts, but a reform that moves
# a threshold is judged on them. What stays here is mechanism: a failing place sits just below the
# threshold it fails (an apprentice plan one year too long, insurance months below the minimum).
SECOND_PAYMENTS = {"employer_topup_cny": "employer", "individual_award_cny": "individual"}  # BJSA-4, BJSA-7


@dataclass(frozen=True)
class CohortDraw:
    claims: pl.DataFrame                 # one row per place (claim contract, validated)
    holders: int                         # places drawn (coverage's second denominator)
    tags: pl.DataFrame                   # person_id -> agency, line, programme (not contract fields)
    unfunded: pl.DataFrame               # agency, programme, person_times of "none" cohorts
    defaulted: tuple[str, ...] = ()      # contract fields a place does not draw, at their defaults

    def tag(self, res: pl.DataFrame) -> pl.DataFrame:
        """Results with their cohort's agency, line and programme (one place per person_id)."""
        return res.join(self.tags, on="person_id", how="left")

    def breakdowns(self, res: pl.DataFrame) -> pl.DataFrame:
        """Tagged results by agency, line and cohort ("agency | line | programme"); budget is
        the whole public cost, the claim's amount plus its second payments (BJSA-4 top-up,
        BJSA-7 award). "recipient": every payment by who receives it. "unfunded": the
        person-times of programmes no line funds (claims = person-times, no budget)."""
        lf = res.lazy()
        cost = pl.sum_horizontal("amount_cny", *SECOND_PAYMENTS)
        frames = [lf.group_by(key.alias("key")).agg(
            pl.len().alias("claims"), (pl.col("status") == "eligible").sum().alias("eligible_claims"),
            cost.sum().alias("budget_cny")).with_columns(pl.lit(name).alias("dimension"))
            for name, key in (("agency", pl.col("agency")), ("line", pl.col("line")),
                              ("cohort", pl.concat_str("agency", "line", "programme", separator=" | ")))]
        payments = pl.concat([lf.select(pl.col("payee").alias("key"), pl.col("amount_cny").alias("paid"))]
                             + [lf.select(pl.lit(who).alias("key"), pl.col(col).alias("paid"))
                                for col, who in SECOND_PAYMENTS.items()])
        frames.append(payments.filter(pl.col("paid") > 0).group_by("key").agg(
            pl.len().alias("claims"), pl.len().alias("eligible_claims"), pl.col("paid").sum().alias("budget_cny"))
            .with_columns(pl.lit("recipient").alias("dimension")))
        frames.append(self.unfunded.lazy().select(
            pl.concat_str("agency", pl.lit(NONE), "programme", separator=" | ").alias("key"),
            pl.col("person_times").alias("claims"), pl.lit(0).alias("eligible_claims"), pl.lit(0).alias("budget_cny"),
            pl.lit("unfunded").alias("dimension")))
        cols = [pl.col("dimension"), pl.col("key"), *(pl.col(c).cast(pl.Int64) for c in
                                                      ("claims", "eligible_claims", "budget_cny"))]
        return pl.concat(pl.collect_all([f.select(cols) for f in frames])).sort("dimension", "key")


def _pick(rng, n: int, shares: Mapping[str, float]) -> np.ndarray:
    """Labels drawn with the given shares."""
    p = np.fromiter(shares.values(), float)
    return np.asarray(list(shares), dtype=object)[rng.choice(len(p), size=n, p=p / p.sum())]


def _between(rng, lo, hi, n: int) -> np.ndarray:
    """n integers uniform in [lo, hi] (scalars or arrays of n)."""
    lo, hi = np.broadcast_to(lo, n), np.broadcast_to(hi, n)
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)


def _hours(rng, ok: np.ndarray, least, spread: int) -> np.ndarray:
    """Class hours on the side of the line's minimum that ``ok`` says: min … min+spread, or
    min−spread … min−1."""
    n = ok.size
    least = np.broadcast_to(least, n)
    return np.where(ok, _between(rng, least, least + spread, n),
                    _between(rng, np.maximum(least - spread, 1), least - 1, n)).astype(float)


def _line_fields(c: Cohort, ok: np.ndarray, issue: np.ndarray, rng, p, people: dict) -> dict[str, Any]:
    """The line's claim fields for one cohort; ``ok`` marks the places that meet the line;
    ``people``: the population's assumptions."""
    n, line, a = ok.size, c.line, c.a
    ins_max, spread = people["insurance_months"]["max"], people["training_hours_spread"]["value"]
    out: dict[str, Any] = {"trained_by": "employer"}
    level = lambda: _pick(rng, n, a["cert_level"]["shares"]).astype(np.int64)  # noqa: E731
    if line == "BJSA-1":   # new hire trained within 12 months of joining, >= 40 class hours
        out.update(training_hours=_hours(rng, ok, p["new_hire_min_hours"], spread),
                   hire_date=issue - _between(rng, 0, people["hire_to_training_days"]["max"], n))
    elif line == "BJSA-2":  # one claim is one plan year of a 1-3 year plan
        years = _pick(rng, n, a["plan_years"]["shares"]).astype(np.int64)
        out["apprentice_plan_years"] = np.where(ok, years, p["apprentice_max_plan_years"] + 1)
    elif line in ("BJSA-3", "BJSA-4"):  # employee with >= 12 months of unemployment insurance
        least = p["special_operation_min_insurance_months" if line == "BJSA-3" else "upgrade_min_insurance_months"]
        out.update(insurance_months=np.where(ok, _between(rng, least, max(ins_max, least), n),
                                             _between(rng, 0, least - 1, n)),
                   cert_kind="special_operation" if line == "BJSA-3" else "skill_level", trained_by=None)
        if line == "BJSA-4":
            out.update(cert_level=level(), difficult_enterprise=rng.random(n) < a["difficult_enterprise"]["value"])
    elif line == "BJSA-7":  # high-tech / fintech: passed; the award when employed >= 3 months after
        least = p["award_min_months"]
        award = rng.random(n) < a.get("award_share", {}).get("value", 0.0)
        out.update(industry=_pick(rng, n, a["industry"]["shares"]), training_passed=ok,
                   months_employed_after_cert=np.where(award, _between(
                       rng, least, max(people["months_employed_after_cert"]["max"], least), n),
                                                       _between(rng, 0, least - 1, n)))
    elif line == "BJSA-8":  # life services: a certificate obtained, paid to who trained; urban: no condition
        ind = _pick(rng, n, a["industry"]["shares"])
        services = np.isin(ind, p["services_industries"])
        out.update(industry=ind, cert_kind=np.where(services & ok, "skill_level", "training_only"),
                   cert_level=np.where(services & ok, level(), 0) if "cert_level" in a else None)
        if "trained_by" in a:
            out["trained_by"] = np.where(services, _pick(rng, n, a["trained_by"]["shares"]), "employer")
    elif line == "BJSA-9":  # employment-difficulty hire, months of work-for-training
        out.update(employment_difficulty=ok, work_training_months=draw_bands(
            rng, n, bands(a["work_training_months"]["shares"])))
    elif line == "BJSA-10":  # domestic service: pre-job >= 80 h or refresher >= 40 h a year
        kind = _pick(rng, n, a["domestic_training"]["shares"])
        least = np.where(kind == "pre_job", p["domestic_pre_job_min_hours"], p["domestic_refresher_min_hours"])
        out.update(industry="domestic_service", domestic_training=kind, training_hours=_hours(rng, ok, least, spread),
                   employee_based_firm=rng.random(n) < a["employee_based_firm"]["value"])
    elif line == "BJSA-11":
        out["trained_by"] = "training_base"
    return out


def _series(name: str, v: Any) -> pl.Series | pl.Expr:
    if v is None or isinstance(v, str):
        return pl.lit(v, dtype=SCHEMA[name])
    if name.endswith("_date"):
        return pl.Series(v, dtype=pl.Int32).cast(pl.Date)
    if name == "cert_level":
        return pl.Series(v, dtype=pl.Int8).replace(0, None)
    return pl.Series(v.astype(str) if v.dtype == object else v)


def _cohort_frame(pop: CohortPopulation, k: int, c: Cohort, rng, p) -> pl.DataFrame:
    n_ok, n_fail = c.counts(pop.scale)
    n = n_ok + n_fail
    ok = np.zeros(n, bool)
    ok[:n_ok] = True
    rng.shuffle(ok)       # an exact quota, at random places
    d = pop.a["issue_dates"]
    issue = (d["start"] - EPOCH).days + _between(rng, 0, (d["end"] - d["start"]).days, n)
    cols = {
        "cert_issue_date": issue, "application_date": issue + draw_bands(rng, n, pop.a["application_delay_days"]["bands"]),
        "insurance_months": _between(rng, 0, pop.a["insurance_months"]["max"], n),
        "subsidy_line": c.line, "cert_kind": "training_only", "occupation_code": c.a.get("occupation", {}).get("code"),
        **_line_fields(c, ok, issue, rng, p, pop.a),
    }
    return pl.select(pl.concat_str(pl.lit(f"{pop.name}-{k:02d}-"), pl.int_range(n).cast(pl.String)).alias("person_id")
                     ).with_columns(_series(name, v).alias(name) for name, v in cols.items()
                                    ).with_columns(_agency=pl.lit(c.agency), _programme=pl.lit(c.programme))


def _people(pop: CohortPopulation, n: int, rng) -> dict[str, pl.Series]:
    """The contract's person fields: every place is an employed worker of the city (企业职工)."""
    a, city = pop.a, pop.city
    home = {"own": city}  # a jurisdiction's id names itself
    return {
        "hukou": pl.Series(_pick(rng, n, {home.get(k, k): s for k, s in a["hukou"]["shares"].items()}).astype(str)),
        "sex": pl.Series(_pick(rng, n, a["sex"]["shares"]).astype(str)),
        "age": pl.Series(draw_bands(rng, n, a["age"]["bands"]), dtype=pl.Int8),
        "employment": pl.repeat("employed", n, eager=True),
        "cert_issuer_city": pl.repeat(city, n, eager=True),
    }


def generate(pop: CohortPopulation, rng: np.random.Generator) -> CohortDraw:
    """The places of every funded cohort (vectorised per cohort), their tags, and the
    person-times of the cohorts no line funds. Same rng state, same frame."""
    if pop.places > MAX_PEOPLE:  # the schema and Scenario.with_changes refuse it first; never allocate it
        raise ValueError(f"{pop.name}: {pop.places:,.0f} training places, above {MAX_PEOPLE:,}")
    p = _p()
    parts = [_cohort_frame(pop, k, c, rng, p) for k, c in enumerate(pop.cohorts) if c.line]
    places = pl.concat(parts, how="diagonal_relaxed")
    places = places.with_columns(**_people(pop, places.height, rng))
    fill = [pl.col(f).fill_null(FIELD_BY_NAME[f].default) for f in places.columns
            if f in FIELD_BY_NAME and not FIELD_BY_NAME[f].nullable and FIELD_BY_NAME[f].default is not None]
    places = places.with_columns(fill)
    tags = places.select("person_id", pl.col("_agency").alias("agency"), pl.col("subsidy_line").alias("line"),
                         pl.col("_programme").alias("programme"))
    unfunded = pl.DataFrame([(c.agency, c.programme, c.counts(pop.scale)[0]) for c in pop.cohorts if not c.line],
                            schema={"agency": pl.String, "programme": pl.String, "person_times": pl.Int64},
                            orient="row")
    claims, defaulted = validate_frame(places.drop("_agency", "_programme"), defaults=True)
    return CohortDraw(claims, places.height, tags, unfunded, tuple(defaulted))
