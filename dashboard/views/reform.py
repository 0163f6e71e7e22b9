"""Reform: change a policy's parameters, re-run it on the current population (drawn once,
cached), and see the change in cost and coverage against the baseline.

The page's state is its link: the scenario, population, policy, breakdown and every
parameter widget are bound to the URL (``bind="query-params"``); the amount tables and class
changes, whose editors have no binding, travel as one parameter, ``rf_tables`` (JSON). So a
link reproduces the reform, a reload keeps it, and leaving the page and coming back finds it
as it was.

No silent zero: input that is no reform (a value outside its parameter's range, two
parameters that contradict each other) is a warning saying which, and the results of the
last valid input stay on screen, greyed and marked as such; a reform that pays nothing, pays
more than ``LARGE`` times the baseline, or puts a parameter at the top of its range is
flagged beside its figures."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterator

import polars as pl
import streamlit as st

from skillsim.dashboard import charts, data, figures, formats, parameter_inputs, provenance, ui
from skillsim.dashboard.labels import city, series_colors, t
from skillsim.dashboard.names import param_label, rule_name
from skillsim.policies import ParameterError, ParameterSet

C = pl.col
HEADLINE = ("budget_cny", "beneficiaries", "coverage", "cost_per_beneficiary_cny")
DIMENSIONS = data.REFORM_DIMENSIONS
LARGE = 10                 # a reform's budget above this many times the baseline's is flagged
TABLES = "rf_tables"       # the link's parameter holding the changed tables (JSON)
TABLE_UNITS = ("CNY table", "class map")
STALE = "rf_stale"         # the key of the results' box while they are for the previous input


def headline(totals: dict) -> dict[str, float]:
    b = totals["beneficiaries"]
    return {"budget_cny": totals["budget_cny"], "beneficiaries": b, "coverage": totals["coverage"],
            "cost_per_beneficiary_cny": totals["budget_cny"] / b if b else 0.0}


def name_of(params: ParameterSet, n: str) -> str:
    return param_label(params.meta(n))


def shown(v: Any) -> str:
    """A parameter's value in a message or cell: numbers with separators, tables as JSON."""
    if isinstance(v, bool) or isinstance(v, (dt.date, str)):
        return str(v)
    if isinstance(v, (int, float)):
        return f"{v:,}"
    return json.dumps(v, ensure_ascii=False, default=str)


def numbers(v: Any) -> Iterator[int | float]:
    """Every number in a value (each amount of a table)."""
    if isinstance(v, dict):
        for x in v.values():
            yield from numbers(x)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        yield v


def problem(params: ParameterSet, changes: dict[str, Any]) -> str | None:
    """Why ``changes`` are no reform, in the chosen language (None: they are one): a value
    outside its parameter's range, two parameters against one of the policy's cross checks
    (a window that starts after it ends, a minimum above a maximum), else anything the
    parameters' own check refuses, as it words it."""
    for n, v in changes.items():
        lo, hi = params.meta(n).bounds or (None, None)
        if lo is None or isinstance(lo, dt.date):
            continue
        bad = next((x for x in numbers(v) if not lo <= x <= hi), None)
        if bad is not None:
            return t("rf_outside", name=name_of(params, n), value=shown(bad), lo=shown(lo), hi=shown(hi))
    values = {**params, **changes}
    for check in params.checks:
        for a, b in zip(check.names, check.names[1:]):
            if not (values[a] <= values[b] if check.kind == "less_equal" else values[a] < values[b]):
                kind = ("le" if check.kind == "less_equal" else "lt") + \
                    ("_date" if params.meta(a).unit == "date" else "")
                return t("rf_contradiction", a=name_of(params, a), va=shown(values[a]), b=name_of(params, b),
                         vb=shown(values[b]), word=t(f"rf_word_{kind}"))
    try:
        params.override(changes)
    except ParameterError as exc:
        return ui.one_line(exc)
    return None


