"""Sweep: a `skillsim sweep --out` folder (docs/sweep.md): one policy's budget and coverage
against a swept parameter, each point's mean and 90 % interval over replications, as the
figures or as differences from the baseline on the same drawn people."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, ui
from skillsim.dashboard.labels import t

C = pl.col
CHARTED = ("budget_cny", "coverage")

ui.header("page_sweep", "sweep_intro")
folder = st.text_input(t("sweep_folder"), key="swp_folder").strip()
sw = None
with ui.shown_errors():
    if folder:
        sw = data.sweep_folder(folder)
if sw is None:
    if not folder:
        st.caption(t("sweep_none"))
    st.stop()

m = sw.manifest
axes = {a["key"]: a for a in sw.axes}
people = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in (m.get("population_sizes") or {}).items())
st.caption(t("sweep_about", scenario=(m.get("scenario") or {}).get("name", sw.name),
             points=(m.get("grid") or {}).get("points"), reps=m.get("replications"), seed=m.get("seed"), people=people))
st.caption(t("sweep_baseline", values=", ".join(f"{k} = {a.get('baseline')}" for k, a in axes.items())))

cols = st.columns(2)
pid = cols[0].selectbox(t("policy"), sw.frame["policy_id"].unique(maintain_order=True).to_list(),
                        format_func=ui.short_label, key="swp_policy")
x = cols[1].selectbox(t("sweep_axis"), list(axes), key="swp_axis")
fixed = {}
others = [k for k in axes if k != x]
for column, key in zip(st.columns(max(len(others), 1)), others):
    values = sw.frame[key].unique(maintain_order=True).to_list()
    at = values.index(axes[key]["baseline"]) if axes[key].get("baseline") in values else 0
    fixed[key] = column.selectbox(t("sweep_held", name=key), values, index=at, key=f"swp_held_{key}")
difference = st.radio(t("sweep_show"), [False, True], horizontal=True, key="swp_difference",
                      format_func=lambda d: t("sweep_differences" if d else "sweep_levels"))

curve = figures.sweep_curve(sw, pid, x, fixed, difference)
dtype = sw.frame.schema[x]
x_type = "Q" if dtype.is_numeric() else "T" if dtype == pl.Date else "O"
for column, metric in zip(st.columns(len(CHARTED)), CHARTED):
    with column:
        charts.interval_line(curve.filter(C("metric") == metric), x_type, x_title=x,
                             y_title=t(metric) + (" Δ" if difference else ""), key=f"swp_chart_{metric}")
st.caption(t("interval_note"))
st.dataframe(curve.select(C("x").alias(x), C("metric").replace({f: t(f) for f in curve["metric"].unique()})
                          .alias(t("metric")), *(C(c).alias(t(c)) for c in ("mean", "p05", "p95"))),
             hide_index=True, key="swp_table")
ui.download(curve, "skillsim-sweep", "swp_download")
