"""Explain one person: a form with every claim field (defaults from a worked example), and
the result under every policy at once — amount, rate, payee and every deciding rule with
its clause text: the same person in every jurisdiction in one glance.

The form is the claim contract's definition (policies/claim_schema.py): its groups, fields,
choices, bounds, date range, meanings and plain names (dashboard/names.py: each field and
choice in the chosen language, the code name in the help); nothing about a field is repeated
here. Statuses, payees, jurisdictions, rule titles and the calculators' messages (each policy's
messages.zh.toml) are translated in the script's thread
(names.translated), never inside polars' worker threads, which cannot read the session's
language."""
import datetime as dt
import json
from typing import Any

import polars as pl
import streamlit as st

from skillsim.dashboard import charts, formats, person, ui
from skillsim.dashboard.labels import cities, city, t, value
from skillsim.dashboard.names import (choice, field_help, field_label, message, rule_name, rule_title,
                                      translated)
from skillsim.policies import UnknownPolicy, get_policy
from skillsim.policies.claim_json import parse_claims_json
from skillsim.policies.claim_schema import DATE_MAX, DATE_MIN, FIELDS, PRIOR_FIELDS, Field

# a colour per status, the same in both languages (and none of the jurisdictions' own)
STATUS_COLORS = {"eligible": "#2e7d32", "ineligible": "#c62828", "needs_info": "#f9a825", "out_of_scope": "#9e9e9e",
                 "error": "#424242"}
SECTIONS = {"person": ("person_fields", True), "certificate": ("cert_fields", True),
            "training": ("training_fields", False)}  # the contract's groups: label key, open at first


def prior_help() -> str:
    """The help of the prior-subsidies list: each item's keys, by plain name and code name."""
    return "; ".join(f"{field_label(f)}: {f.name}{'' if f.required else '?'}" for f in PRIOR_FIELDS)


def field_widget(f: Field, default: Any, key: str) -> Any:
    """One contract field as a widget, labelled by its plain name (the code name in the help);
    returns the claim's JSON value (dates as text, None = null)."""
    label = field_label(f)
    kw = dict(key=key, help=field_help(f, prior_help() if f.kind == "prior_list" else ""),
              bind="query-params")   # in the link: a shared link shows this person
    if f.kind == "enum" or (f.kind == "bool" and f.nullable):
        options = ([None] if f.nullable else []) + (list(f.choices) if f.kind == "enum" else [True, False])
        return st.selectbox(label, options, index=options.index(default) if default in options else 0,
                            format_func=lambda v: choice(v, f.name), **kw)
    if f.kind == "bool":
        return st.checkbox(label, value=bool(default), **kw)
    if f.kind in ("int", "number"):
        cast = int if f.kind == "int" else float
        value = default if default is not None or f.nullable else f.default
        # no min or max: a browser refuses a number outside them without a word; the contract
        # checks the claim instead (one line naming the field, the last valid results greyed)
        return st.number_input(label, value=None if value is None else cast(value), step=cast(1), **kw)
    if f.kind == "date":
        picked = st.date_input(label, value=dt.date.fromisoformat(default) if default else None,
                               min_value=DATE_MIN, max_value=DATE_MAX, **kw)
        return picked.isoformat() if picked else None
    if f.kind == "prior_list":   # parsed after the form, so a typo here does not hide the fields below
        return st.text_area(t("prior_json"), value=json.dumps(default or [], ensure_ascii=False), **kw)
    text = st.text_input(label, value=default or "", **kw)
    return text if text.strip() or not f.nullable else None


def declarer(pid: str) -> str:
    """The policy that declares a group of fields, by its document (its id where it is not registered)."""
    try:
        return get_policy(pid).meta.document
    except UnknownPolicy:
        return pid


def form(claim: dict[str, Any], preset: str) -> dict[str, Any]:
    """Every field in three columns, a section for each of the contract's groups (person,
    certificate and application, training side)."""
    out: dict[str, Any] = {}
    declared = dict.fromkeys(f.group for f in FIELDS if f.group not in SECTIONS)  # by plug-in policies
    for group in [*SECTIONS, *declared]:
        label, expanded = SECTIONS.get(group, ("declared_fields", False))
        with st.expander(t(label, policy=declarer(group.removeprefix("declared by "))), expanded=expanded):
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
preset = top[0].selectbox(t("preset"), list(examples), key="ex_preset", bind="query-params")
home = top[1].radio(t("home_city"), cities(), format_func=city, horizontal=True,
                    index=cities().index(person.home_city(examples[preset])), key=f"ex_home:{preset}",
                    bind="query-params")
