"""Tables the Compare and Cash-flow pages show, from a run's summary and breakdowns.

A run's breakdowns are per replication and population (long format, simulate/metrics.py);
the pages show, for each policy and variant, the sum over populations, as the mean over
replications and its 90 % interval (the 5th and 95th percentiles, as report.summary does).
A key missing from a replication counts as 0 there.
"""
from __future__ import annotations

from typing import Any, Mapping

import polars as pl

from skillsim.policies import all_policies, get_policy

from skillsim.simulate import sweep

from .data import Sensitivity, Source, Sweep
from .labels import t

C = pl.col
METRICS = ("budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny")
SERIES = ("source", "policy_id", "variant")
INTERVAL = {"mean": pl.Float64, "p05": pl.Float64, "p95": pl.Float64}


def series_label(source: str, pid: str, variant: str, reform_word: str) -> str:
    doc = get_policy(pid).meta.document
    return f"{source} · {doc}" + (f" · {reform_word}" if variant == "reform" else "")


def with_series(df: pl.DataFrame, reform_word: str) -> pl.DataFrame:
    """Add the ``series`` column the charts colour by."""
    return df.with_columns(pl.struct(*SERIES).map_elements(
        lambda s: series_label(s["source"], s["policy_id"], s["variant"], reform_word),
        return_dtype=pl.String).alias("series"))


def covers(summary: Mapping[str, Any], figure: Mapping[str, Any]) -> str:
    """What a figure's 90 % interval covers, as its summary.json says: sampling only where the
    run drew no uncertain assumption (manifest ``uncertain`` empty or absent), else the
    assumptions and sampling, with the share of the figure's variance from the assumptions
    (``from_assumptions``; null with fewer than two pairs of replications)."""
    if not (summary.get("manifest") or {}).get("uncertain"):
        return t("covers_sampling")
    share = figure.get("from_assumptions")
    return t("covers_unsplit") if share is None else t("covers_both", share=f"{share:.0%}")


def headline(sources: list[Source]) -> pl.DataFrame:
    """One row per source × policy × variant × metric: mean, p05, p95 and what the interval
    covers (from the summary)."""
    rows = []
    for src in sources:
        for pid, entry in src.summary["policies"].items():
            for variant, figures in (("baseline", entry), ("reform", entry.get("reform"))):
                if figures is None:
                    continue
                for m in METRICS:
                    rows.append({"source": src.name, "policy_id": pid, "variant": variant, "metric": m,
                                 **{k: float(figures[m][k]) for k in INTERVAL},
                                 "covers": covers(src.summary, figures[m])})
    return pl.DataFrame(rows, schema={**dict.fromkeys(SERIES, pl.String), "metric": pl.String, **INTERVAL,
                                      "covers": pl.String})


VALIDATION = {**dict.fromkeys(SERIES, pl.String), "metric": pl.String, "population": pl.String, "year": pl.String,
              "target": pl.Float64, "grade": pl.String, "model_mean": pl.Float64, "model_p05": pl.Float64,
              "model_p95": pl.Float64, "gap": pl.Float64, "gap_pct": pl.Float64, "inside": pl.Boolean,
              "reference": pl.String, "note": pl.String, "warning": pl.String}


def validation(sources: list[Source]) -> pl.DataFrame:
    """The validation rows of every source's summary (docs/validation.md), as summary.json holds
    them; ``year`` as text ("" for the whole run), the target's source line as ``reference``."""
    copied = ("metric", "population", "target", "grade", "model_mean", "model_p05", "model_p95", "gap", "gap_pct",
              "inside", "note", "warning")
    rows = [{"source": src.name, "policy_id": v["policy"], "variant": "baseline", **{k: v.get(k) for k in copied},
             "year": "" if v["year"] is None else str(v["year"]), "reference": v["source"]}
            for src in sources for v in src.summary.get("validation") or []]
    return pl.DataFrame(rows, schema=VALIDATION)


YEAR_METRICS = ("budget_cny", "beneficiaries", "claims")


def by_year(sources: list[Source]) -> pl.DataFrame:
    """Each policy's ``by_payment_year`` (its total over populations): a row per source ×
    policy × calendar year of payment × metric, mean, p05 and p95 as summary.json holds them."""
    rows = [{"source": src.name, "policy_id": pid, "variant": "baseline", "year": year, "metric": m,
             **{k: float(figures[m][k]) for k in INTERVAL}}
            for src in sources for pid, entry in src.summary["policies"].items()
            for year, figures in (entry.get("by_payment_year") or {}).items() for m in YEAR_METRICS]
    return pl.DataFrame(rows, schema={**dict.fromkeys(SERIES, pl.String), "year": pl.String, "metric": pl.String,
                                      **INTERVAL}).sort(*SERIES, "year", maintain_order=True)


def several_years(years: pl.DataFrame) -> bool:
    """Whether any policy of any source pays in more than one calendar year."""
    return (years.group_by("source", "policy_id").agg(C("year").n_unique())["year"].max() or 0) > 1


