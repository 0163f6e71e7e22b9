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

from typing import Callable, Literal, Sequence

import polars as pl

from .engine import cap_claims, collect

C = pl.col
ROW = "_cap_row"


def order() -> list[pl.Expr]:
    return [C("application_date"), -C("amount_cny"), C(ROW)]


def earlier_in_group(results: pl.LazyFrame, value: pl.Expr, keys: Sequence[pl.Expr | str],
                     how: Literal["sum", "min"], name: str, empty: int = 0) -> pl.LazyFrame:
    """Add column ``name``: per row, the sum (or minimum) of ``value`` (an integer without
    nulls) over the earlier rows of its group in ``order()``; ``empty`` where there are
    none. Needs the ROW column (unique: the last tie-break).

    One sorted scan (the keys, order and value only, sorted by group then order; global
    cumulative sums or minimums reset at each group's start; put back in row order), not a
    window function: polars runs ``cum_min().over(...)`` group by group, 10x slower with
    thousands of groups."""
    # collected first: the frame is read twice below, and caps chained lazily would
    # otherwise re-run every earlier cap's plan twice over (2^n in the number of caps)
    results = collect(results).lazy()
    key_exprs = [C(k) if isinstance(k, str) else k for k in keys]
    g, v = C("_eg_group"), C("_eg_value")
    scan = (results.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_eg_pos"),
                           C(ROW), C("application_date"), C("amount_cny"),
                           pl.struct(key_exprs).rank("dense").cast(pl.Int64).alias("_eg_group"),
                           value.cast(pl.Int64).alias("_eg_value"))
            .sort(["_eg_group", *order()]))
    first = g != g.shift(1).fill_null(-1)
    if how == "sum":
        scan = scan.with_columns((v.cum_sum() - v).alias("_eg_before"))
        scan = scan.with_columns((C("_eg_before") - pl.when(first).then(C("_eg_before")).forward_fill()).alias(name))
    else:
        # each group in its own band of values, falling from group to group, so a running
        # minimum never reaches back into an earlier group: (G - g) * span + (v - lo)
        lo = v.min()
        scan = scan.with_columns(((g.max() + 1 - g) * (v.max() - lo + 1)).alias("_eg_band"))
        scan = scan.with_columns(pl.when(first).then(pl.lit(empty, pl.Int64)).otherwise(
            (C("_eg_band") + v - lo).cum_min().shift(1) - C("_eg_band") + lo).alias(name))
    # back in the rows' own order, beside them (a join would copy every column)
    return pl.concat([results, scan.sort("_eg_pos").select(name)], how="horizontal")


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


def over_limit(results: pl.LazyFrame, counted: pl.Expr, keys: Sequence[pl.Expr | str], limit: int | pl.Expr,
               already: pl.Expr | int = 0, name: str = "_cap_hit") -> pl.LazyFrame:
    """Add ``name``: True on the counted eligible claims beyond ``limit`` per group, after
    ``already`` earlier ones (needs the ROW column)."""
    n = (counted.fill_null(False) & (C("status") == "eligible")).cast(pl.Int64)
    results = earlier_in_group(results.with_columns(n.alias("_ol_counted")), C("_ol_counted"), keys, "sum",
                               "_ol_before")
    return (results.with_columns((C("_ol_counted").cast(pl.Boolean) & (C("_ol_before") + already >= limit))
                                 .alias(name)).drop("_ol_counted", "_ol_before"))


def cap_count(results: pl.LazyFrame, counted: pl.Expr, keys: Sequence[pl.Expr | str], limit: int | pl.Expr,
              rule: str, clause: str, message: pl.Expr | str, already: pl.Expr | int = 0) -> pl.LazyFrame:
    """Turn down the counted eligible claims beyond ``limit`` per group (``already`` = earlier ones)."""
    results = over_limit(results.with_row_index(ROW), counted, keys, limit, already)
    results = with_reason(results, C("_cap_hit") & (C("status") == "eligible"), rule, clause, message, True)
    return cap_claims(results, C("_cap_hit"), rule).drop(ROW, "_cap_hit")


def cap_total(results: pl.LazyFrame, counted: pl.Expr, keys: Sequence[pl.Expr | str], cap: int, rule: str,
              clause: str, message: pl.Expr | str) -> pl.LazyFrame:
    """At most ``cap`` yuan per group: trim the claim that crosses it, turn down the later ones."""
    counted = counted.fill_null(False) & (C("status") == "eligible")
    results = results.with_row_index(ROW).with_columns(
        pl.when(counted).then(C("amount_cny")).otherwise(0).alias("_cap_amt"))
    results = earlier_in_group(results, C("_cap_amt"), keys, "sum", "_cap_before")
    results = results.with_columns(
        (pl.lit(cap, pl.Int64) - C("_cap_before")).clip(0, C("_cap_amt")).alias("_cap_paid"))
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
    return results.drop(ROW, "_cap_amt", "_cap_before", "_cap_paid", "_cap_zero", "_cap_trim")


def settle(results: pl.LazyFrame, extras: Sequence[str] = ()) -> pl.LazyFrame:
    """After the caps: second payments only where eligible; funding covers every payment of a claim."""
    eligible = C("status") == "eligible"
    zeroed = [pl.when(eligible).then(C(e)).otherwise(0).cast(pl.Int64).alias(e) for e in extras]
    results = results.with_columns(zeroed) if zeroed else results
    total = pl.sum_horizontal([C("amount_cny"), *[C(e) for e in extras]]).cast(pl.Int64)
    return results.with_columns(C("funding").struct.with_fields(
        city_cny=total - C("funding").struct.field("district_cny")).alias("funding"))
