"""Amounts by level and tier, as the calculators pay them (the Tiers page).

Nothing here knows a policy: each policy that pays by level declares in its policy.toml's
[tiers] (``Policy.tier_probes()``) which of its worked examples to vary, over which levels,
which claim field holds its tier or class and with which values, the rules that set the
amounts, and any alternative views (variants: claim fields laid over the example). Every
amount shown is the calculator's own answer for those probe claims, so the table cannot
drift from what the policy pays. A declaration that cannot be read is a ``TiersError``
naming the policy and the key.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl

from skillsim.policies import PolicyError, claims_frame, get_policy, policy_ids

LEVELS: tuple[int | None, ...] = (5, 4, 3, 2, 1, None)   # display order; None: ungraded
UNGRADED = "ungraded"            # a level of [tiers] levels: a certificate without one (special ability)
KEYS = {"example", "label", "field", "values", "levels", "ungraded", "rules", "variants"}
VARIANT_KEYS = {"label", "short", "claim"}
ALL = "all"                      # the view that shows every variant of every policy


class TiersError(PolicyError):
    """A policy's [tiers] declaration that cannot be used (names the policy and the key)."""


@dataclass(frozen=True)
class Variant:
    key: str
    label: dict[str, str]        # {zh, en}: the view's name
    short: dict[str, str]        # {zh, en}: added to a series' name
    claim: dict[str, Any]        # claim fields laid over the example's


@dataclass(frozen=True)
class Tiers:
    """One policy's declaration, read and checked."""
    policy_id: str
    claim: dict[str, Any]                                    # the example's claim
    label: dict[str, str] | None                             # the line shown, if the policy has several
    field: str | None                                        # the tier or class field (None: one series)
    values: tuple[tuple[Any, dict[str, str]], ...]           # (value, its name {zh, en})
    levels: tuple[int | None, ...]
    ungraded: dict[str, Any]                                 # claim fields of an ungraded certificate
    rules: tuple[str, ...]
    variants: tuple[Variant, ...]                            # the first: the default view

    def variant(self, key: str | None) -> Variant | None:
        return next((v for v in self.variants if v.key == key), self.variants[0] if self.variants else None)

    def probes(self, variant: str | None = None) -> list[tuple[Any, int | None, dict[str, Any]]]:
        """(tier value, level, claim) for every tier and level, under ``variant`` (default: the first)."""
        v = self.variant(variant)
        out = []
        for value, _ in self.values:
            for level in self.levels:
                claim = {**self.claim, **(v.claim if v else {}), "cert_level": level}
                if self.field:
                    claim[self.field] = value
                if level is None:
                    claim.update(self.ungraded)
                out.append((value, level, claim))
        return out


def _text(raw: Any, where: str) -> dict[str, str]:
    """A name in both languages: "text" (the same in both) or { zh = "…", en = "…" }."""
    if isinstance(raw, str) and raw.strip():
        return {"zh": raw, "en": raw}
    if isinstance(raw, dict) and set(raw) == {"zh", "en"} and all(isinstance(v, str) and v.strip()
                                                                 for v in raw.values()):
        return dict(raw)
    raise ValueError(f"{where} must be a text or {{ zh = \"…\", en = \"…\" }}")


def _value(raw: Any, where: str) -> tuple[Any, dict[str, str]]:
    if isinstance(raw, dict):
        if set(raw) != {"value", "label"}:
            raise ValueError(f"{where} must be a value or {{ value = …, label = … }}")
        return raw["value"], _text(raw["label"], f"{where}.label")
    if isinstance(raw, str) and raw:
        return raw, {"zh": raw, "en": raw}
    raise ValueError(f"{where}: {raw!r} needs a label ({{ value = {str(raw).lower()}, label = … }})")


def _read(pid: str, raw: dict[str, Any]) -> Tiers:
    policy = get_policy(pid)
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    examples = {e.get("name"): e.get("claim") for e in policy.examples()}
    if raw.get("example") not in examples:
        raise ValueError(f"example {raw.get('example')!r} is not an example of examples.json")
    field = raw.get("field")
    if field is not None and not (isinstance(field, str) and field):
        raise ValueError("field must be the name of a claim field")
    if (field is None) != ("values" not in raw):
        raise ValueError("field and values go together (the tier or class field and its values)")
    values = raw.get("values", [None])
    if not isinstance(values, list) or not values:
        raise ValueError("values must be a list of the field's values")
    read_values = tuple((None, {"zh": "", "en": ""}) if field is None else _value(v, f"values[{i}]")
                        for i, v in enumerate(values))
    levels = raw.get("levels")
    if not (isinstance(levels, list) and levels and len(set(map(str, levels))) == len(levels)
            and all(lv == UNGRADED or (isinstance(lv, int) and not isinstance(lv, bool) and 1 <= lv <= 5)
                    for lv in levels)):
        raise ValueError(f"levels must be distinct levels 5 … 1 or {UNGRADED!r}")
    ungraded = raw.get("ungraded", {})
    if (UNGRADED in levels) != bool(ungraded) or not isinstance(ungraded, dict):
        raise ValueError(f"ungraded (the claim fields of a certificate without a level) goes with level "
                         f"{UNGRADED!r}, and only with it")
    rules = raw.get("rules")
    if not (isinstance(rules, list) and rules):
        raise ValueError("rules must list the rules that set the amounts")
    for rid in rules:
        if rid not in policy.rules:
            raise ValueError(f"rules: {rid!r} is not a rule of rules.toml")
    variants = []
    for key, v in (raw.get("variants") or {}).items():
        where = f"variants.{key}"
        if not isinstance(v, dict) or sorted(set(v) - VARIANT_KEYS) or not isinstance(v.get("claim", {}), dict):
            raise ValueError(f"{where} must be a table of label, short and claim (a table of claim fields)")
        label = _text(v.get("label"), f"{where}.label")
        variants.append(Variant(key, label, _text(v["short"], f"{where}.short") if "short" in v else label,
                                dict(v.get("claim", {}))))
    return Tiers(pid, dict(examples[raw["example"]]),
                 _text(raw["label"], "label") if "label" in raw else None, field, read_values,
                 tuple(None if lv == UNGRADED else lv for lv in levels), dict(ungraded),
                 tuple(rules), tuple(variants))