def tornado(sens: Sensitivity, pid: str, variant: str, figure: str) -> pl.DataFrame:
    """The tornado's rows of one policy, variant and figure, by rank (tornado.parquet), with the
    bar's ends (``from`` ≤ ``to``: the figure at the assumption's low and high end, so the
    bar's length is the swing) and the direction of the effect."""
    return (sens.tornado.filter((C("policy_id") == pid) & (C("variant") == variant) & (C("figure") == figure))
            .sort("rank")
            .with_columns(pl.min_horizontal("at_low", "at_high").alias("from"),
                          pl.max_horizontal("at_low", "at_high").alias("to"),
                          pl.when(C("at_high") >= C("at_low")).then(pl.lit(t("rises"))).otherwise(pl.lit(t("falls")))
                          .alias("direction")))


def indices(sens: Sensitivity, pid: str, variant: str, figure: str) -> pl.DataFrame:
    """The indices of one policy, variant and figure, by rank (indices.parquet)."""
    return (sens.indices.filter((C("policy_id") == pid) & (C("variant") == variant) & (C("figure") == figure))
            .sort("rank"))


def sweep_curve(sw: Sweep, pid: str, x: str, fixed: Mapping[str, Any], difference: bool = False) -> pl.DataFrame:
    """One policy's figures along axis ``x`` of a sweep, the other axes at ``fixed`` (key -> value):
    a row per point and figure, ``x`` (the axis's value), ``metric``, and the mean, p05 and p95
    over replications as ``skillsim sweep`` prints them (simulate/sweep.py's intervals);
    ``difference``: each figure's difference from the baseline instead."""
    keys = [a["key"] for a in sw.axes]
    rows = sw.frame.filter(C("policy_id") == pid, *(C(k) == v for k, v in fixed.items()))
    out = [{"point": r["point"], "x": r[x], "metric": m, **r[sweep.DIFF + m if difference else m]}
           for r in sweep.intervals(rows, keys) for m in sweep.FIGURES]
    return pl.DataFrame(out, schema={"point": pl.Int32, "x": sw.frame.schema[x], "metric": pl.String, **INTERVAL})


def _per_replication(src: Source, dimension: str, value: pl.Expr) -> pl.DataFrame:
    """``value`` summed over populations, for every replication, policy, variant and key."""
    return (src.breakdowns.filter(C("dimension") == dimension)
            .group_by("replication", "policy_id", "variant", "key").agg(value.sum().alias("value"))
            .with_columns(pl.lit(src.name).alias("source")))


def by_key(sources: list[Source], dimension: str, value: pl.Expr = C("budget_cny")) -> pl.DataFrame:
    """Mean over replications of ``value`` by key (a breakdown: group, level, tier, …)."""
    parts = []
    for src in sources:
        reps = max(src.breakdowns["replication"].n_unique(), 1)
        parts.append(_per_replication(src, dimension, value).group_by(*SERIES, "key")
                     .agg((C("value").sum() / reps).alias("mean")))
    if not parts:
        return pl.DataFrame(schema={**dict.fromkeys(SERIES, pl.String), "key": pl.String, "mean": pl.Float64})
    return pl.concat(parts).sort(*SERIES, "mean", descending=[False, False, False, True])


def failures(sources: list[Source]) -> pl.DataFrame:
    """Claims turned down, by the rule that decided (mean over replications), largest first."""
    out = by_key(sources, "deciding_rule", C("claims") - C("eligible_claims"))
    return out.filter(C("mean") > 0)


def top_keys(df: pl.DataFrame, n: int) -> pl.DataFrame:
    """Only the ``n`` keys with the largest total (occupations: there are hundreds)."""
    keep = df.group_by("key").agg(C("mean").sum()).sort("mean", descending=True).head(n)["key"]
    return df.filter(C("key").is_in(keep.implode()))


def monthly(src: Source, cumulative: bool) -> pl.DataFrame:
    """Payments by month (each policy's payment_month): mean, p05, p95 over
    replications, per policy and variant; cumulative sums within each replication if asked."""
    per = _per_replication(src, "payment_month", C("budget_cny")).filter(C("key") != "(none)")
    if per.is_empty():
        return pl.DataFrame(schema={**dict.fromkeys(SERIES, pl.String), "month": pl.Date, "mean": pl.Float64,
                                    "p05": pl.Float64, "p95": pl.Float64})
    # every replication gets every month of its series (0 where nothing was paid)
    grid = (per.select(*SERIES, "key").unique()
            .join(per.select("replication").unique(), how="cross"))
    per = grid.join(per, on=[*SERIES, "key", "replication"], how="left").with_columns(C("value").fill_null(0))
    per = per.with_columns(C("key").str.to_date("%Y-%m").alias("month")).sort("month")
    if cumulative:
        per = per.with_columns(C("value").cum_sum().over(*SERIES, "replication", order_by="month"))
    return (per.group_by(*SERIES, "month")
            .agg(C("value").mean().alias("mean"), C("value").quantile(0.05, "linear").alias("p05"),
                 C("value").quantile(0.95, "linear").alias("p95"))
            .sort(*SERIES, "month"))


def occupation_names() -> dict[str, str]:
    """Occupation code → official name, from every registered policy's catalog (codes outside
    them stay codes; where catalogs name a code differently, the first policy by id wins)."""
    names: dict[str, str] = {}
    for policy in reversed(all_policies()):
        cat = policy.catalog
        if cat is not None and "code" in cat.columns:
            names.update(dict(cat.filter(C("code").is_not_null()).select("code", "name").iter_rows()))
    return names


def rule_title(pid: str, rule: str) -> str:
    rules = get_policy(pid).rules
    return f"{rule} {rules[rule].title}" if rule in rules else rule
