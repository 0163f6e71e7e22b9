"""Compare: two or more scenarios (run here, cached) or `skillsim run --out` folders side by
side: headline figures with 90 % intervals and what each covers, the validation table
against published figures, the budget by calendar year of payment, breakdowns, why claims
fail, by rule id, and the tornado of a sensitivity analysis."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, ui
from skillsim.dashboard.labels import TEXT, t
from skillsim.simulate.sensitivity import INDEX_COLUMNS

C = pl.col
DIMENSIONS = ["category", "level", "tier", "occupation", "payee", "district", "cert_kind"]
FIGURE_NAMES = ("budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny", "claims", "eligible_claims")

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


def named(key: str) -> str:
    """A figure's name in the current language (a name this dashboard does not know: as is)."""
    return t(key) if key in TEXT else key


def metric_names(column: str = "metric") -> pl.Expr:
    """The figures' names in the current language (looked up here: polars' worker threads
    cannot read the session's language)."""
    return C(column).replace({m: t(m) for m in FIGURE_NAMES})


def validation_table(checks: pl.DataFrame) -> pl.DataFrame:
    """The validation rows as shown: grade C as a lead only, inside as yes / no."""
    return checks.select(
        C("series").alias(t("series")), metric_names().alias(t("metric")),
        C("population").alias(t("population")),
        pl.when(C("year") == "").then(pl.lit(t("whole_run"))).otherwise(C("year")).alias(t("payment_year")),
        C("target").alias(t("target")),
        pl.when(C("grade") == "C").then(pl.lit(t("grade_c"))).otherwise(C("grade")).alias(t("grade")),
        *(C(c).alias(t(c)) for c in ("model_mean", "model_p05", "model_p95", "gap", "gap_pct")),
        C("inside").replace_strict({True: t("yes"), False: t("no")}, default=None, return_dtype=pl.String)
        .alias(t("inside")),
        *(C(c).alias(t(c)) for c in ("reference", "note", "warning")))


def show_sensitivity(sens: data.Sensitivity) -> None:
    """The tornado of one policy, variant and figure, its rows and the indices."""
    m = sens.manifest
    people = ", ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in (m.get("size") or {}).values())
    st.caption(t("sens_about", scenario=(m.get("scenario") or {}).get("name", sens.name), method=m["method"],
                 samples=m.get("samples"), runs=(m.get("runs") or {}).get("total"), seed=m.get("seed"), people=people))
    held = [h.get("key", "?") for h in m.get("held_central") or []]
    if held:
        st.caption(t("sens_held", names=", ".join(held)))
    torn = sens.tornado
    cols = st.columns(3)
    pid = cols[0].selectbox(t("policy"), torn["policy_id"].unique(maintain_order=True).to_list(),
                            format_func=ui.short_label, key="cmp_sens_policy")
    variant = cols[1].selectbox(t("variant"), torn.filter(C("policy_id") == pid)["variant"].unique(maintain_order=True)
                                .to_list(), format_func=named, key="cmp_sens_variant")
    figure = cols[2].selectbox(t("figure"), torn["figure"].unique(maintain_order=True).to_list(), format_func=named,
                               key="cmp_sens_figure")
    bars = figures.tornado(sens, pid, variant, figure)
    columns = {"rank": "rank", "assumption": "assumption", "low": "assumption_low", "high": "assumption_high",
               "at_low": "at_low", "at_high": "at_high", "swing": "swing", "central": "central",
               "source": "reference"}
    charts.tornado(bars, x_title=named(figure), titles={c: t(label) for c, label in columns.items()},
                   key="cmp_tornado_chart")
    st.dataframe(bars.select(*(C(c).alias(t(label)) for c, label in columns.items())), hide_index=True,
                 key="cmp_tornado")
    ui.download(bars, f"skillsim-tornado-{figure}", "cmp_tornado_download")
    method = m["method"]
    st.markdown(f"**{t('indices', method=method.capitalize())}**")
    idx = figures.indices(sens, pid, variant, figure)
    st.dataframe(idx.select(C("rank").alias(t("rank")), C("assumption").alias(t("assumption")),
                            *[c for c in idx.columns if c in INDEX_COLUMNS[method]],
                            C("source").alias(t("reference"))), hide_index=True, key="cmp_indices")
    ui.download(idx, f"skillsim-indices-{figure}", "cmp_indices_download")


if len(sources) < 2:
    st.info(t("pick_two"))
if sources:
    st.subheader(t("headline"))
    head = labelled(figures.headline(sources))
    for column, metric in zip([*st.columns(2), *st.columns(2)], figures.METRICS):
        with column:
            charts.interval_bars(head.filter(C("metric") == metric), "series", "series", title=t(metric),
                                 tooltip=[("covers", t("covers"))], key=f"cmp_chart_{metric}")
    st.caption(t("interval_note"))
    st.dataframe(head.select(C("series").alias(t("series")), metric_names().alias(t("metric")),
                             *(C(c).alias(t(c)) for c in ("mean", "p05", "p95", "covers"))),
                 hide_index=True, key="cmp_headline")
    ui.download(head, "skillsim-compare-headline", "cmp_headline_download")

    checks = labelled(figures.validation(sources))
    if not checks.is_empty():
        st.subheader(t("validation"))
        st.caption(t("validation_intro"))
        st.dataframe(validation_table(checks), hide_index=True, key="cmp_validation")
        ui.download(checks, "skillsim-compare-validation", "cmp_validation_download")

    years = labelled(figures.by_year(sources))
    if figures.several_years(years):
        st.subheader(t("by_year"))
        st.caption(t("by_year_intro"))
        charts.interval_bars(years.filter(C("metric") == "budget_cny"), "year", "series", title=t("budget_cny"),
                             x_title=t("payment_year"), key="cmp_years_chart")
        st.dataframe(years.select(C("series").alias(t("series")), C("year").alias(t("payment_year")),
                                  metric_names().alias(t("metric")),
                                  *(C(c).alias(t(c)) for c in ("mean", "p05", "p95"))),
                     hide_index=True, key="cmp_years")
        ui.download(years, "skillsim-compare-by-year", "cmp_years_download")

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

st.subheader(t("sensitivity"))
st.caption(t("sensitivity_intro"))
left, right = st.columns(2)
sens_folder = left.text_input(t("sens_folder"), key="cmp_sens_folder").strip()
quick = right.selectbox(t("sens_quick", size=f"{data.quick_size():,}", samples=data.QUICK_SAMPLES),
                        [None, *data.analysable()], format_func=lambda n: "—" if n is None else n,
                        key="cmp_sens_quick")
analysis = None
with ui.shown_errors():
    if sens_folder:          # a folder given wins over a quick analysis
        analysis = data.sensitivity_folder(sens_folder)
    elif quick:
        with st.spinner(t("sens_running", name=quick)):
            analysis = data.quick_sensitivity(quick)
if analysis is not None:
    show_sensitivity(analysis)
elif not sens_folder:
    st.caption(t("sens_none"))
