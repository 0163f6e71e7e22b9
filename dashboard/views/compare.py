"""Compare: two or more scenarios (run here, cached) or `skillsim run --out` folders side by
side: at a glance, each jurisdiction's headline figures in 万元/亿元 and %, with the difference
from and ratio to a reference; the headline figures with 90 % intervals and what each covers
(values on the bars, a colour per jurisdiction); each jurisdiction's people under each
policy (a swap run's by_population); the validation table against published figures, the
budget by calendar year of payment, breakdowns, why claims fail, by rule id, and the
tornado of a sensitivity analysis. Numbers are written by dashboard/formats.py; what the
figures rest on (each run's assumptions, sources and grades) and the validation table come
from dashboard/provenance.py, shared with the other pages of simulated figures."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, formats, provenance, ui
from skillsim.dashboard.labels import TEXT, city, t
from skillsim.dashboard.names import rule_name
from skillsim.dashboard.provenance import PLAIN, metric_names, validation_table
from skillsim.simulate.metrics import NONE
from skillsim.simulate.sensitivity import INDEX_COLUMNS

C = pl.col
DIMENSIONS = ["category", "level", "tier", "occupation", "payee", "district", "cert_kind"]

ui.header("page_compare", "compare_intro")
ready = data.ready()
chosen = st.multiselect(t("scenarios"), ready, default=[n for n in ready if n in data.baselines()] or ready[:2],
                        key="cmp_scenarios", bind="query-params")
folders = [f.strip() for f in st.text_input(t("run_folders"), key="cmp_folders", bind="query-params").split(",")
           if f.strip()]
sources: list[data.Source] = []
for name in chosen + folders:
    with ui.shown_errors(), st.spinner(t("running", name=name)):
        sources.append(data.source(name))
for src in sources:
    people = sum({pop: fig["target_population"] for e in src.summary["policies"].values()
                  for pop, fig in e["by_population"].items()}.values())
    st.caption(f"{src.name}: " + t("size_note", size=f"{people:,}", reps=src.summary["replications"]))
provenance.panel([(provenance.of_summary(src.name, src.summary), None) for src in sources], "cmp_basis")


found = sorted({pid for src in sources for pid in src.summary["policies"]})
policies = st.multiselect(t("policies"), found, default=found, format_func=ui.short_label, key="cmp_policies",
                          bind="query-params")
# every series the page shows (source, policy, variant): one name each in every table
page_series = list(figures.headline(sources).filter(C("policy_id").is_in(policies))
             .select(*figures.SERIES).unique(maintain_order=True).iter_rows())


def labelled(df: pl.DataFrame) -> pl.DataFrame:
    """Only the policies picked, with the series label the charts colour by."""
    return figures.with_series(df.filter(C("policy_id").is_in(policies)), t("reform"), page_series)


def glance_table(head: pl.DataFrame, reference: str) -> pl.DataFrame:
    """A row per headline figure: each series' mean (its column headed by the jurisdiction's
    name), then each other series' difference from the reference and ratio to it."""
    rows = figures.against(head, reference)
    series = head["series"].unique(maintain_order=True).to_list()
    cities = dict(head.select("series", "city").unique().iter_rows())
    reform = {s: v == "reform" for s, v in head.select("series", "variant").unique().iter_rows()}
    short = figures.short_names(series, cities, reform, t("reform"))
    ref = short[reference]
    out = []
    for metric in figures.METRICS:
        mine = {r["series"]: r for r in rows.filter(C("metric") == metric).iter_rows(named=True)}
        unit = formats.money_unit([v for r in mine.values() for v in (r["mean"], r["difference"])])
        row = {t("figure"): t(PLAIN[metric])}
        row.update({short[s]: formats.figure(metric, mine[s]["mean"], unit) for s in series})
        for s in series:
            if s != reference:
                row[f"{short[s]} − {ref}"] = formats.figure(metric, mine[s]["difference"], unit, sign=True)
                row[f"{short[s]} ÷ {ref}"] = formats.ratio(mine[s]["mean"], mine[s]["reference"])
        out.append(row)
    return pl.DataFrame(out, schema={k: pl.String for k in out[0]})


