"""Population caps shared by the calculators (SHSU-R7/R3/L1, BJKG-L1, BJSA-L1/5/6, BJHS-T1/A1).

``Policy.population_caps`` receives ``evaluate``'s output over a whole population; these
helpers turn down (or trim) the claims beyond a cap:

* ``in_order``: the per-person caps that a claim already checks against its own
  ``prior_subsidies`` (same occupation and level once, so many a year, once per person):
  each person's claims are taken in order of application and each is decided as
  ``explain`` decides it with the person's earlier *paid* claims added to its priors
  (``Policy.as_prior``). By construction it is the one-claim-at-a-time reading, re-routing
  (SHSU-M's next best category) included;
* ``cap_total``: at most ``cap`` yuan per group, not per person (per enterprise per year,
  BJSA-5; per project per year, BJSA-6; per host, BJHS-A1 when switched on). Claims are
  paid in order until the cap; the claim that crosses it gets the remainder (trimmed),
  later ones nothing.

Order within a person or group: application date, then the larger amount (as evaluated
on its own), then row order, so the result does not depend on how the population happens
to be sorted, except for full ties.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Sequence

import polars as pl

from .contract import FIELD_BY_NAME, PRIOR_DTYPE
from .engine import cap_claims, collect

if TYPE_CHECKING:
    from .engine import Policy
    from .parameters import ParameterSet

C = pl.col
ROW = "_cap_row"


def order(across_people: bool = True) -> list[pl.Expr]:
    """Claims in order of application; on one day the larger first, then by person, so that a
    cap across people (an enterprise's, a project's) picks the same claims however the rows
    were ordered or cut into parts; the row only orders one person's claims of one day.
    ``across_people=False``: groups of one person, where sorting by person is wasted (~8 %
    of Shanghai's caps)."""
    return [C("application_date"), -C("amount_cny"), *([C("person_id")] if across_people else []), C(ROW)]


RANK, ITEM, KEPT = "_io_rank", "_io_item", "skillsim_io_priors"


def in_order(policy: "Policy", results: pl.LazyFrame, p: "ParameterSet", key: str = "person_id") -> pl.LazyFrame:
    """Each claim of a person decided, in ``order()``, as one claim whose prior_subsidies
    are its own plus the person's earlier claims that were paid (``policy.as_prior``).

    Only people with an eligible claim and another claim can change (a few per cent of the
    rows): only their rows are taken out, and only their result columns are put back, by row
    position, so no claim column of the frame is copied. Each claim up to a person's first
    eligible one stands as evaluated. The later eligible claims go in rounds:
    a round evaluates every person's remaining ones with the priors paid so far; the first of
    each person is then decided (its priors are complete) and a paid one becomes a prior for
    the next round. A prior subsidy only ever closes a route or fails a check, never opens one
    (so a claim turned down here is turned down later too): the others turned down in a round
    leave the rounds, as do the claims not eligible to begin with, and all of these are
    evaluated once at the end with every earlier paid claim. Rounds: one more than the most
    claims paid to one person (a few), each over a few per cent of the rows.

    Rows come back in their order."""
    df = collect(results)
    eligible = df["status"] == "eligible"
    # the positions of people with an eligible claim, then of those of them with another claim
    # (is_duplicated over these rows only: over all of them it costs as much as the rounds)
    theirs = df[key].is_in(df[key].filter(eligible).unique().implode()).arg_true()
    shared = df[key].gather(theirs).is_duplicated()
    if not shared.any():
        return df.lazy()
    names = df.columns
    detail = "reasons" if "reasons" in names else "rules" if "rules" in names else "amounts"
    ok = C("status") == "eligible"
    at = theirs.filter(shared).cast(pl.Int64).alias(ROW)  # each taken row's position in df
    sub = (df[at].with_columns(at).sort([key, *order(key != "person_id")])
           .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(key).alias(RANK)))
    first = pl.when(ok).then(C(RANK)).min().over(key)
    sub = sub.select(ROW, *names, RANK, first.alias("_io_first"))
    done = [sub.filter(C(RANK) <= C("_io_first"))]
    items = done[0].filter(ok).select(key, RANK, policy.as_prior(p).alias(ITEM))
    pool = sub.filter((C(RANK) > C("_io_first")) & ok).drop("_io_first")
    later = [sub.filter((C(RANK) > C("_io_first")) & ~ok).drop("_io_first")]
    done[0] = done[0].drop("_io_first")
    while pool.height:
        ev = _with_paid_priors(policy, pool, items, p, detail, key, names)
        head = C(RANK) == C(RANK).min().over(key)
        ev = ev.with_columns(head.alias("_io_head"))
        done.append(ev.filter(C("_io_head")).drop("_io_head"))
        items = pl.concat([items, ev.filter(C("_io_head") & ok).select(key, RANK, policy.as_prior(p).alias(ITEM))])
        later.append(ev.filter(~C("_io_head") & ~ok).drop("_io_head"))
        pool = ev.filter(~C("_io_head") & ok).drop("_io_head")
    later_rows = pl.concat(later, how="vertical_relaxed")
    if later_rows.height:
        done.append(_with_paid_priors(policy, later_rows, items, p, detail, key, names))
    # a claim's own columns come back as they were: only the others (the results) are put back
    results_only = [c for c in names if c not in FIELD_BY_NAME]
    capped = pl.concat([d.select(ROW, *results_only) for d in done], how="vertical_relaxed")
    return put_back(df, capped, results_only).lazy()


