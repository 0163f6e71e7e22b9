"""Tables the Compare and Cash-flow pages show, from a run's summary and breakdowns.

A run's breakdowns are per replication and population (long format, simulate/metrics.py);
the pages show, for each policy and variant, the sum over populations, as the mean over
replications and its 90 % interval (the 5th and 95th percentiles, as report.summary does).
A key missing from a replication counts as 0 there.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

import polars as pl

from skillsim.policies import UnknownPolicy, all_policies, get_policy

from skillsim.simulate import sweep

from . import formats
from .data import Sensitivity, Source, Sweep
from .names import rule_name
from .labels import city, series_colors, t

C = pl.col
METRICS = ("budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny")
SERIES = ("source", "policy_id", "variant")
INTERVAL = {"mean": pl.Float64, "p05": pl.Float64, "p95": pl.Float64}


def policy_city(pid: str) -> str | None:
    """A policy's jurisdiction (None for a policy not registered here: an output folder
    written where a plug-in was installed)."""
    try:
        return get_policy(pid).meta.city
    except UnknownPolicy:
        return None


def _document(pid: str) -> str:
    try:
        return get_policy(pid).meta.document
    except UnknownPolicy:
        return pid


def series_names(keys: Iterable[tuple[str, str, str]], reform_word: str) -> dict[tuple[str, str, str], str]:
    """The name of each (source, policy, variant) series: the jurisdiction's name and the
    document ("北京 · 京人社能发〔2026〕2号"), "· reform" for a reform; the source in brackets
    only where two series would otherwise share a name (the same policy in two runs)."""
    keys = list(dict.fromkeys(keys))
    base = {k: f"{city(policy_city(k[1]))} · {_document(k[1])}" + (f" · {reform_word}" if k[2] == "reform" else "")
            for k in keys}
    twice = Counter(base.values())
    return {k: name + (f" ({k[0]})" if twice[name] > 1 else "") for k, name in base.items()}


def with_series(df: pl.DataFrame, reform_word: str,
                shown: Iterable[tuple[str, str, str]] = ()) -> pl.DataFrame:
    """Add the ``series`` column the charts colour by and each series' ``city`` (names looked
    up here: polars' worker threads cannot read the session's language); ``shown``: every
    series on the page, so a series has one name in every table of it."""
    keys = list(df.select(*SERIES).unique(maintain_order=True).iter_rows())
    names = series_names([*shown, *keys], reform_word)
    cities = {pid: policy_city(pid) for pid in {k[1] for k in keys}}
    return df.with_columns(
        pl.struct(*SERIES).map_elements(lambda s: names[(s["source"], s["policy_id"], s["variant"])],
                                        return_dtype=pl.String).alias("series"),
        C("policy_id").replace_strict(cities, default=None, return_dtype=pl.String).alias("city"))


def colors(df: pl.DataFrame) -> dict[str, str]:
    """Each series' colour (a frame ``with_series``): its jurisdiction's, a shade per series there."""
    return series_colors(df.select("series", "city").unique(maintain_order=True).iter_rows())


def written(df: pl.DataFrame, columns: Iterable[str], metric: str = "metric", *, sign: bool = False,
            units: Iterable[str | None] | None = None) -> pl.DataFrame:
    """``columns`` of figures written as the page shows them (formats.figure by each row's
    ``metric`` column, or ``metric`` itself where the frame has no such column); the budgets
    of these columns in one unit, that of the largest, or each row's in ``units`` (None: each
    amount in its own)."""
    columns = list(columns)
    metrics = df[metric].to_list() if metric in df.columns else [metric] * df.height
    one = formats.money_unit(v for c in columns for m, v in zip(metrics, df[c].to_list())
                             if formats.KINDS.get(m) == "money")
    per_row = list(units) if units is not None else [one] * df.height
    return df.with_columns(pl.Series(c, [formats.figure(m, v, u, sign=sign)
                                         for m, v, u in zip(metrics, df[c], per_row)], dtype=pl.String)
                           for c in columns)


def against(head: pl.DataFrame, reference: str) -> pl.DataFrame:
    """Each series' mean of each headline figure beside the ``reference`` series': the
    difference (mean − the reference's) and the ratio (mean ÷ the reference's; null where the
    reference's is 0). ``head``: ``headline`` rows ``with_series``."""
    ref = head.filter(C("series") == reference).select("metric", C("mean").alias("reference"))
    return (head.select("series", "city", *SERIES, "metric", "mean").join(ref, on="metric", how="left")
            .with_columns((C("mean") - C("reference")).alias("difference"),
                          pl.when(C("reference") != 0).then(C("mean") / C("reference")).alias("ratio")))


def short_names(series: list[str], cities: Mapping[str, str | None], reform: Mapping[str, bool],
                reform_word: str) -> dict[str, str]:
    """A column header per series: the jurisdiction's name (· reform), where that is enough
    to tell the series apart; else the series' whole name."""
    short = {s: city(cities.get(s)) + (f" · {reform_word}" if reform.get(s) else "") for s in series}
    twice = Counter(short.values())
    return {s: name if twice[name] == 1 else s for s, name in short.items()}


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


MONTHLY = {**dict.fromkeys(SERIES, pl.String), "month": pl.Date, **INTERVAL}


def _monthly_values(src: Source, cumulative: bool) -> pl.DataFrame:
    """Each replication's payments by month (each policy's payment_month, summed over
    populations), per policy and variant: every month any variant of the policy pays in, 0
    where this one pays nothing; cumulative within each replication if asked."""
    per = _per_replication(src, "payment_month", C("budget_cny")).filter(C("key") != "(none)")
    if per.is_empty():
        return per.with_columns(pl.lit(None, pl.Date).alias("month"))
    grid = (per.select("source", "policy_id", "variant").unique()
            .join(per.select("source", "policy_id", "key").unique(), on=["source", "policy_id"])
            .join(per.select("replication").unique(), how="cross"))
    per = grid.join(per, on=[*SERIES, "key", "replication"], how="left").with_columns(C("value").fill_null(0))
    per = per.with_columns(C("key").str.to_date("%Y-%m").alias("month")).sort("month")
    if cumulative:
        per = per.with_columns(C("value").cum_sum().over(*SERIES, "replication", order_by="month"))
    return per


def _by_month(per: pl.DataFrame) -> pl.DataFrame:
    """Mean, p05 and p95 over replications of each series' month."""
    if per.is_empty():
        return pl.DataFrame(schema=MONTHLY)
    return (per.group_by(*SERIES, "month")
            .agg(C("value").mean().alias("mean"), C("value").quantile(0.05, "linear").alias("p05"),
                 C("value").quantile(0.95, "linear").alias("p95"))
            .sort(*SERIES, "month").select(*MONTHLY))


def monthly(src: Source, cumulative: bool) -> pl.DataFrame:
    """Payments by month (each policy's payment_month): mean, p05, p95 over
    replications, per policy and variant; cumulative sums within each replication if asked."""
    return _by_month(_monthly_values(src, cumulative))


def monthly_difference(src: Source, cumulative: bool) -> pl.DataFrame:
    """A reform's payments by month less its baseline's, paired by replication (the reform runs
    on the baseline's people), for every policy with a reform: mean, p05 and p95 of the
    differences, variant "difference"."""
    per = _monthly_values(src, cumulative)
    if per.is_empty():
        return pl.DataFrame(schema=MONTHLY)
    on = ["source", "policy_id", "replication", "month"]
    reform = per.filter(C("variant") == "reform").select(*on, C("value").alias("reform"))
    base = per.filter(C("variant") == "baseline").select(*on, C("value").alias("baseline"))
    return _by_month(reform.join(base, on=on, how="left")
                     .select(*on, pl.lit("difference").alias("variant"),
                             (C("reform") - C("baseline").fill_null(0)).alias("value")))


# ---------------------------------------------------------------- the swap: people × policies

SWAP_METRICS = ("budget_cny", "beneficiaries", "coverage")


def several_populations(summary: Mapping[str, Any]) -> bool:
    """Whether a run holds a policy over several populations (the swap: every jurisdiction's
    people under every jurisdiction's policy)."""
    return any(len(e["by_population"]) > 1 for e in summary["policies"].values())


def home_cities(summary: Mapping[str, Any]) -> dict[str, str | None]:
    """Each population's own jurisdiction: the city of a policy it runs without being moved to
    that policy's city (summary.json's manifest ``moved``); None where none is."""
    moved = (summary.get("manifest") or {}).get("moved") or {}
    out: dict[str, str | None] = {}
    for pid, entry in summary["policies"].items():
        for pop in entry["by_population"]:
            out.setdefault(pop, None)
            if pid not in (moved.get(pop) or {}) and out[pop] is None:
                out[pop] = entry.get("city")
    return out


def swap(src: Source) -> pl.DataFrame:
    """Each population under each policy (summary.json's ``by_population``): a row per
    population × policy × figure (budget, beneficiaries, coverage), mean, p05 and p95, with
    the population's own jurisdiction (``home``) and the policy's (``city``)."""
    homes = home_cities(src.summary)
    rows = [{"source": src.name, "population": pop, "home": homes.get(pop), "policy_id": pid,
             "city": entry.get("city"), "metric": m, **{k: float(figures[m][k]) for k in INTERVAL}}
            for pid, entry in src.summary["policies"].items()
            for pop, figures in entry["by_population"].items() for m in SWAP_METRICS]
    return pl.DataFrame(rows, schema={"source": pl.String, "population": pl.String, "home": pl.String,
                                      "policy_id": pl.String, "city": pl.String, "metric": pl.String, **INTERVAL})


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
    """"<id> <title>" in the chosen language (names.rule_name; call it in the script's thread)."""
    return rule_name(pid, rule)