def show_glance(head: pl.DataFrame) -> None:
    st.subheader(t("glance"))
    st.caption(t("glance_intro"))
    series = head["series"].unique(maintain_order=True).to_list()
    reference = (st.selectbox(t("reference_series"), series, key="cmp_reference", bind="query-params")
                 if len(series) > 1 else series[0])
    st.dataframe(glance_table(head, reference), hide_index=True, key="cmp_glance")
    ui.download(figures.against(head, reference).drop("city"), "skillsim-compare-glance", "cmp_glance_download")


def swap_table(rows: pl.DataFrame, metric: str) -> pl.DataFrame:
    """Population (rows, by their own jurisdiction) × policy (columns): the mean of one figure."""
    mine = rows.filter(C("metric") == metric)
    people = {p: t("people_of", city=city(h)) if h else p
              for p, h in mine.select("population", "home").unique(maintain_order=True).iter_rows()}
    columns = figures.series_names([(r["source"], r["policy_id"], "baseline") for r in mine.iter_rows(named=True)],
                                   t("reform"))
    unit = formats.money_unit(mine["mean"])
    out: dict[str, dict[str, str]] = {}
    for r in mine.iter_rows(named=True):
        row = out.setdefault(r["population"], {t("population"): people[r["population"]]})
        row[columns[(r["source"], r["policy_id"], "baseline")]] = formats.figure(metric, r["mean"], unit)
    return pl.DataFrame(list(out.values()), schema={k: pl.String for k in next(iter(out.values()))})


def show_swap(sources: list[data.Source]) -> None:
    st.subheader(t("swap"))
    swaps = [src for src in sources if figures.several_populations(src.summary)]
    if not swaps:
        names = [n for n in data.ready() if several_populations(n)]
        if names:
            st.caption(t("swap_none", names=", ".join(names)))
        return
    for src in swaps:
        rows = figures.swap(src).filter(C("policy_id").is_in(policies))
        st.caption(t("swap_intro", source=src.name))
        for tab, metric in zip(st.tabs([t(PLAIN[m]) for m in figures.SWAP_METRICS]), figures.SWAP_METRICS):
            with tab:
                st.dataframe(swap_table(rows, metric), hide_index=True, key=f"cmp_swap_{metric}:{src.name}")
        ui.download(rows, f"skillsim-compare-swap-{src.name.rsplit('/', 1)[-1]}", f"cmp_swap_download:{src.name}")


def several_populations(name: str) -> bool:
    """Whether a ready scenario holds a policy over several populations (without running it)."""
    scen = data.load_scenario(name)
    return any(sum(pid in p.policies for p in scen.populations) > 1 for pid in scen.policy_ids)


def named(key: str) -> str:
    """A figure's name in the current language (a name this dashboard does not know: as is)."""
    return t(key) if key in TEXT else key


