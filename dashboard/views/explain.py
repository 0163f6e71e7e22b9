"""Explain one person: a form with every claim field (defaults from a worked example), and
the result under every policy at once — amount, rate, payee and every deciding rule with
its clause text: the same person in every jurisdiction in one glance.

The form is the claim contract's definition (policies/claim_schema.py): its groups, fields,
choices, bounds, date range and meanings; nothing about a field is repeated here."""
import datetime as dt
import json
from typing import Any

import polars as pl
import streamlit as st

from skillsim.dashboard import charts, person, ui
from skillsim.dashboard.labels import cities, city, t, value
from skillsim.policies.claim_json import parse_claims_json
from skillsim.policies.claim_schema import DATE_MAX, DATE_MIN, FIELDS, PRIOR_FIELDS, Field

SECTIONS = {"person": ("person_fields", True), "certificate": ("cert_fields", True),
            "training": ("training_fields", False)}  # the contract's groups: label key, open at first
PRIOR_HELP = "; ".join(f"{f.name}{'' if f.required else '?'}: {f.meaning}" for f in PRIOR_FIELDS)


def field_widget(f: Field, default: Any, key: str) -> Any:
    """One contract field as a widget; returns the claim's JSON value (dates as text, None = null)."""
    kw = dict(key=key, help=(PRIOR_HELP if f.kind == "prior_list" else f.meaning) or None)
    if f.kind == "enum" or (f.kind == "bool" and f.nullable):
        options = ([None] if f.nullable else []) + (list(f.choices) if f.kind == "enum" else [True, False])
        return st.selectbox(f.name, options, index=options.index(default) if default in options else 0,
                            format_func=lambda v: "—" if v is None else str(v), **kw)
    if f.kind == "bool":
        return st.checkbox(f.name, value=bool(default), **kw)
    if f.kind in ("int", "number"):
        cast = int if f.kind == "int" else float
        value = default if default is not None or f.nullable else f.default
        return st.number_input(f.name, min_value=cast(f.lo) if f.lo is not None else None,
                               max_value=cast(f.hi) if f.hi is not None else None,
                               value=None if value is None else cast(value), step=cast(1), **kw)
    if f.kind == "date":
        picked = st.date_input(f.name, value=dt.date.fromisoformat(default) if default else None,
                               min_value=DATE_MIN, max_value=DATE_MAX, **kw)
        return picked.isoformat() if picked else None
    if f.kind == "prior_list":   # parsed after the form, so a typo here does not hide the fields below
        return st.text_area(t("prior_json"), value=json.dumps(default or [], ensure_ascii=False), **kw)
    text = st.text_input(f.name, value=default or "", **kw)
    return text if text.strip() or not f.nullable else None


def form(claim: dict[str, Any], preset: str) -> dict[str, Any]:
    """Every field in three columns, a section for each of the contract's groups (person,
    certificate and application, training side)."""
    out: dict[str, Any] = {}
    declared = dict.fromkeys(f.group for f in FIELDS if f.group not in SECTIONS)  # by plug-in policies
    for group in [*SECTIONS, *declared]:
        label, expanded = SECTIONS.get(group, ("declared_fields", False))
        with st.expander(t(label, policy=group.removeprefix("declared by ")), expanded=expanded):
            columns = st.columns(3)
            for i, f in enumerate(f for f in FIELDS if f.group == group):
                with columns[i % 3]:
                    out[f.name] = field_widget(f, claim.get(f.name, f.default), f"f:{preset}:{f.name}")
    return out


def parsed(claim: dict[str, Any]) -> dict[str, Any]:
    return {**claim, "prior_subsidies": parse_claims_json(claim["prior_subsidies"], where="prior_subsidies")}


ui.header("page_explain", "explain_intro")
examples = person.presets()
top = st.columns([2, 1, 2])
preset = top[0].selectbox(t("preset"), list(examples), key="ex_preset")
home = top[1].radio(t("home_city"), cities(), format_func=city, horizontal=True,
                    index=cities().index(person.home_city(examples[preset])), key=f"ex_home:{preset}")
move = top[2].toggle(t("relocate"), value=True, key="ex_relocate")
summary_box = st.container()   # the results go above the form (filled once the form is read)
claim = form(examples[preset], preset)
rows = None
with summary_box, ui.shown_errors():
    rows = person.results(parsed(claim), home if move else None)
if rows is not None:
    summary, reasons = person.summary_table(rows), person.reasons_table(rows)
    shown = summary.with_columns(pl.col("status").map_elements(value, return_dtype=pl.String),
                                 pl.col("payee").map_elements(value, return_dtype=pl.String))
    with summary_box:
        charts.horizontal_bars(shown.with_columns(pl.col("status").alias(t("status")),
                                                  pl.format("{} ({})", "document", pl.col("city").map_elements(
                                                      city, return_dtype=pl.String)).alias("policy")),
                               "policy", "amount_cny", t("status"), x_title=t("amount_cny"), y_title=t("policy"),
                               key="ex_chart")
        st.dataframe(shown.select(
            pl.col("document").alias(t("policy")),
            pl.col("city").map_elements(city, return_dtype=pl.String).alias(t("city")),
            *(pl.col(c).alias(t(c)) for c in ("status", "amount_cny", "base_amount_cny", "rate", "payee",
                                              "deciding_rule")), pl.col("error").alias(t("message"))),
            hide_index=True, key="ex_summary")
        ui.download(summary.join(reasons, on="policy_id", how="left"), f"skillsim-explain-{preset}", "ex_download")
    for r in rows:
        with st.expander(f"{ui.policy_label(r['policy_id'])} — {value(r.get('status', 'error'))} "
                         f"{r.get('amount_cny', 0):,} CNY", expanded=r.get("status") == "eligible"):
            if "error" in r:
                st.warning(t("not_run", msg=r["error"]))
                continue
            st.dataframe(reasons.filter(pl.col("policy_id") == r["policy_id"]).drop("policy_id").rename(
                {c: t(c) for c in ("rule", "clause", "message", "text")}), hide_index=True)