@lru_cache(maxsize=None)
def declaration(pid: str) -> Tiers | None:
    """The policy's [tiers], read and checked; None: its amounts do not go by level."""
    raw = get_policy(pid).tier_probes()
    if raw is None:
        return None
    try:
        return _read(pid, raw)
    except ValueError as exc:
        raise TiersError(f"{pid}: policy.toml [tiers]: {exc}") from None


def by_level() -> list[str]:
    """The policies that declare [tiers], by city (registry order), then year."""
    pids = [pid for pid in policy_ids() if get_policy(pid).tier_probes() is not None]
    cities = list(dict.fromkeys(get_policy(pid).meta.city for pid in policy_ids()))
    return sorted(pids, key=lambda pid: (cities.index(get_policy(pid).meta.city), get_policy(pid).meta.year, pid))


def not_by_level() -> list[str]:
    """Policies whose amounts do not go by level (named on the page, not charted)."""
    return [pid for pid in policy_ids() if get_policy(pid).tier_probes() is None]


def views(pids: list[str]) -> list[str]:
    """The views a page offers: each declared variant of these policies ("<policy>/<variant>"),
    then all of them at once; [] where none declares a variant."""
    out = [f"{pid}/{v.key}" for pid in pids if (d := declaration(pid)) for v in d.variants]
    return [*out, ALL] if out else []


def view_policy(view: str) -> str | None:
    """The policy whose variant a view is (None: the view of all variants)."""
    return None if view == ALL else view.split("/", 1)[0]


def variant_label(view: str, lang: str) -> str:
    """The declared name of a view other than ALL."""
    pid, key = view.split("/", 1)
    return declaration(pid).variant(key).label[lang]


def _variants_shown(tiers: Tiers, view: str | None) -> list[tuple[str | None, bool]]:
    """(variant key, whether its name goes into the series) of one policy under a view."""
    if not tiers.variants:
        return [(None, False)]
    if view == ALL:
        return [(v.key, True) for v in tiers.variants]
    pid, _, key = (view or "").partition("/")
    if pid == tiers.policy_id and key:
        return [(key, key != tiers.variants[0].key)]
    return [(tiers.variants[0].key, False)]


def amounts(pid: str, variant: str | None, lang: str, named: bool = False) -> pl.DataFrame:
    """The policy's eligible probe claims under one variant: amount by tier and level."""
    tiers, policy = declaration(pid), get_policy(pid)
    probes = tiers.probes(variant)
    res = policy.evaluate(claims_frame([c for _, _, c in probes]), detail="amounts").collect()
    names = dict(tiers.values)
    v = tiers.variant(variant)
    line = (tiers.label or {}).get(lang, "")

    def series(value: Any) -> str:
        name = f"{policy.meta.document} {names[value][lang] or line}".rstrip()
        return f"{name} · {v.short[lang]}" if named and v else name

    return pl.DataFrame({
        "policy_id": pid, "city": policy.meta.city, "year": policy.meta.year, "document": policy.meta.document,
        "variant": v.key if v else None, "tier": [names[value][lang] or "—" for value, _, _ in probes],
        "level": [level for _, level, _ in probes], "series": [series(value) for value, _, _ in probes],
        "status": res["status"], "amount_cny": res["amount_cny"], "base_amount_cny": res["base_amount_cny"],
        "rate": res["rate"],
    }, schema_overrides={"level": pl.Int8, "variant": pl.String}).filter(pl.col("status") == "eligible")


def tier_table(view: str | None, lang: str) -> pl.DataFrame:
    """Every by-level policy's amounts under a view (its default variant where the view is
    another policy's), in by_level() order."""
    parts = [amounts(pid, key, lang, named)
             for pid in by_level() for key, named in _variants_shown(declaration(pid), view)]
    return pl.concat(parts)


def amount_rules(pids: list[str]) -> pl.DataFrame:
    """The rules that set these amounts, with their clause and official text."""
    return pl.DataFrame([{"document": get_policy(pid).meta.document, "rule": rid,
                          "clause": get_policy(pid).rules[rid].clause, "text": get_policy(pid).rules[rid].text}
                         for pid in pids for rid in declaration(pid).rules],
                        schema={k: pl.String for k in ("document", "rule", "clause", "text")})


def over_time(table: pl.DataFrame, city: str) -> pl.DataFrame:
    """One jurisdiction's by-level policies side by side: a row per level, a column per series
    (the policies by year, then tier)."""
    mine = table.filter(pl.col("city") == city).sort("year", maintain_order=True)
    order = list(dict.fromkeys(mine["series"].to_list()))
    wide = mine.pivot(on="series", index="level", values="amount_cny", aggregate_function="first")
    return wide.sort("level", descending=True, nulls_last=True).select("level", *order)   # LEVELS' order


def cities_by_level() -> list[str]:
    """Jurisdictions with a by-level policy, the one with the most first (then registry order)."""
    found = [get_policy(pid).meta.city for pid in by_level()]
    order = list(dict.fromkeys(found))
    return sorted(order, key=lambda c: (-found.count(c), order.index(c)))