def show_sensitivity(sens: data.Sensitivity) -> None:
    """The tornado of one policy, variant and figure, its rows and the indices."""
    m = sens.manifest
    people = ", ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in (m.get("size") or {}).values())
    st.caption(t("sens_about", scenario=(m.get("scenario") or {}).get("name", sens.name), method=m["method"],
                 samples=m.get("samples"), runs=(m.get("runs") or {}).get("total"), seed=m.get("seed"), people=people))
    held = [provenance.key_name(h.get("key", "?")) for h in m.get("held_central") or []]
    if held:
        st.caption(t("sens_held", names=", ".join(held)))
    torn = sens.tornado
    cols = st.columns(3)
    pid = cols[0].selectbox(t("policy"), torn["policy_id"].unique(maintain_order=True).to_list(),
                            format_func=ui.short_label, key="cmp_sens_policy", bind="query-params")
    variant = cols[1].selectbox(t("variant"), torn.filter(C("policy_id") == pid)["variant"].unique(maintain_order=True)
                                .to_list(), format_func=named, key="cmp_sens_variant", bind="query-params")
    figure = cols[2].selectbox(t("figure"), torn["figure"].unique(maintain_order=True).to_list(), format_func=named,
                               key="cmp_sens_figure", bind="query-params")
    # the assumptions by their plain names on screen (their keys stay in the downloads)
    plain = {k: provenance.key_name(k) for k in {*sens.tornado["assumption"], *sens.indices["assumption"]}}
    bars = figures.tornado(sens, pid, variant, figure)
    named_bars = bars.with_columns(C("assumption").replace(plain))
    columns = {"rank": "rank", "assumption": "assumption", "low": "assumption_low", "high": "assumption_high",
               "at_low": "at_low", "at_high": "at_high", "swing": "swing", "central": "central",
               "source": "reference"}
    title, axis = charts.value_axis(figure, t(PLAIN[figure]) if figure in PLAIN else named(figure),
                                    [*bars["at_low"], *bars["at_high"], *bars["central"]])
    charts.tornado(named_bars, x_title=title, titles={c: t(label) for c, label in columns.items()}, axis=axis,
                   key="cmp_tornado_chart")
    shown = figures.written(named_bars, ("at_low", "at_high", "swing", "central"), figure)
    st.dataframe(shown.select(*(C(c).alias(t(label)) for c, label in columns.items())), hide_index=True,
                 key="cmp_tornado")
    ui.download(bars, f"skillsim-tornado-{figure}", "cmp_tornado_download")
    method = m["method"]
    st.markdown(f"**{t('indices', method=method.capitalize())}**")
    idx = figures.indices(sens, pid, variant, figure)
    st.dataframe(idx.select(C("rank").alias(t("rank")), C("assumption").replace(plain).alias(t("assumption")),
                            *[c for c in idx.columns if c in INDEX_COLUMNS[method]],
                            C("source").alias(t("reference"))), hide_index=True, key="cmp_indices")
    ui.download(idx, f"skillsim-indices-{figure}", "cmp_indices_download")


if len(sources) < 2:
    st.info(t("pick_two"))
def show_headline(head: pl.DataFrame, colors: dict[str, str]) -> None:
    """A chart per headline figure, values on the bars, a colour per jurisdiction; the table
    of means and intervals, written by kind."""
    st.subheader(t("headline"))
    for column, metric in zip([*st.columns(2), *st.columns(2)], figures.METRICS):
        mine = head.filter(C("metric") == metric)
        values = [*mine["mean"], *mine["p95"]]
        unit = formats.money_unit(values)
        title, axis = charts.value_axis(metric, t(PLAIN[metric]), values)
        with column:
            charts.interval_bars(mine.with_columns(pl.Series("label", [formats.figure(metric, v, unit)
                                                                       for v in mine["mean"]], dtype=pl.String)),
                                 "series", "series", title=title, tooltip=[("covers", t("covers"))], colors=colors,
                                 axis=axis, label="label", key=f"cmp_chart_{metric}")
    st.caption(t("interval_note"))
    shown = pl.concat([figures.written(head.filter(C("metric") == m), ("mean", "p05", "p95"))
                       for m in figures.METRICS])
    st.dataframe(shown.select(C("series").alias(t("series")), metric_names().alias(t("metric")),
                              *(C(c).alias(t(c)) for c in ("mean", "p05", "p95", "covers"))),
                 hide_index=True, key="cmp_headline")
    ui.download(head, "skillsim-compare-headline", "cmp_headline_download")