def flags(params: ParameterSet, changes: dict[str, Any], base: dict, reform: dict, failing: str | None) -> list[str]:
    """What is implausible about a valid reform's figures: nothing paid where the baseline
    pays (and the rule most claims now fail at), a budget above LARGE times the baseline's,
    a changed parameter at the top of its range."""
    out = []
    if reform["budget_cny"] == 0 and base["budget_cny"] > 0:
        out.append(t("rf_zero", base=formats.money(base["budget_cny"]))
                   + (" " + t("rf_zero_rule", rule=failing) if failing else ""))
    elif base["budget_cny"] > 0 and reform["budget_cny"] > LARGE * base["budget_cny"]:
        out.append(t("rf_large", budget=formats.money(reform["budget_cny"]), base=formats.money(base["budget_cny"]),
                     ratio=formats.ratio(reform["budget_cny"], base["budget_cny"]), limit=LARGE))
    for n, v in changes.items():
        hi = (params.meta(n).bounds or (None, None))[1]
        if hi is not None and not isinstance(hi, dt.date) and any(x == hi for x in numbers(v)) \
                and hi not in numbers(params[n]):
            out.append(t("rf_at_top", name=name_of(params, n), hi=shown(hi)))
    return out


def _same_shape(v: Any, base: Any) -> bool:
    if isinstance(base, dict):
        return isinstance(v, dict) and v.keys() == base.keys() and all(_same_shape(v[k], base[k]) for k in base)
    return isinstance(v, int) and not isinstance(v, bool)


def linked_tables(params: ParameterSet, names: list[str]) -> dict[str, Any]:
    """The tables a link carries (``rf_tables``), those that fit the policy's tables; a link
    whose tables cannot be read is a warning, and the tables start from the baseline."""
    try:
        got = json.loads(st.query_params[TABLES])
        if not isinstance(got, dict):
            raise ValueError("not an object")
    except ValueError:
        st.warning(t("rf_bad_link", param=TABLES))
        return {}
    out = {}
    for n, v in got.items():
        if n not in names:
            continue
        if params.meta(n).unit == "class map":
            if isinstance(v, dict) and all(isinstance(k, str) and isinstance(c, str) for k, c in v.items()):
                out[n] = v
        elif _same_shape(v, params[n]):
            out[n] = v
    return out


def table_start(params: ParameterSet, names: list[str], prefix: str) -> dict[str, Any]:
    """The values the table editors start from: unchanged while they are on screen; on
    arriving, the link's (``rf_tables``) if it has them, else as the page was left."""
    starts = st.session_state.setdefault("_rf_table_start", {})
    mounted = any(f"{prefix}:{n}" in st.session_state for n in names)
    if prefix not in starts or not mounted:
        starts[prefix] = (linked_tables(params, names) if TABLES in st.query_params
                          else st.session_state.get("_rf_tables", {}).get(prefix, {}))
    return starts[prefix]


def keep_tables(names: list[str], prefix: str, changed: dict[str, Any]) -> None:
    """The changed tables into the session (for coming back) and into the link."""
    tables = {n: changed[n] for n in names if n in changed}
    st.session_state.setdefault("_rf_tables", {})[prefix] = tables
    if tables:
        st.query_params[TABLES] = json.dumps(tables, ensure_ascii=False, separators=(",", ":"), default=str)
    elif TABLES in st.query_params:
        del st.query_params[TABLES]


def metric_delta(metric: str, delta: float) -> str | None:
    # st.metric colours a delta by a leading ASCII '-'; formats writes a minus sign (U+2212)
    return formats.figure(metric, delta, sign=True).replace(formats.MINUS, "-", 1) if delta else None


