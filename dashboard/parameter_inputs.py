"""A widget for each parameter of a policy, chosen by the parameter's unit (parameters.toml),
so every policy gets its Reform controls without page code of its own. Returns only the
parameters the user changed: the reform is the baseline plus these overrides.

Each widget is labelled by the parameter's plain name in the chosen language (its
parameters.toml ``label``); its help says what it is, its rule (with the rule's title), clause
or source, range and code name (names.param_help)."""
from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from skillsim.policies import ParameterSet

from .labels import level_name, t
from .names import param_help, param_label

# shown first: what a reform usually changes (amounts, rates, tiers); the rest under "more"
MAIN_UNITS = ("percent", "CNY", "CNY table")
NUMBER_UNITS = ("months", "days", "count", "years", "hours", "age", "day of month")


def _column_name(key: str) -> str:
    """A CNY table's column as shown: a level by its name ("ungraded" too), a class letter as is."""
    if key in ("1", "2", "3", "4", "5"):
        return level_name(int(key))
    return level_name(None) if key == "ungraded" else key


def _table_editor(value: dict[str, Any], key: str, label: str, help_text: str,
                  bounds: tuple[int, int]) -> dict[str, Any]:
    """A CNY table (level → CNY, or class → level → CNY) as an editable grid, one row per class;
    the columns keep the table's keys, shown by their names."""
    nested = all(isinstance(v, dict) for v in value.values())
    rows = value if nested else {"—": value}
    columns = list(dict.fromkeys(k for row in rows.values() for k in row))
    grid = pl.DataFrame([{"class": r, **{c: row.get(c) for c in columns}} for r, row in rows.items()],
                        schema={"class": pl.String, **{c: pl.Int64 for c in columns}}, orient="row")
    st.caption(label, help=help_text)
    edited = st.data_editor(grid, key=key, disabled=["class"], hide_index=True, column_config={
        "class": st.column_config.TextColumn(t("tier")),
        **{c: st.column_config.NumberColumn(_column_name(c), step=1)   # bounds checked by the page, as above
           for c in columns}})
    # a cell left empty keeps its baseline amount (a table with a level missing would pay nothing there)
    out = {r["class"]: {c: int(r[c]) if r[c] is not None else rows[r["class"]][c] for c in rows[r["class"]]}
           for r in edited.iter_rows(named=True)}
    return out if nested else out["—"]


def _class_editor(key: str, classes: tuple[str, ...], start: dict[str, str] | None = None) -> dict[str, str]:
    """Extra catalog classes (a policy's class_maps): occupation code or item name → a class the policy
    pays; ``start``: the rows to begin with (a link's, or the page's as it was left)."""
    empty = pl.DataFrame([{"code": k, "class": c} for k, c in (start or {}).items()],
                         schema={"code": pl.String, "class": pl.String}, orient="row")
    edited = st.data_editor(empty, key=key, num_rows="dynamic", hide_index=True, column_config={
        "code": st.column_config.TextColumn(t("class_code")),
        "class": st.column_config.SelectboxColumn(t("tier"), options=list(classes))})
    return {r["code"].strip(): r["class"] for r in edited.iter_rows(named=True) if r["code"] and r["class"]}


def widget(policy_id: str, params: ParameterSet, name: str, start: Any, key: str) -> Any:
    """One parameter's widget, starting at ``start``, within the parameter's declared bounds;
    returns its value."""
    m = params.meta(name)
    label, help_text = param_label(m), param_help(policy_id, m)
    lo, hi = m.bounds or (None, None)
    kind = type(start)   # a fractional value (a scenario's 80.5 %) keeps a fractional widget
    if m.unit == "percent":
        return st.slider(label, kind(lo), kind(hi), start, step=kind(1) if kind is int else 0.01,
                         format="%d%%" if kind is int else "%.2f%%",     # the unit on the slider: 20%
                         help=help_text, key=key, bind="query-params")
    if m.unit == "CNY":
        # no min or max: a browser refuses an amount outside them without a word, so the page
        # checks it (views/reform.py: a warning naming the range, the last valid results greyed)
        return int(st.number_input(label, value=int(start), step=100, help=help_text, key=key,
                                   bind="query-params"))
    if m.unit == "CNY table":
        return _table_editor(start, key, label, help_text, m.bounds)
    if m.unit in NUMBER_UNITS:
        number = st.number_input(label, value=start, step=kind(1), help=help_text, key=key,
                                 bind="query-params")   # no min or max: as for CNY above
        return kind(number)
    if m.unit == "bool":
        return st.checkbox(label, value=start, help=help_text, key=key, bind="query-params")
    if m.unit == "date":
        return st.date_input(label, value=start, min_value=lo, max_value=hi, help=help_text, key=key,
                             bind="query-params")
    return start   # text and lists: shown on the Explain page's clause texts, not edited here


def changes(policy_id: str, params: ParameterSet, start: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Render every parameter's widget (main ones, then the rest in an expander); return the
    values that differ from the baseline ``params``."""
    names = [n for n in params if params.meta(n).unit not in ("text", "text list", "class map")]
    main = [n for n in names if params.meta(n).unit in MAIN_UNITS]
    values: dict[str, Any] = {}
    columns = st.columns(2)
    for i, name in enumerate(main):
        with columns[i % 2]:
            values[name] = widget(policy_id, params, name, start.get(name, params[name]), f"{prefix}:{name}")
    if "catalog_overrides" in params:
        st.caption(t("class_overrides"), help=param_help(policy_id, params.meta("catalog_overrides")))
        base = params["catalog_overrides"]
        begun = {k: c for k, c in start.get("catalog_overrides", base).items() if base.get(k) != c}
        extra = _class_editor(f"{prefix}:catalog_overrides", params.meta("catalog_overrides").choices or ("A", "B", "C"),
                              begun)
        if extra:   # on top of the baseline's (which holds the scenario's drawn classes)
            values["catalog_overrides"] = {**params["catalog_overrides"], **extra}
    with st.expander(t("more_parameters")):
        for name in names:
            if name not in main:
                values[name] = widget(policy_id, params, name, start.get(name, params[name]), f"{prefix}:{name}")
    return {n: v for n, v in values.items() if v != params[n]}
