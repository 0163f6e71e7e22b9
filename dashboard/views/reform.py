"""Reform: change a policy's parameters, re-run it on the current population (drawn once,
cached), and see the change in cost and coverage against the baseline."""
import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, provenance, parameter_inputs, ui
from skillsim.dashboard.labels import t
from skillsim.dashboard.names import rule_name

C = pl.col
HEADLINE = ("budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny")
DIMENSIONS = data.REFORM_DIMENSIONS


def headline(totals: dict) -> dict[str, float]:
    b = totals["beneficiaries"]
    return {"budget_cny": totals["budget_cny"], "beneficiaries": b, "coverage": totals["coverage"],
            "cost_per_beneficiary_cny": totals["budget_cny"] / b if b else 0.0}


def fmt(metric: str, v: float) -> str:
    return f"{v:.2%}" if metric == "coverage" else f"{v:,.0f}"


ui.header("page_reform", "reform_intro")
with ui.shown_errors():
    top = st.columns(3)
    ready = data.ready()
    name = top[0].selectbox(t("scenario"), ready, index=data.default_index(ready), key="rf_scenario")
    scen = data.load_scenario(name)
    pops = data.people(scen)
    if not pops:
        st.info(t("no_people"))
        st.stop()
    pop = next(p for p in pops if p.name == top[1].selectbox(t("population"), [p.name for p in pops],
                                                             key="rf_population"))
    pid = top[2].selectbox(t("policy"), list(pop.policies), format_func=ui.short_label, key="rf_policy")
    provenance.panel([(provenance.of_scenario(scen, one_replication=True), None)], "rf_basis")
    with st.spinner(t("running", name=f"{name} · {pop.name}")):
        prep = data.prepared(name, pop.name, pid)
        base_totals, base_bd, _ = data.outcome(name, pop.name, pid, {})
    start = scen.reform.get(pid, {})    # a scenario with a [reform] starts from it
    changed = parameter_inputs.changes(pid, prep.params, start, f"p:{name}:{pid}")
    reform_totals, reform_bd, seconds = data.outcome(name, pop.name, pid, changed)

    base, reform = headline(base_totals), headline(reform_totals)
    for column, metric in zip(st.columns(len(HEADLINE)), HEADLINE):
        delta = reform[metric] - base[metric]
        column.metric(t(metric), fmt(metric, reform[metric]),
                      f"{'+' if delta > 0 else ''}{fmt(metric, delta)}" if delta else None)
    st.caption(t("reform_timing", s=seconds, n=prep.claims.height) + " "
               + t("drawn_note", name=name, seed=scen.seed))
    table = pl.DataFrame({"metric": list(HEADLINE), "baseline": [float(base[m]) for m in HEADLINE],
                          "reform": [float(reform[m]) for m in HEADLINE]}).with_columns(
        (C("reform") - C("baseline")).alias("change"))
    st.dataframe(table.with_columns(C("metric").replace_strict({m: t(m) for m in HEADLINE})).rename(
        {"metric": t("metric"), "baseline": t("baseline"), "reform": t("reform"), "change": t("change")}),
        hide_index=True, key="rf_table")
    if changed:
        st.dataframe(pl.DataFrame([{t("parameter"): n, t("rule"): rule_name(pid, prep.params.meta(n).rule),
                                    t("clause"): prep.params.meta(n).citation, t("baseline"): str(prep.params[n]),
                                    t("reform"): str(v)} for n, v in changed.items()]), hide_index=True,
                     key="rf_changes")
    else:
        st.info(t("no_changes"))

    dim = st.selectbox(t("dimension"), DIMENSIONS, format_func=lambda d: t(f"dim_{d}"), key="rf_dimension")
    both = pl.concat([bd.filter(C("dimension") == dim).select("key", "budget_cny").with_columns(
        pl.lit(t(v)).alias("variant")) for bd, v in ((base_bd, "baseline"), (reform_bd, "reform"))])
    charts.grouped_bars(both, "key", "budget_cny", "variant", x_title=t(f"dim_{dim}"), y_title=t("budget_cny"),
                        key="rf_chart")
    ui.download(pl.concat([table.with_columns(pl.lit("headline").alias("dimension"), C("metric").alias("key")),
                           both.pivot(on="variant", index="key", values="budget_cny")
                           .rename({t("baseline"): "baseline", t("reform"): "reform"}, strict=False)
                           .with_columns(pl.lit(dim).alias("dimension"), pl.lit("budget_cny").alias("metric"))
                           ], how="diagonal_relaxed"),
                f"skillsim-reform-{pid}", "rf_download")