def put_back(df: pl.DataFrame, rows: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``df`` with ``columns`` replaced at the positions ``rows[ROW]`` by ``rows``' values. A
    column whose values there are unchanged stays as it is; the others are written in place
    (a struct field by field), so the claim's strings and lists are never copied whole."""
    at = rows[ROW].cast(pl.UInt32)
    new = {}
    for c in columns:
        was, now = df[c], rows[c].cast(df.schema[c])
        if not now.equals(was.gather(at), check_dtypes=True, null_equal=True):
            new[c] = _scattered(was, at, now)
    return df.with_columns(new.values()) if new else df


def _scattered(was: pl.Series, at: pl.Series, now: pl.Series) -> pl.Series:
    """``was`` with the values ``now`` at positions ``at`` (``Series.scatter`` where polars has
    it: ~10x faster than a when/then over every row; a struct without nulls field by field)."""
    dtype = was.dtype
    if isinstance(dtype, pl.Struct) and not was.null_count() and not now.null_count():
        fields = [_scattered(was.struct.field(f.name), at, now.struct.field(f.name)) for f in dtype.fields]
        return pl.select(pl.struct(fields).alias(was.name)).to_series()
    if not dtype.is_nested():
        return was.clone().scatter(at, now)
    hit = pl.zeros(was.len(), pl.Boolean, eager=True).scatter(at, True)
    which = pl.zeros(was.len(), pl.UInt32, eager=True).scatter(at, pl.int_range(at.len(), dtype=pl.UInt32, eager=True))
    return pl.select(pl.when(hit).then(now.gather(which)).otherwise(was).alias(was.name)).to_series()


def _with_paid_priors(policy: "Policy", rows: pl.DataFrame, items: pl.DataFrame, p: "ParameterSet", detail: str,
                      key: str, names: list[str]) -> pl.DataFrame:
    """``rows`` evaluated again, each with the ``items`` of its person ranked before it added
    to its prior_subsidies (which come back as they were), keeping ROW, RANK and the columns
    that are neither claim nor result."""
    # a list per row built from its items exploded, not with concat_list (30x slower on structs)
    paid = (rows.select(ROW, key, RANK).join(items.rename({RANK: "_io_paid_rank"}), on=key)
            .filter(C("_io_paid_rank") < C(RANK)).select(ROW, "_io_paid_rank", C(ITEM).cast(PRIOR_DTYPE))
            .drop_nulls(ITEM))
    own = C("prior_subsidies").cast(pl.List(PRIOR_DTYPE))
    mine = (rows.select(ROW, own.alias(ITEM)).filter(C(ITEM).list.len() > 0).explode(ITEM)
            .select(ROW, pl.lit(-1, pl.Int64).alias("_io_paid_rank"), ITEM))
    priors = (pl.concat([mine, paid]).sort(ROW, "_io_paid_rank", maintain_order=True)
              .group_by(ROW, maintain_order=True).agg(ITEM))
    claims = (rows.select(*[c for c in names if c in FIELD_BY_NAME], ROW)
              .join(priors, on=ROW, how="left", maintain_order="left")
              .with_columns(own.alias(KEPT), C(ITEM).fill_null(pl.lit([], pl.List(PRIOR_DTYPE))).alias("prior_subsidies"))
              .drop(ITEM).rename({ROW: "skillsim_io_row"}))
    out = collect(policy.evaluate(claims, p, detail=detail, validate=False)
                  .with_columns(C(KEPT).alias("prior_subsidies")).rename({"skillsim_io_row": ROW}).drop(KEPT))
    have = set(out.columns)
    rest = [c for c in [*names, RANK] if c not in have]
    return out.join(rows.select(ROW, *rest), on=ROW, how="left", maintain_order="left").select(ROW, *names, RANK)


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
                           C(ROW), C("application_date"), C("amount_cny"), C("person_id"),
                           pl.struct(key_exprs).rank("dense").cast(pl.Int64).alias("_eg_group"),
                           value.cast(pl.Int64).alias("_eg_value"))
            .sort(["_eg_group", *order(not any(isinstance(k, str) and k == "person_id" for k in keys))]))
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


def settle(results: pl.LazyFrame, extras: Sequence[str] = (), kept: Sequence[str] = ()) -> pl.LazyFrame:
    """After the caps: second payments only where eligible (but those ``kept``, which do not
    depend on the claim's own payment); funding covers every payment of a claim."""
    eligible = C("status") == "eligible"
    zeroed = [pl.when(eligible).then(C(e)).otherwise(0).cast(pl.Int64).alias(e) for e in extras if e not in kept]
    results = results.with_columns(zeroed) if zeroed else results
    total = pl.sum_horizontal([C("amount_cny"), *[C(e) for e in extras]]).cast(pl.Int64)
    return results.with_columns(C("funding").struct.with_fields(
        city_cny=total - C("funding").struct.field("district_cny")).alias("funding"))
