"""What a run measures, from one policy's results over one population.

``totals``: budget, claims, beneficiaries and coverage. ``breakdowns``: the budget and
claim counts by each dimension a finance bureau asks for, in long format
(dimension, key, claims, eligible_claims, budget_cny); every budget-bearing dimension sums
to the total (a test checks it). ``interval``: mean and 90 % interval over replications.
``payment_years`` (in ``totals``) and ``by_payment_year``: the figures of each calendar year
of payment, beneficiaries counted distinct within the year (a person paid in two years
counts in both).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import polars as pl

from skillsim.policies import get_policy, policy_ids

if TYPE_CHECKING:  # numpy on use: skillsim evaluate's start-up does without it (~0.1 s)
    import numpy as np

C = pl.col
NONE = "(none)"

# dimension -> the key expression. Budget sums to the total over each of these.
DIMENSIONS: dict[str, pl.Expr] = {
    "payee": C("payee"),
    "category": C("category"),                 # key group (BJKG) or category (SHSU)
    "level": pl.when(C("cert_level").is_null()).then(pl.lit("ungraded"))
    .otherwise(C("cert_level").cast(pl.String)),
    "tier": C("tier"),                          # BJKG tier A/B, SHSU class A/B/C
    "occupation": pl.coalesce("occupation_code", "special_ability_item"),
    "status": C("status"),
    "deciding_rule": C("deciding_rule"),        # why claims fail (and which rule paid)
    "payment_month": C("payment_month").dt.strftime("%Y-%m"),  # cash flow (BJKG-T1, SHSU delay)
    "payment_year": C("payment_month").dt.year(),                # the budget by calendar year of payment
    "cert_kind": C("cert_kind"),
}
# the funding split (SHSU-F1): these two dimensions sum to the total as well
FUNDING_DIMENSIONS = ("funding", "district")


def second_payments() -> dict[str, str]:
    """Every registered policy's second payments beside amount_cny (result column -> who
    receives it; ``Policy.second_payments``): part of the public cost, so of the budget."""
    out: dict[str, str] = {}
    for pid in policy_ids():
        out.update(get_policy(pid).second_payments)
    return out


def cost(res: pl.DataFrame) -> pl.Expr:
    """What one claim costs the budget: its amount plus any second payments."""
    extra = [C(c) for c in second_payments() if c in res.columns]
    return pl.sum_horizontal(C("amount_cny"), *extra).cast(pl.Int64) if extra else C("amount_cny")


def _paid(res: pl.DataFrame) -> pl.Expr:
    """A claim that costs anything: eligible with an amount, or turned down but still carrying
    a second payment that does not depend on it (BJSA-7's personal award)."""
    return cost(res) > 0


def totals(res: pl.DataFrame, size: int, holders: int) -> dict[str, Any]:
    """Headline figures of one policy over one population (one replication), and the paid
    claims' figures by calendar year of payment (``payment_years``)."""
    row = res.select(
        pl.len().alias("claims"),
        (C("status") == "eligible").sum().alias("eligible_claims"),
        cost(res).sum().alias("budget_cny"),
        C("person_id").filter(_paid(res)).n_unique().alias("beneficiaries"),
        C("funding").struct.field("city_cny").sum().alias("city_cny"),
        C("funding").struct.field("district_cny").sum().alias("district_cny"),
    ).row(0, named=True)
    row = {k: int(v or 0) for k, v in row.items()}
    row.update(target_population=size, certificate_holders=holders,
               coverage=row["beneficiaries"] / size if size else 0.0,
               coverage_of_holders=row["beneficiaries"] / holders if holders else 0.0,
               payment_years=payment_years(res))
    return row


UNKNOWN_YEAR = "unknown"  # a paid claim whose policy sets no payment month (a draft's)
YEAR_COUNTS = ("claims", "eligible_claims", "budget_cny", "beneficiaries")


def payment_years(res: pl.DataFrame) -> list[dict[str, Any]]:
    """The claims that cost anything, by calendar year of their payment month: claims,
    eligible claims, budget and beneficiaries (people paid in that year, distinct), one
    dict a year in year order. The budgets sum to the total budget."""
    paid = res.lazy().filter(_paid(res)).group_by(
        C("payment_month").dt.year().cast(pl.String).fill_null(UNKNOWN_YEAR).alias("year")).agg(
        pl.len().cast(pl.Int64).alias("claims"),
        (C("status") == "eligible").sum().cast(pl.Int64).alias("eligible_claims"),
        cost(res).sum().cast(pl.Int64).alias("budget_cny"),
        C("person_id").n_unique().cast(pl.Int64).alias("beneficiaries"))
    return paid.sort("year").collect().to_dicts()


def _add_years(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``payment_years`` of disjoint chunks (no person in two) added year by year."""
    out: dict[str, dict[str, Any]] = {}
    for part in parts:
        for row in part:
            acc = out.setdefault(row["year"], {"year": row["year"], **dict.fromkeys(YEAR_COUNTS, 0)})
            for k in YEAR_COUNTS:
                acc[k] += row[k]
    return [out[y] for y in sorted(out)]


def add_totals(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of disjoint chunks of one population (no person is in two chunks)."""
    out = {k: sum(p[k] for p in parts) for k in parts[0]
           if k not in ("coverage", "coverage_of_holders", "payment_years")}
    out["payment_years"] = _add_years([p.get("payment_years", []) for p in parts])
    out["coverage"] = out["beneficiaries"] / out["target_population"] if out["target_population"] else 0.0
    out["coverage_of_holders"] = (out["beneficiaries"] / out["certificate_holders"]
                                  if out["certificate_holders"] else 0.0)
    return out


def add_breakdowns(parts: list[pl.DataFrame]) -> pl.DataFrame:
    if len(parts) == 1:
        return parts[0]
    return (pl.concat(parts).group_by("dimension", "key")
            .agg(pl.col("claims", "eligible_claims", "budget_cny").sum()).sort("dimension", "key"))


def breakdowns(res: pl.DataFrame, dimensions: Iterable[str] | None = None) -> pl.DataFrame:
    """Budget, claims and eligible claims by every dimension (or those named), long format, sorted."""
    wanted = set(DIMENSIONS) | set(FUNDING_DIMENSIONS) if dimensions is None else set(dimensions)
    unknown = wanted - set(DIMENSIONS) - set(FUNDING_DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown breakdown dimension {sorted(unknown)[0]!r}")
    lf = res.lazy()
    frames = []
    for name, key in DIMENSIONS.items():
        if name not in wanted:
            continue
        frames.append(lf.group_by(key.cast(pl.String).fill_null(NONE).alias("key")).agg(
            pl.len().cast(pl.Int64).alias("claims"),
            (C("status") == "eligible").sum().cast(pl.Int64).alias("eligible_claims"),
            cost(res).sum().cast(pl.Int64).alias("budget_cny"),
        ).with_columns(pl.lit(name).alias("dimension")))
    fund = C("funding").struct
    paid = lf.filter(_paid(res))
    if "funding" in wanted:
        frames.append(paid.select(
            pl.len().cast(pl.Int64).alias("claims"),
            (C("status") == "eligible").sum().cast(pl.Int64).alias("eligible_claims"),
            fund.field("city_cny").sum().cast(pl.Int64).alias("city"),
            fund.field("district_cny").sum().cast(pl.Int64).alias("district"),
        ).unpivot(["city", "district"], index=["claims", "eligible_claims"], variable_name="key",
                  value_name="budget_cny").with_columns(pl.lit("funding").alias("dimension")))
    if "district" in wanted:  # which district pays (SHSU-F1): the district shares by district, plus the city's share
        frames.append(pl.concat([
            paid.group_by(fund.field("district").fill_null("(district not named)").alias("key")).agg(
                pl.len().cast(pl.Int64).alias("claims"),
                (C("status") == "eligible").sum().cast(pl.Int64).alias("eligible_claims"),
                fund.field("district_cny").sum().cast(pl.Int64).alias("budget_cny")),
            paid.select(pl.lit("(city)").alias("key"), pl.len().cast(pl.Int64).alias("claims"),
                        (C("status") == "eligible").sum().cast(pl.Int64).alias("eligible_claims"),
                        fund.field("city_cny").sum().cast(pl.Int64).alias("budget_cny")),
        ]).with_columns(pl.lit("district").alias("dimension")))
    out = pl.concat(pl.collect_all([f.select("dimension", "key", "claims", "eligible_claims", "budget_cny")
                                    for f in frames]), how="vertical_relaxed")
    return out.sort("dimension", "key")


def interval(values: list[float] | np.ndarray) -> dict[str, float]:
    """Mean and 90 % interval (5th and 95th percentiles) over replications."""
    import numpy as np
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {"mean": 0.0, "p05": 0.0, "p95": 0.0}
    return {"mean": float(v.mean()), "p05": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95))}


YEAR_FIGURES = ("budget_cny", "beneficiaries", "claims", "eligible_claims", "coverage", "cost_per_beneficiary_cny")


def by_payment_year(rows: pl.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """Year -> figure -> mean, 90 % interval and per-replication values (replication order), from
    rows of a run's totals (one policy and variant, one population or several: each row's
    ``payment_years`` and ``target_population``). A replication that pays nothing in a year
    counts 0 there. Claims are the claims paid in the year; coverage is the year's
    beneficiaries over the target population. Every year's budget sums to the total budget."""
    reps = sorted(set(rows["replication"].to_list())) if rows.height else []
    size, at = {r: 0 for r in reps}, {r: i for i, r in enumerate(reps)}
    got: dict[str, dict[str, list[float]]] = {}
    for r, people, years in rows.select("replication", "target_population", "payment_years").iter_rows():
        size[r] += people
        for y in years or []:
            acc = got.setdefault(y["year"], {k: [0] * len(reps) for k in YEAR_COUNTS})
            for k in YEAR_COUNTS:
                acc[k][at[r]] += y[k]
    import numpy as np
    out = {}
    for year in sorted(got):
        v = {k: np.asarray(x, dtype=float) for k, x in got[year].items()}
        people = np.asarray([size[r] for r in reps], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            v["coverage"] = np.where(people > 0, v["beneficiaries"] / people, 0.0)
            v["cost_per_beneficiary_cny"] = np.where(v["beneficiaries"] > 0, v["budget_cny"] / v["beneficiaries"], 0.0)
        out[year] = {k: {**interval(v[k]), "values": [int(x) if k in YEAR_COUNTS else float(x) for x in v[k]]}
                     for k in YEAR_FIGURES}
    return out