def show_breakdown(parts: pl.DataFrame, dim: str, colors: dict[str, str]) -> None:
    title, axis = charts.value_axis("budget_cny", t("budget"), parts["mean"].to_list())
    shown = figures.written(parts, ("mean",), "budget_cny")
    charts.horizontal_bars(shown.with_columns(C("mean").alias("label"), parts["mean"]), "key", "mean", "series",
                           x_title=title, y_title=t(f"dim_{dim}"), axis=axis, label="label", colors=colors,
                           key="cmp_breakdown_chart")
    st.dataframe(shown.select(C("series").alias(t("series")), C("key").alias(t("key")),
                              C("mean").alias(t("budget"))),
                 hide_index=True, key="cmp_breakdown")
    ui.download(parts, f"skillsim-compare-{dim}", "cmp_breakdown_download")


if len(sources) < 2:
    st.info(t("pick_two"))
if sources:
    head = labelled(figures.headline(sources))
    colors = figures.colors(head)
    if not head.is_empty():
        show_glance(head)
    show_headline(head, colors)
    show_swap(sources)

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
        budgets = years.filter(C("metric") == "budget_cny")
        title, axis = charts.value_axis("budget_cny", t("budget"), [*budgets["mean"], *budgets["p95"]])
        charts.interval_bars(budgets, "year", "series", title=title, x_title=t("payment_year"), colors=colors,
                             axis=axis, key="cmp_years_chart")
        shown = pl.concat([figures.written(years.filter(C("metric") == m), ("mean", "p05", "p95"))
                           for m in figures.YEAR_METRICS])
        st.dataframe(shown.select(C("series").alias(t("series")), C("year").alias(t("payment_year")),
                                  metric_names().alias(t("metric")),
                                  *(C(c).alias(t(c)) for c in ("mean", "p05", "p95"))),
                     hide_index=True, key="cmp_years")
        ui.download(years, "skillsim-compare-by-year", "cmp_years_download")

    st.subheader(t("breakdown"))
    dim = st.selectbox(t("dimension"), DIMENSIONS, format_func=lambda d: t(f"dim_{d}"), key="cmp_dimension",
                       bind="query-params")
    parts = labelled(figures.by_key(sources, dim)).with_columns(C("key").replace({NONE: t("none_key")}))
    if dim == "occupation":
        names = figures.occupation_names()
        parts = figures.top_keys(parts, 15).with_columns(
            pl.col("key").map_elements(lambda k: f"{k} {names.get(k, '')}".strip(), return_dtype=pl.String))
    show_breakdown(parts, dim, colors)

    st.subheader(t("failures"))
    fails = labelled(figures.failures(sources))
    fails = fails.with_columns(pl.Series("rule", [rule_name(pid, rid) for pid, rid in   # its title in the language
                                                  fails.select("policy_id", "key").iter_rows()], dtype=pl.String))
    shown = figures.written(fails, ("mean",), "claims")
    charts.horizontal_bars(shown.with_columns(C("mean").alias("label"), fails["mean"]), "rule", "mean", "series",
                           x_title=t("failed_claims"), y_title=t("rule"), label="label", colors=colors,
                           axis=charts.value_axis("claims", "", [])[1], key="cmp_failures_chart")
    st.dataframe(shown.select(pl.col("series").alias(t("series")), pl.col("rule").alias(t("rule")),
                              pl.col("mean").alias(t("failed_claims"))), hide_index=True, key="cmp_failures")
    ui.download(fails, "skillsim-compare-failures", "cmp_failures_download")

st.subheader(t("sensitivity"))
st.caption(t("sensitivity_intro"))
left, right = st.columns(2)
sens_folder = left.text_input(t("sens_folder"), key="cmp_sens_folder", bind="query-params").strip()
quick = right.selectbox(t("sens_quick", size=f"{data.quick_size():,}", samples=data.QUICK_SAMPLES),
                        [None, *data.analysable()], format_func=lambda n: "—" if n is None else n,
                        key="cmp_sens_quick", bind="query-params")
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
