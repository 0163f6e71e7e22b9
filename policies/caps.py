"""Population caps shared by the calculators (BJKG-L1, SHSU-L1/R3/R7, BJSA-L1/5/6, BJHS-T1/A1).

``Policy.population_caps`` receives ``evaluate``'s output over a whole population; these
helpers turn down (or trim) the claims beyond a cap, vectorised with window expressions:

* ``cap_count``: at most ``limit`` eligible claims per group (per worker per year, BJSA-L1;
  the same occupation and level once, BJSA-L1; once per person, BJHS-T1);
* ``cap_total``: at most ``cap`` yuan per group (per enterprise per year, BJSA-5; per
  project per year, BJSA-6; per host, BJHS-A1 when switched on). Claims are paid in order
  until the cap; the claim that crosses it gets the remainder (trimmed), later ones nothing.

Order within a group: application date, then the larger amount, then row order, so the
result does not depend on how the population happens to be sorted, except for full ties.
"""
from __future__ import annotations

from typing import Callable, Sequence

import polars as pl

from .engine import cap_claims, collect

C = pl.col
ROW = "_cap_row"


def order() -> list[pl.Expr]:
    return [C("application_date"), -C("amount_cny"), C(ROW)]


def with_reason(results: pl.LazyFrame, hit: pl.Expr, rule: str, clause: str, message: pl.Expr | str,
                 replace: bool) -> pl.LazyFrame:
    """Record ``rule`` in the rules/reasons of the rows where ``hit`` holds (replacing or appending)."""
    names = results.collect_schema().names()
    msg = pl.lit(message) if isinstance(message, str) else message
    out = []
    if "rules" in names:
        new = pl.concat_list(pl.lit(rule)) if replace else pl.concat_list([C("rules"), pl.lit(rule)])
        out.append(pl.when(hit).then(new).otherwise(C("rules")).alias("rules"))
    if "reasons" in names:
        item = pl.struct(rule=pl.lit(rule), clause=pl.lit(clause), message=msg.cast(pl.String))
        new = pl.concat_list(item) if replace else pl.concat_list([C("reasons"), item])
        out.append(pl.when(hit).then(new).otherwise(C("reasons")).alias("reasons"))
    return results.with_columns(out) if out else results


def among_shared(results: pl.LazyFrame, key: str, apply: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.LazyFrame:
    """Apply per-``key`` caps to the eligible claims of the keys (people) with two or more
    of them; every other row passes as it is. A cap only turns down an eligible claim
    that comes after another eligible one, and a lone claim was already capped by its
    own prior_subsidies in the checks, so nothing else can change.

    That leaves a few per cent of the rows for the window work; the result is collected,
    so a cap that reads its frame twice (SHSU's re-routing) does not redo the upstream
    plan. Rows come back grouped: untouched rows first."""
    df = collect(results)
    eligible = df["status"] == "eligible"
    ids = df[key].filter(eligible)
    shared = eligible & df[key].is_in(ids.filter(ids.is_duplicated()).unique().implode())
    if not shared.any():
        return df.lazy()
    capped = collect(apply(df.filter(shared).lazy()))
    return pl.concat([df.filter(~shared), capped.select(df.columns)], how="vertical_relaxed").lazy()


def over_limit(counted: pl.Expr, keys: Sequence[pl.Expr | str], limit: int | pl.Expr,
               already: pl.Expr | int = 0) -> pl.Expr:
    """True on the counted eligible claims beyond ``limit`` per group (needs the ROW column)."""
    n = (counted.fill_null(False) & (C("status") == "eligible")).cast(pl.Int64)
    before = n.cum_sum().over(list(keys), order_by=order()) - n
    return n.cast(pl.Boolean) & (before + already >= limit)


def cap_count(results: pl.LazyFrame, counted: pl.Expr, keys: Sequence[pl.Expr | str], limit: int | pl.Expr,
              rule: str, clause: str, message: pl.Expr | str, already: pl.Expr | int = 0) -> pl.LazyFrame:
    """Turn down the counted eligible claims beyond ``limit`` per group (``already`` = earlier ones)."""
    counted = (counted.fill_null(False) & (C("status") == "eligible")).cast(pl.Int64)
    results = results.with_row_index(ROW).with_columns(counted.alias("_cap_counted"))
    before = (C("_cap_counted").cum_sum().over(list(keys), order_by=order()) - C("_cap_counted"))
    results = results.with_columns((C("_cap_counted").cast(pl.Boolean) & (before + already >= limit))
                                   .alias("_cap_hit"))
    results = with_reason(results, C("_cap_hit") & (C("status") == "eligible"), rule, clause, message, True)
    return cap_claims(results, C("_cap_hit"), rule).drop(ROW, "_cap_counted", "_cap_hit")


def cap_total(results: pl.LazyFrame, counted: pl.Expr, keys: Sequence[pl.Expr | str], cap: int, rule: str,
              clause: str, message: pl.Expr | str) -> pl.LazyFrame:
    """At most ``cap`` yuan per group: trim the claim that crosses it, turn down the later ones."""
    counted = counted.fill_null(False) & (C("status") == "eligible")
    results = results.with_row_index(ROW).with_columns(
        pl.when(counted).then(C("amount_cny")).otherwise(0).alias("_cap_amt"))
    before = C("_cap_amt").cum_sum().over(list(keys), order_by=order()) - C("_cap_amt")
    results = results.with_columns(
        (pl.lit(cap, pl.Int64) - before).clip(0, C("_cap_amt")).alias("_cap_paid"))
    eligible = C("status") == "eligible"
    zero = counted & eligible & (C("_cap_paid") == 0) & (C("_cap_amt") > 0)
    trim = counted & eligible & (C("_cap_paid") > 0) & (C("_cap_paid") < C("_cap_amt"))
    results = results.with_columns(zero.alias("_cap_zero"), trim.alias("_cap_trim"))
    results = with_reason(results, C("_cap_zero"), rule, clause, message, True)
    results = with_reason(results, C("_cap_trim"), rule, clause,
                           pl.format("{}; trimmed to the {} yuan left under the cap", message
                                     if isinstance(message, pl.Expr) else pl.lit(message), C("_cap_paid")), False)
    results = results.with_columns(
        pl.when(C("_cap_trim")).then(C("_cap_paid")).otherwise(C("amount_cny")).alias("amount_cny"))
    results = cap_claims(results, C("_cap_zero"), rule)
    return results.drop(ROW, "_cap_amt", "_cap_paid", "_cap_zero", "_cap_trim")


def settle(results: pl.LazyFrame, extras: Sequence[str] = ()) -> pl.LazyFrame:
    """After the caps: second payments only where eligible; funding covers every payment of a claim."""
    eligible = C("status") == "eligible"
    zeroed = [pl.when(eligible).then(C(e)).otherwise(0).cast(pl.Int64).alias(e) for e in extras]
    results = results.with_columns(zeroed) if zeroed else results
    total = pl.sum_horizontal([C("amount_cny"), *[C(e) for e in extras]]).cast(pl.Int64)
    return results.with_columns(C("funding").struct.with_fields(
        city_cny=total - C("funding").struct.field("district_cny")).alias("funding"))
