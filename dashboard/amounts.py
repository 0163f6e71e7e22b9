"""Amounts by level and tier, as the calculators pay them (the Tiers page).

Nothing here knows a policy: each policy that pays by level declares in its policy.toml's
[tiers] (``Policy.tier_probes()``) which of its worked examples to vary, over which levels,
which claim field holds its tier or class and with which values, the rules that set the
amounts, and any alternative views (variants: claim fields laid over the example).
skillsim.policies.tiers reads and checks it (a ``TiersError`` names the policy and the key)
and builds its probe claims; this module only shows them. Every amount shown is the
calculator's own answer for those probe claims, so the table cannot drift from what the
policy pays.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import polars as pl

from skillsim.policies import claims_frame, get_policy, policy_ids
from skillsim.policies.tiers import Tiers, TiersError, read_tiers  # noqa: F401 -- TiersError: what declaration raises

LEVELS: tuple[int | None, ...] = (5, 4, 3, 2, 1, None)   # display order; None: ungraded
ALL = "all"                      # the view that shows every variant of every policy


@lru_cache(maxsize=None)
def declaration(pid: str) -> Tiers | None:
    """The policy's [tiers], read and checked (once: cached); None: its amounts do not go by level."""
    return read_tiers(get_policy(pid))


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


def amount_rules(pids: list[str], language: str) -> pl.DataFrame:
    """The rules that set these amounts, with their title in ``language``, clause and official text."""
    return pl.DataFrame([{"document": get_policy(pid).meta.document, "rule": rid,
                          "title": get_policy(pid).rules[rid].title_in(language),
                          "clause": get_policy(pid).rules[rid].clause, "text": get_policy(pid).rules[rid].text}
                         for pid in pids for rid in declaration(pid).rules],
                        schema={k: pl.String for k in ("document", "rule", "title", "clause", "text")})


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
