"""Your own claims under named policies: results, a flat table of them, and their totals.

    results = evaluate(claims, ["beijing-2026-key-groups", "shanghai-2025-skills-upgrade"])
    flatten(results).write_csv("results.csv")      # no nested columns
    summarise(results)                              # claims, eligible, budget by policy and status

``evaluate`` puts every claim through each policy and then its population caps across the
whole frame (``runner.run_policy``: a person's second certificate, an enterprise's yearly
cap), so a claim's result can depend on the others of the same person or group. Claims are
taken as they are: no city is swapped (a Shanghai claim under a Beijing policy is the
person applying in Beijing with those facts, and mostly out of scope there).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping, Sequence

import polars as pl

from skillsim.policies import PolicyError, get_policy
from skillsim.policies.contract import validate_frame
from skillsim.policies.engine import collect

from . import metrics
from .claims_file import json_text

ROW = "row"  # each result's claim: its row in the file (1 = first claim) or position in the frame
POLICIES_AT_ONCE = 2  # policies evaluated at the same time (each holds its intermediate frames)


def evaluate(claims: pl.DataFrame, policies: Sequence[str], overrides: Mapping[str, Mapping[str, Any]] | None = None,
             caps: bool = True, *, rows: pl.Series | None = None, validate: bool = True) -> pl.DataFrame:
    """Every claim under each policy: one row per (claim, policy), the claim's columns, then
    ``policy_id`` and the result (status, deciding_rule, amount_cny, …, funding, rules).

    ``overrides``: {policy id: {parameter: value}} (a reform, as ``--set``); ``caps=False``
    decides each claim alone (its own prior_subsidies only). ``rows``: each claim's row in
    its file (``load_claims(...).rows``, increasing), kept in the ``row`` column; else 1, 2, … .
    ``validate=False`` skips the contract's checks of a frame that has passed them (as
    ``read_claims`` returns it). Order: policy by policy as named, claims in frame order.
    """
    policies = list(policies)
    _check_names(policies, overrides or {})
    if validate:
        claims = validate_frame(claims)
    if rows is not None and (rows.len() != claims.height or (rows.len() > 1 and not (rows.diff().drop_nulls() > 0).all())):
        raise ValueError("rows: one increasing row number per claim (as load_claims gives them)")
    numbered = claims.with_columns(
        (pl.int_range(1, pl.len() + 1, dtype=pl.Int64) if rows is None else pl.lit(rows, pl.Int64)).alias(ROW))

    def one(pid: str) -> pl.DataFrame:
        policy = get_policy(pid)
        params = policy.params((overrides or {}).get(pid))
        res = policy.evaluate(numbered, params, detail="rules", validate=False)
        # the caps over the whole frame at once (runner.run_policy): they touch only the rows that can change
        res = collect(policy.population_caps(res, params) if caps else res)
        # the result columns beside the claims as given, in the frame's order (the built-in caps
        # keep it; a plug-in's may not)
        mine = res.select(ROW, pl.exclude(numbered.columns))
        mine = (mine if mine[ROW].is_sorted() else mine.sort(ROW)).drop(ROW)
        return pl.concat([numbered, mine], how="horizontal")

    # two policies at once: each leaves polars' threads idle between the small steps of its caps
    with ThreadPoolExecutor(max_workers=POLICIES_AT_ONCE) as pool:
        out = list(pool.map(one, policies))
    if not out:
        return numbered.select(ROW).clear()
    res = pl.concat(out, how="diagonal_relaxed")  # a policy may add result columns (BJSA's second payments)
    return res.select(ROW, pl.exclude(ROW))


def _check_names(policies: list[str], overrides: Mapping[str, Mapping[str, Any]]) -> None:
    twice = sorted({p for p in policies if policies.count(p) > 1})
    if twice:
        raise PolicyError(f"policy {twice[0]} is named twice")
    for pid in policies:
        get_policy(pid)  # UnknownPolicy lists the known ones
    stray = sorted(set(overrides) - set(policies))
    if stray:
        raise PolicyError(f"overrides for {stray[0]}: it is not among the policies evaluated")


def flatten(results: pl.DataFrame) -> pl.DataFrame:
    """The same rows with no nested column, so that they write to CSV: a struct's fields
    become columns ``<column>_<field>`` (funding_city_cny, …), a list of text is joined with
    ";" (rules: "BJKG-A1;BJKG-T1"), any other list is JSON text (prior_subsidies, as a claims
    CSV holds it; reasons)."""
    exprs = []
    for name, dtype in results.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Struct):
            exprs += [col.struct.field(f.name).alias(f"{name}_{f.name}") for f in dtype.fields]
        elif isinstance(dtype, pl.List) and dtype.inner == pl.String:
            exprs.append(col.list.join(";"))
        elif isinstance(dtype, pl.List):
            exprs.append(json_text(col, dtype).alias(name))
        else:
            exprs.append(col)
    return results.select(exprs)


def summarise(results: pl.DataFrame) -> pl.DataFrame:
    """Per policy and status: claims, eligible claims and budget (yuan: amounts plus any
    second payment, as a run counts it), with a row ``status = "all"`` per policy."""
    figures = [pl.len().cast(pl.Int64).alias("claims"),
               (pl.col("status") == "eligible").sum().cast(pl.Int64).alias("eligible"),
               metrics.cost(results).sum().cast(pl.Int64).alias("budget_cny")]
    # one lazy pass (an eager group_by over 2 million results of 70 columns takes ten times
    # longer); the totals are the statuses' sums
    by_status = results.lazy().group_by("policy_id", "status").agg(figures).collect()
    total = by_status.group_by("policy_id").agg(pl.col("claims", "eligible", "budget_cny").sum()).with_columns(
        pl.lit("all").alias("status"))
    order = {pid: i for i, pid in enumerate(results["policy_id"].unique(maintain_order=True))}
    return (pl.concat([by_status, total.select(by_status.columns)])
            .sort(pl.col("policy_id").replace_strict(order, return_dtype=pl.Int64), pl.col("status") == "all",
                  "status"))


__all__ = ["evaluate", "flatten", "summarise", "ROW"]
