"""Cash flow: the monthly payments of one or more scenarios over time (each policy's payment
month: a publicity calendar, a delay after application), overlaid on one chart and coloured
by jurisdiction, mean over replications with a 90 % band; a scenario with a [reform]: the
reform's line (dashed) beside its baseline's, or the difference, paired by replication; what
the figures rest on (dashboard/provenance.py), with each run's validation table."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, formats, provenance, ui
from skillsim.dashboard.labels import t

C = pl.col

ui.header("page_cashflow", "cashflow_intro")
ready = data.ready()
left, right = st.columns([3, 1])
default = [n for n in ready if n in data.baselines()] or ready[data.default_index(ready):][:1]
names = left.multiselect(t("scenarios"), ready, default=default, key="cf_scenarios", bind="query-params")
cumulative = right.toggle(t("cumulative"), key="cf_cumulative", bind="query-params")
sources: list[data.Source] = []
for name in names:
    with ui.shown_errors(), st.spinner(t("running", name=name)):
        sources.append(data.source(name))
provenance.panel([(provenance.of_summary(src.name, src.summary),
                   provenance.validation_table(figures.with_series(figures.validation([src]), t("reform"))))
                  for src in sources], "cf_basis")
reformed = [src for src in sources if any("reform" in e for e in src.summary["policies"].values())]
difference = bool(reformed) and st.radio(
    t("cf_reform_view"), [False, True], format_func=lambda d: t("cf_difference" if d else "cf_lines"),
    horizontal=True, key="cf_reform_difference", bind="query-params")
with ui.shown_errors():
    parts = [figures.monthly(src, cumulative) for src in sources]
    if difference:     # a reformed scenario's lines give way to the reform's difference from its baseline
        parts = [p.filter(C("variant") == "baseline") if src in reformed else p for src, p in zip(sources, parts)]
        parts += [figures.monthly_difference(src, cumulative) for src in reformed]
    flow = pl.concat(parts) if parts else pl.DataFrame(schema=figures.MONTHLY)
    flow = figures.with_series(flow, t("reform")).with_columns(
        pl.when(C("variant") == "difference").then(pl.format("{} · {}", "series", pl.lit(t("difference"))))
        .otherwise("series").alias("series"),
        C("variant").replace_strict({"baseline": t("baseline"), "reform": t("reform"),
                                     "difference": t("difference")}, return_dtype=pl.String).alias("line"))
    if flow.is_empty():
        st.info(t("no_payments"))
    else:
        unit = formats.money_unit([*flow["mean"], *flow["p95"]])
        title, axis = charts.value_axis("budget_cny", t("paid"), [*flow["mean"], *flow["p95"]])
        labelled = flow.with_columns(pl.Series("label", [formats.money(v, unit) for v in flow["mean"]],
                                               dtype=pl.String))
        charts.monthly_band(labelled, "series", x_title=t("month"), y_title=title, key="cf_chart",
                            colors=figures.colors(flow), axis=axis, label="label",
                            dash="line" if flow["line"].n_unique() > 1 else None)
    shown = figures.written(flow, ("mean", "p05", "p95"), "budget_cny")
    st.dataframe(shown.select(C("series").alias(t("series")), C("month").dt.strftime("%Y-%m").alias(t("month")),
                              *(C(c).alias(t(c)) for c in ("mean", "p05", "p95"))), hide_index=True, key="cf_table")
    ui.download(flow.drop("line"), "skillsim-cashflow-" + "-".join(names), "cf_download")
