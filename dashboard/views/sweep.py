"""Sweep: a `skillsim sweep --out` folder (docs/sweep.md): one policy's budget and coverage
against a swept parameter, each point's mean and 90 % interval over replications, as the
figures or as differences from the baseline on the same drawn people. The swept parameters are
shown by their plain names (their policy's parameters.toml label), the code key in the help."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, provenance, ui
from skillsim.dashboard.labels import t
from skillsim.dashboard.names import param_label
from skillsim.policies import UnknownPolicy, get_policy

C = pl.col
CHARTED = ("budget_cny", "coverage")


def axis_name(axis: dict) -> str:
    """A swept parameter's plain name; its key where its policy is not registered here or the
    policy has no such parameter."""
    try:
        params = get_policy(axis.get("policy_id", "")).parameters
    except UnknownPolicy:
        return axis["key"]
    return param_label(params.meta(axis["parameter"])) if axis.get("parameter") in params else axis["key"]

ui.header("page_sweep", "sweep_intro")
folder = st.text_input(t("sweep_folder"), key="swp_folder", bind="query-params").strip()
sw = None
with ui.shown_errors():
    if folder:
        sw = data.sweep_folder(folder)
if sw is None:
    if not folder:
        st.caption(t("sweep_none"))
    st.stop()

m = sw.manifest
provenance.panel([(provenance.of_sweep(m, data.ready()), None)], "swp_basis")
axes = {a["key"]: a for a in sw.axes}
people = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in (m.get("population_sizes") or {}).items())
st.caption(t("sweep_about", scenario=(m.get("scenario") or {}).get("name", sw.name),
             points=(m.get("grid") or {}).get("points"), reps=m.get("replications"), seed=m.get("seed"), people=people))
st.caption(t("sweep_baseline", values=", ".join(f"{axis_name(a)} = {a.get('baseline')}" for a in axes.values())))

cols = st.columns(2)
pid = cols[0].selectbox(t("policy"), sw.frame["policy_id"].unique(maintain_order=True).to_list(),
                        format_func=ui.short_label, key="swp_policy", bind="query-params")
x = cols[1].selectbox(t("sweep_axis"), list(axes), format_func=lambda k: axis_name(axes[k]), key="swp_axis",
                      bind="query-params", help=", ".join(axes))
fixed = {}
others = [k for k in axes if k != x]
for column, key in zip(st.columns(max(len(others), 1)), others):
    values = sw.frame[key].unique(maintain_order=True).to_list()
    at = values.index(axes[key]["baseline"]) if axes[key].get("baseline") in values else 0
    fixed[key] = column.selectbox(t("sweep_held", name=axis_name(axes[key])), values, index=at, key=f"swp_held_{key}",
                                  bind="query-params", help=key)
difference = st.radio(t("sweep_show"), [False, True], horizontal=True, key="swp_difference", bind="query-params",
                      format_func=lambda d: t("sweep_differences" if d else "sweep_levels"))

curve = figures.sweep_curve(sw, pid, x, fixed, difference)
dtype = sw.frame.schema[x]
x_type = "Q" if dtype.is_numeric() else "T" if dtype == pl.Date else "O"
for column, metric in zip(st.columns(len(CHARTED)), CHARTED):
    with column:     # budgets in one unit (万元, 亿元), coverage in %, as on Compare
        mine = curve.filter(C("metric") == metric)
        title, axis = charts.value_axis(metric, t(provenance.PLAIN[metric]) + (" Δ" if difference else ""),
                                        [*mine["mean"], *mine["p05"], *mine["p95"]])
        charts.interval_line(mine, x_type, x_title=axis_name(axes[x]), y_title=title, axis=axis,
                             key=f"swp_chart_{metric}")
st.caption(t("interval_note"))
# every figure as the pages write it: a budget in one unit, coverage in % (a difference in percentage
# points), counts whole; each figure's own unit (a budget's: that of its largest)
shown = figures.written(curve, ("mean", "p05", "p95"), sign=difference)
st.dataframe(shown.select(C("x").alias(axis_name(axes[x])), C("metric").replace({f: t(provenance.PLAIN.get(f, f))
                                                                                for f in curve["metric"].unique()})
                          .alias(t("metric")), *(C(c).alias(t(c)) for c in ("mean", "p05", "p95"))),
             hide_index=True, key="swp_table")
ui.download(curve, "skillsim-sweep", "swp_download")
