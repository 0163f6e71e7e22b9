"""Drawing a population of cohorts (``simulate/cohorts.py``): one frame of training places
that meets the claim contract, vectorised per cohort, with each place's agency, line and
programme kept beside it (not contract fields) and the person-times of the programmes
no line funds.

Here are the fields every place has (dates, insurance months, the person); each line's
own fields come from its policy's draw (``cohort_lines().claim_fields``), which puts a
place on the side of the line's threshold that the cohort's exact quota says (meeting the
line, or failing its main condition); the calculator decides both.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import polars as pl

from skillsim.policies import get_policy
from skillsim.policies.cohort_lines import Places
from skillsim.policies.contract import FIELD_BY_NAME, SCHEMA, validate_frame

from .cohorts import NONE, Cohort, CohortPopulation
from .population import _bands as draw_bands
from .assumptions import MAX_PEOPLE, bands

EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class CohortDraw:
    claims: pl.DataFrame                 # one row per place (claim contract, validated)
    holders: int                         # places drawn (coverage's second denominator)
    tags: pl.DataFrame                   # person_id -> agency, line, programme (not contract fields)
    unfunded: pl.DataFrame               # agency, programme, person_times of "none" cohorts
    defaulted: tuple[str, ...] = ()      # contract fields a place does not draw, at their defaults
    second_payments: Mapping[str, str] = field(default_factory=dict)  # the policy's: result column -> recipient

    def tag(self, res: pl.DataFrame) -> pl.DataFrame:
        """Results with their cohort's agency, line and programme (one place per person_id)."""
        return res.join(self.tags, on="person_id", how="left")

    def breakdowns(self, res: pl.DataFrame) -> pl.DataFrame:
        """Tagged results by agency, line and cohort ("agency | line | programme"); budget is
        the whole public cost, the claim's amount plus its second payments (the policy's
        ``second_payments``). "recipient": every payment by who receives it. "unfunded": the
        person-times of programmes no line funds (claims = person-times, no budget)."""
        lf = res.lazy()
        cost = pl.sum_horizontal("amount_cny", *self.second_payments)
        frames = [lf.group_by(key.alias("key")).agg(
            pl.len().alias("claims"), (pl.col("status") == "eligible").sum().alias("eligible_claims"),
            cost.sum().alias("budget_cny")).with_columns(pl.lit(name).alias("dimension"))
            for name, key in (("agency", pl.col("agency")), ("line", pl.col("line")),
                              ("cohort", pl.concat_str("agency", "line", "programme", separator=" | ")))]
        payments = pl.concat([lf.select(pl.col("payee").alias("key"), pl.col("amount_cny").alias("paid"))]
                             + [lf.select(pl.lit(who).alias("key"), pl.col(col).alias("paid"))
                                for col, who in self.second_payments.items()])
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


@dataclass(frozen=True)
class _Draws:
    """The draws a policy's lines make (policies/cohort_lines.py ``Draws``), from one generator."""
    rng: np.random.Generator

    def pick(self, n: int, shares: Mapping[str, float]) -> np.ndarray:
        return _pick(self.rng, n, shares)

    def between(self, lo, hi, n: int) -> np.ndarray:
        return _between(self.rng, lo, hi, n)

    def bands(self, n: int, shares: Mapping[str, float]) -> np.ndarray:
        return draw_bands(self.rng, n, bands(shares))


def _series(name: str, v: Any) -> pl.Series | pl.Expr:
    """A claim field's column from a draw: an array of one value a place, or one value for all."""
    if v is None or np.isscalar(v):
        return pl.lit(v, dtype=SCHEMA[name])
    if name.endswith("_date"):
        return pl.Series(v, dtype=pl.Int32).cast(pl.Date)
    if name == "cert_level":
        return pl.Series(v, dtype=pl.Int8).replace(0, None)
    return pl.Series(v.astype(str) if v.dtype == object else v)


def _cohort_frame(pop: CohortPopulation, k: int, c: Cohort, rng, p, lines) -> pl.DataFrame:
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
        **lines.claim_fields(Places(c.line, ok, issue, c.a, pop.a), p, _Draws(rng)),
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
    policy = get_policy(pop.policy)
    p, lines = policy.parameters, policy.cohort_lines()  # the text's thresholds (cohorts.py)
    parts = [_cohort_frame(pop, k, c, rng, p, lines) for k, c in enumerate(pop.cohorts) if c.line]
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
    return CohortDraw(claims, places.height, tags, unfunded, tuple(defaulted), dict(policy.second_payments))
