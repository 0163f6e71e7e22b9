"""Compare: two or more scenarios (run here, cached) or `skillsim run --out` folders side by
side: headline figures with 90 % intervals, breakdowns, and why claims fail, by rule id."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, ui
from skillsim.dashboard.labels import t

C = pl.col
DIMENSIONS = ["category", "level", "tier", "occupation", "payee", "district", "cert_kind"]

ui.header("page_compare", "compare_intro")
ready = data.ready()
chosen = st.multiselect(t("scenarios"), ready, default=[n for n in ready if n.endswith("-baseline")] or ready[:2],
                        key="cmp_scenarios")
folders = [f.strip() for f in st.text_input(t("run_folders"), key="cmp_folders").split(",") if f.strip()]
sources: list[data.Source] = []
for name in chosen + folders:
    with ui.shown_errors(), st.spinner(t("running", name=name)):
        sources.append(data.source(name))
for src in sources:
    people = sum({pop: fig["target_population"] for e in src.summary["policies"].values()
                  for pop, fig in e["by_population"].items()}.values())
    st.caption(f"{src.name}: " + t("size_note", size=f"{people:,}", reps=src.summary["replications"]))


found = sorted({pid for src in sources for pid in src.summary["policies"]})
policies = st.multiselect(t("policies"), found, default=found, format_func=ui.short_label, key="cmp_policies")


def labelled(df: pl.DataFrame) -> pl.DataFrame:
    """Only the policies picked, with the series label the charts colour by."""
    return figures.with_series(df.filter(C("policy_id").is_in(policies)), t("reform"))


if len(sources) < 2:
    st.info(t("pick_two"))
if sources:
    st.subheader(t("headline"))
    head = labelled(figures.headline(sources))
    for column, metric in zip([*st.columns(2), *st.columns(2)], figures.METRICS):
        with column:
            charts.interval_bars(head.filter(C("metric") == metric), "series", "series", title=t(metric),
                                 key=f"cmp_chart_{metric}")
    st.dataframe(head.select("series", pl.col("metric").replace_strict({m: t(m) for m in figures.METRICS}),
                             "mean", "p05", "p95").rename({"series": t("series"), "metric": t("metric")}),
                 hide_index=True, key="cmp_headline")
    ui.download(head, "skillsim-compare-headline", "cmp_headline_download")

    st.subheader(t("breakdown"))
    dim = st.selectbox(t("dimension"), DIMENSIONS, format_func=lambda d: t(f"dim_{d}"), key="cmp_dimension")
    parts = labelled(figures.by_key(sources, dim))
    if dim == "occupation":
        names = figures.occupation_names()
        parts = figures.top_keys(parts, 15).with_columns(
            pl.col("key").map_elements(lambda k: f"{k} {names.get(k, '')}".strip(), return_dtype=pl.String))
    charts.horizontal_bars(parts, "key", "mean", "series", x_title=t("budget_cny"), y_title=t(f"dim_{dim}"),
                           key="cmp_breakdown_chart")
    st.dataframe(parts.select(pl.col("series").alias(t("series")), pl.col("key").alias(t("key")),
                              pl.col("mean").alias(t("budget_cny"))), hide_index=True, key="cmp_breakdown")
    ui.download(parts, f"skillsim-compare-{dim}", "cmp_breakdown_download")

    st.subheader(t("failures"))
    fails = labelled(figures.failures(sources)).with_columns(
        pl.struct("policy_id", "key").map_elements(lambda s: figures.rule_title(s["policy_id"], s["key"]),
                                                   return_dtype=pl.String).alias("rule"))
    charts.horizontal_bars(fails, "rule", "mean", "series", x_title=t("failed_claims"), y_title=t("rule"),
                           key="cmp_failures_chart")
    st.dataframe(fails.select(pl.col("series").alias(t("series")), pl.col("rule").alias(t("rule")),
                              pl.col("mean").alias(t("failed_claims"))), hide_index=True, key="cmp_failures")
    ui.download(fails, "skillsim-compare-failures", "cmp_failures_download")