ui.header("page_reform", "reform_intro")
with ui.shown_errors():
    top = st.columns(3)
    ready = data.ready()
    name = top[0].selectbox(t("scenario"), ready, index=data.default_index(ready), key="rf_scenario",
                            bind="query-params")
    scen = data.load_scenario(name)
    pops = data.people(scen)
    if not pops:
        st.info(t("no_people"))
        st.stop()
    where = {p.name: p.city for p in pops}      # a population by its jurisdiction's name, its id beside it
    pop = next(p for p in pops if p.name == top[1].selectbox(
        t("population"), [p.name for p in pops], key="rf_population", bind="query-params",
        format_func=lambda n: city(where[n]) if n == where[n] else f"{city(where[n])} ({n})"))
    pid = top[2].selectbox(t("policy"), list(pop.policies), format_func=ui.short_label, key="rf_policy",
                           bind="query-params")
    provenance.panel([(provenance.of_scenario(scen, one_replication=True), None)], "rf_basis")
    with st.spinner(t("running", name=f"{name} · {pop.name}")):
        prep = data.prepared(name, pop.name, pid)
        base_totals, base_bd, _, _ = data.outcome(name, pop.name, pid, {})
    prefix = f"p:{name}:{pid}"
    tables = [n for n in prep.params if prep.params.meta(n).unit in TABLE_UNITS]
    start = {**scen.reform.get(pid, {}), **table_start(prep.params, tables, prefix)}   # a scenario's [reform] first
    changed = parameter_inputs.changes(pid, prep.params, start, prefix)
    keep_tables(tables, prefix, changed)

    why = problem(prep.params, changed)
    valid = st.session_state.setdefault("_rf_valid", {})
    if why is None:
        valid[prefix] = changed
    else:
        st.warning(t("rf_invalid", why=why))
    used = changed if why is None else valid.get(prefix, {})     # the input the results below are for
    reform_totals, reform_bd, failing, seconds = data.outcome(name, pop.name, pid, used)

    ui.about(scenario=name, seed=scen.seed, population=pop.name, people=pop.size,
             replication="1 (runner.draw: the Compare page's replication 1)", policy=pid,
             parameters={n: f"{shown(prep.params[n])} → {shown(v)}" for n, v in used.items()},
             **({"note": "results of the previous valid input; the input on screen is invalid"} if why else {}))
    if why is not None:
        st.html(f"<style>.st-key-{STALE} {{ opacity: 0.45; filter: grayscale(1); }}</style>")
    with st.container(key=STALE if why is not None else "rf_results"):
        if why is not None:
            st.caption(t("rf_stale"))
        base, reform = headline(base_totals), headline(reform_totals)
        for column, metric in zip(st.columns(len(HEADLINE)), HEADLINE):
            column.metric(t(provenance.PLAIN[metric]), formats.figure(metric, reform[metric]),
                          metric_delta(metric, reform[metric] - base[metric]))
        for flag in flags(prep.params, used, base, reform, failing and rule_name(pid, failing)) if why is None else []:
            st.warning(flag)
        st.caption(t("reform_timing", s=seconds, n=prep.claims.height) + " "
                   + t("drawn_note", name=name, seed=scen.seed))
        table = pl.DataFrame({"metric": list(HEADLINE), "baseline": [float(base[m]) for m in HEADLINE],
                              "reform": [float(reform[m]) for m in HEADLINE]}).with_columns(
            (C("reform") - C("baseline")).alias("change"))
        unit = formats.money_unit([base["budget_cny"], reform["budget_cny"]])   # both budgets in one unit
        st.dataframe(pl.DataFrame([{t("metric"): t(provenance.PLAIN[m]),
                                    t("baseline"): formats.figure(m, base[m], unit),
                                    t("reform"): formats.figure(m, reform[m], unit),
                                    t("change"): formats.figure(m, reform[m] - base[m], unit, sign=True)}
                                   for m in HEADLINE]), hide_index=True, key="rf_table")
        if used:
            st.dataframe(pl.DataFrame([{t("parameter"): name_of(prep.params, n),
                                        t("rule"): rule_name(pid, prep.params.meta(n).rule),
                                        t("clause"): prep.params.meta(n).citation,
                                        t("baseline"): shown(prep.params[n]), t("reform"): shown(v)}
                                       for n, v in used.items()]), hide_index=True, key="rf_changes")
        else:
            st.info(t("no_changes"))

        dim = st.selectbox(t("dimension"), DIMENSIONS, format_func=lambda d: t(f"dim_{d}"), key="rf_dimension",
                           bind="query-params")
        both = pl.concat([bd.filter(C("dimension") == dim).select("key", "budget_cny").with_columns(
            pl.lit(t(v)).alias("variant")) for bd, v in ((base_bd, "baseline"), (reform_bd, "reform"))])
        # the policy's jurisdiction's colour, as on every page: the baseline its darker shade; the
        # budget axis in one unit (万元, 亿元) as on Compare
        home = figures.policy_city(pid)
        title, axis = charts.value_axis("budget_cny", t("budget"), both["budget_cny"].to_list())
        charts.grouped_bars(both, "key", "budget_cny", "variant", x_title=t(f"dim_{dim}"), y_title=title, axis=axis,
                            key="rf_chart", colors=series_colors((t(v), home) for v in ("baseline", "reform")))
        ui.download(pl.concat([table.with_columns(pl.lit("headline").alias("dimension"), C("metric").alias("key")),
                               both.pivot(on="variant", index="key", values="budget_cny")
                               .rename({t("baseline"): "baseline", t("reform"): "reform"}, strict=False)
                               .with_columns(pl.lit(dim).alias("dimension"), pl.lit("budget_cny").alias("metric"))
                               ], how="diagonal_relaxed"),
                    f"skillsim-reform-{pid}", "rf_download")