move = top[2].toggle(t("relocate"), value=True, key="ex_relocate", bind="query-params")
summary_box = st.container()   # the results go above the form (filled once the form is read)
claim = form(examples[preset], preset)
ui.about(example=preset, home=home, moved_to_each_city=move, claim=claim)   # what the download is for
rows, stale = None, False
last = st.session_state.setdefault("_ex_last", {})   # the last valid claim's results, by example
with summary_box, ui.shown_errors():
    rows = last[preset] = person.results(parsed(claim), home if move else None)
if rows is None and last.get(preset) is not None:    # an invalid field: the last valid results, greyed and marked
    rows, stale = last[preset], True
    st.html("<style>.st-key-ex_stale { opacity: 0.45; filter: grayscale(1); }</style>")
if rows is not None:
    summary, reasons = person.summary_table(rows), person.reasons_table(rows)
    deciding = {(pid, rid): rule_name(pid, rid) for pid, rid in summary.select("policy_id", "deciding_rule").iter_rows()}
    shown = summary.with_columns(
        translated("status", summary["status"], value), translated("payee", summary["payee"], value),
        translated("city", summary["city"], city),
        pl.Series("deciding_rule", [deciding[k] for k in summary.select("policy_id", "deciding_rule").iter_rows()],
                  dtype=pl.String),
        pl.Series("error", ["—" if e is None else t("not_run", msg=e) for e in summary["error"]], dtype=pl.String))
    with summary_box, st.container(key="ex_stale" if stale else "ex_results"):
        if stale:
            st.caption(t("stale_results"))
        # "city · document" as the legends of every page (on a phone the label is cut from the end:
        # the city stays); a status keeps its colour in both languages
        charts.horizontal_bars(shown.with_columns(pl.col("status").alias(t("status")),
                                                  pl.format("{} · {}", "city", "document").alias("policy")),
                               "policy", "amount_cny", t("status"), x_title=t("amount_cny"), y_title=t("policy"),
                               key="ex_chart", colors={value(k): c for k, c in STATUS_COLORS.items()})
        written = {c: pl.Series([formats.count(v) for v in summary[c]], dtype=pl.String)   # 1,800 (元: the header)
                   for c in ("amount_cny", "base_amount_cny")}
        written["rate"] = pl.Series([formats.percent(v, 0 if v is None else next(   # 80%, 80.9%: its own decimals
            d for d in (0, 1, 2) if round(v * 100, d) == round(v * 100, 2))) for v in summary["rate"]],
            dtype=pl.String)
        st.dataframe(shown.select(
            pl.col("document").alias(t("policy")), pl.col("city").alias(t("city")), pl.col("status").alias(t("status")),
            *(written[c].alias(t(c)) for c in ("amount_cny", "base_amount_cny", "rate")),
            *(pl.col(c).alias(t(c)) for c in ("payee", "deciding_rule")), pl.col("error").alias(t("message"))),
            hide_index=True, key="ex_summary")
        ui.download(summary.join(reasons, on="policy_id", how="left"), f"skillsim-explain-{preset}", "ex_download")
    st.caption(t("explain_messages"))
    for r in rows if not stale else []:
        with st.expander(f"{ui.policy_label(r['policy_id'])} — {value(r.get('status', 'error'))} "
                         f"{formats.yuan(r.get('amount_cny', 0))}", expanded=r.get("status") == "eligible"):
            if "error" in r:
                st.warning(t("not_run", msg=r["error"]))
                continue
            mine = reasons.filter(pl.col("policy_id") == r["policy_id"])
            st.dataframe(mine.select(
                pl.col("rule").alias(t("rule")),
                pl.Series([rule_title(r["policy_id"], rid) for rid in mine["rule"]], dtype=pl.String)
                .alias(t("rule_title")),
                pl.col("clause").alias(t("clause")),
                pl.Series([message(r["policy_id"], m) for m in mine["message"]], dtype=pl.String).alias(t("message")),
                pl.col("text").alias(t("text"))), hide_index=True)
