"""Plain names in the chosen language for what the code calls by its code names: claim fields
and their choices, parameters, rules, the calculators' per-claim messages; and values translated
outside polars' threads.

Every name comes from where the thing is defined: a claim field's from the claim contract
(policies/claim_schema.py: ``Field.label``, ``CHOICE_LABELS``; a plug-in's declared field from
its claim_fields.toml ``label``), a parameter's from its policy's parameters.toml (``label``),
a rule's title from rules.toml (``title``, ``title_zh``). The code name is kept for the help
(tooltip) only. A declared field without a label is shown by its meaning (a test lists them).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import polars as pl

from skillsim.policies import get_policy
from skillsim.policies.claim_schema import CHOICE_LABELS, Field
from skillsim.policies.messages import MessagesError
from skillsim.policies.parameters import Parameter

from .labels import city, lang, level_name, t

# a parameter's unit as its bounds are written: (中文, English) after the number
UNITS: dict[str, tuple[str, str]] = {
    "percent": ("%", " %"), "CNY": (" 元", " yuan"), "CNY table": (" 元", " yuan"), "months": (" 个月", " months"),
    "days": (" 天", " days"), "years": (" 年", " years"), "hours": (" 学时", " hours"), "age": (" 岁", " years of age"),
    "count": ("", ""), "day of month": (" 日", " (day of the month)"), "date": ("", ""),
}


def in_language(pair: tuple[str, str]) -> str:
    """The one of a (中文, English) pair in the chosen language."""
    return pair[0] if lang() == "zh" else pair[1]


def field_label(f: Field) -> str:
    """A claim field's plain name: its label in the chosen language; a declared field without
    one: its meaning; the code name only where neither is given."""
    if f.label:
        return in_language(f.label)
    return f.meaning or f.name


def field_help(f: Field, extra: str = "") -> str:
    """A field's help (tooltip): what it holds (English: the contract's meaning; Chinese: its
    plain name) and its code name."""
    what = field_label(f) if lang() == "zh" else (f.meaning or field_label(f))
    return " ".join(x for x in (what, extra, t("code_name", name=f.name)) if x)


def choice(v: Any, field: str | None = None) -> str:
    """A choice of a claim field in the chosen language: none as "—", true/false as yes/no, a
    jurisdiction by its name, a level by its name, the contract's choices by CHOICE_LABELS;
    anything else (ids, class letters) as it is."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return t("yes") if v else t("no")
    if field in ("hukou", "cert_issuer_city", "school_city"):
        return city(v)
    if field == "cert_level" and isinstance(v, int):
        return level_name(v)
    pair = CHOICE_LABELS.get(v) if isinstance(v, str) else None
    return str(v) if pair is None else in_language(pair)


def param_label(m: Parameter) -> str:
    """A parameter's plain name (its label; the code name where it has none)."""
    return m.label_in(lang())


def rule_title(pid: str, rid: str | None) -> str:
    """A rule's title in the chosen language ("" for a rule the policy does not have)."""
    if not rid:
        return ""
    rule = get_policy(pid).rules.get(rid)
    return rule.title_in(lang()) if rule else ""


def rule_name(pid: str, rid: str | None) -> str:
    """"<id> <title>", the id alone where the policy has no such rule; "—" for none."""
    if not rid:
        return "—"
    title = rule_title(pid, rid)
    return f"{rid} {title}" if title else rid


def message(pid: str, text: str | None) -> str:
    """A calculator's per-claim message in the chosen language: in Chinese as the policy's
    messages.zh.toml translates it (policies/messages.py), the values it quotes translated
    too; in English the same template's English side with the values' plain English names
    (no code names: "a skill-level certificate"); as written where the policy has no template
    for it."""
    if not text:
        return ""
    try:
        return get_policy(pid).messages.translate(text, lang()) or text
    except MessagesError:       # a plug-in's broken file: its messages stay as written
        return text


def param_help(pid: str, m: Parameter) -> str:
    """A parameter's help (tooltip) in the chosen language: what it is, its rule (id and title),
    its clause or source, its range, and its code name."""
    title = rule_title(pid, m.rule)
    if m.kind == "legal":
        what = t("param_legal", label=param_label(m), description=m.description, rule=m.rule, title=title,
                 clause=m.clause)
    else:
        what = t("param_assumption", label=param_label(m), description=m.description, rule=m.rule, title=title,
                 source=m.source)
    bounds = ""
    if m.bounds is not None:
        unit = in_language(UNITS.get(m.unit, ("", "")))
        bounds = t("param_bounds", lo=f"{m.bounds[0]}{unit}", hi=f"{m.bounds[1]}{unit}")
    return " ".join(x for x in (what, bounds, t("code_name", name=m.name)) if x)


def shown_value(v: Any) -> str:
    """A parameter's value as a cell: yes/no, a table as key = value pairs, else as written."""
    if isinstance(v, bool):
        return t("yes") if v else t("no")
    if isinstance(v, dict):
        return ", ".join(f"{k} = {shown_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(shown_value(x) for x in v)
    return str(v)


def translated(column: str, values: Iterable[Any], name: Callable[[Any], str]) -> pl.Expr:
    """``column`` with each value replaced by ``name(value)``, the names looked up here, in the
    script's thread: polars' worker threads cannot read the session's language (a
    ``map_elements`` calling the labels there gets the default language)."""
    distinct = list(dict.fromkeys(values))
    names = {v: name(v) for v in distinct if v is not None}
    expr = pl.col(column).replace_strict(names, default=None, return_dtype=pl.String)
    return expr.fill_null(name(None)) if None in distinct else expr
