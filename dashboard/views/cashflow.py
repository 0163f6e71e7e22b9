"""Cash flow: the monthly payments of a scenario over time (each policy's payment month: a
publicity calendar, a delay after application), mean over replications with a 90 % band."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, ui
from skillsim.dashboard.labels import t

ui.header("page_cashflow", "cashflow_intro")
ready = data.ready()
left, right = st.columns([3, 1])
name = left.selectbox(t("scenario"), ready, index=data.default_index(ready), key="cf_scenario")
cumulative = right.toggle(t("cumulative"), key="cf_cumulative")
with ui.shown_errors():
    with st.spinner(t("running", name=name)):
        src = data.source(name)
    flow = figures.with_series(figures.monthly(src, cumulative), t("reform"))
    if flow.is_empty():
        st.info(t("no_payments"))
    else:
        charts.monthly_band(flow, "series", x_title=t("month"), y_title=t("paid_cny"), key="cf_chart")
    st.dataframe(flow.select(pl.col("series").alias(t("series")), pl.col("month").dt.strftime("%Y-%m").alias(t("month")),
                             pl.col("mean").alias(t("mean")), pl.col("p05").alias(t("p05")),
                             pl.col("p95").alias(t("p95"))), hide_index=True, key="cf_table")
    ui.download(flow, f"skillsim-cashflow-{name}", "cf_download")
