"""Amounts by level and tier, as the calculators pay them (the Tiers page).

Not read from the parameter files: every amount is the calculator's own answer for a
typical eligible claim of that tier and level (``catalog_class`` picks the tier), so the
table cannot drift from what the policy pays, and Shanghai's rates come from the rules
that set them (SHSU-R1, R2, R5), not from a copy of them here.
"""
from __future__ import annotations

from typing import Any

import polars as pl

from skillsim.policies import claims_frame, get_policy, policy_ids

BJKG, SHSU, BJSA = "beijing-2026-key-groups", "shanghai-2025-skills-upgrade", "beijing-2019-skills-action"
LEVELS: tuple[int | None, ...] = (5, 4, 3, 2, 1, None)   # None: ungraded (a special-ability certificate)

# A person each policy pays (the worked examples' people); tier and level vary around them.
BJ_PERSON = {"person_id": "probe", "hukou": "beijing", "age": 35, "sex": "female", "employment": "unemployed",
             "registered_unemployed": True, "cert_kind": "skill_level", "occupation_code": "4-03-02-01",
             "cert_issue_date": "2026-03-01", "cert_issuer_city": "beijing", "application_date": "2026-03-20"}
SH_PERSON = {"person_id": "probe", "hukou": "shanghai", "age": 35, "sex": "male", "employment": "flexible",
             "cert_kind": "skill_level", "occupation_code": "4-03-02-01", "cert_issue_date": "2026-03-01",
             "cert_issuer_city": "shanghai", "application_date": "2026-03-20", "district": "徐汇区"}
BJSA_PERSON = {"person_id": "probe", "hukou": "other", "age": 31, "sex": "male", "employment": "employed",
               "insurance_months": 12, "cert_kind": "skill_level", "occupation_code": "6-18-01-07",
               "cert_issue_date": "2019-06-01", "cert_issuer_city": "beijing", "application_date": "2019-07-15"}
# Shanghai's rate by category: who is paid 80 %, 100 % and 120 % of the base (SHSU-R1, R2, R5)
SH_RATES: dict[str, dict[str, Any]] = {
    "rate_100": {},
    "rate_80": {"employment": "employed", "months_employed_after_cert": 12, "employed_at_application": True},
    "rate_120": {"employment": "unemployed", "registered_unemployed": True, "employed_at_application": True},
}

# the rules that set these amounts, shown with their official text
AMOUNT_RULES = {BJKG: ("BJKG-A1", "BJKG-A2"), SHSU: ("SHSU-A1", "SHSU-R1", "SHSU-R2", "SHSU-R5"), BJSA: ("BJSA-4",)}


def amount_rules() -> pl.DataFrame:
    return pl.DataFrame([{"document": get_policy(pid).meta.document, "rule": rid,
                          "clause": get_policy(pid).rules[rid].clause, "text": get_policy(pid).rules[rid].text}
                         for pid, rules in AMOUNT_RULES.items() for rid in rules])


def _claim(person: dict[str, Any], level: int | None, tier: str | None) -> dict[str, Any]:
    claim = {**person, "cert_level": level, "catalog_class": tier}
    if level is None:   # ungraded: the special-ability certificate of the same tier
        claim.update(cert_kind="special_ability", occupation_code=None, special_ability_item="probe item")
    return claim


def _amounts(pid: str, person: dict[str, Any], tiers: tuple[str | None, ...], levels: tuple[int | None, ...],
             series: str) -> pl.DataFrame:
    grid = [(tier, level) for tier in tiers for level in levels]
    frame = claims_frame([_claim(person, level, tier) for tier, level in grid])
    res = get_policy(pid).evaluate(frame, detail="amounts", validate=False).collect()
    return pl.DataFrame({
        "policy_id": pid, "document": get_policy(pid).meta.document,
        "tier": [tier or "—" for tier, _ in grid], "level": [level for _, level in grid],
        "series": [f"{get_policy(pid).meta.document} {(tier or '') + series}".rstrip() for tier, _ in grid],
        "status": res["status"], "amount_cny": res["amount_cny"], "base_amount_cny": res["base_amount_cny"],
        "rate": res["rate"],
    }, schema_overrides={"level": pl.Int8}).filter(pl.col("status") == "eligible")


def tier_table(rates: tuple[str, ...] = ("rate_100",)) -> pl.DataFrame:
    """Every level-based amount: Beijing 2026 A/B, Shanghai A/B/C at each rate asked for,
    and Beijing 2019's BJSA-4 line."""
    parts = [_amounts(BJKG, BJ_PERSON, ("A", "B"), LEVELS, "")]
    for r in rates:
        suffix = f" · {_pct(r)}%" if rates != ("rate_100",) else ""
        parts.append(_amounts(SHSU, {**SH_PERSON, **SH_RATES[r]}, ("A", "B", "C"), LEVELS, suffix))
    parts.append(_amounts(BJSA, BJSA_PERSON, (None,), LEVELS[:-1], "BJSA-4"))
    return pl.concat(parts)


def _pct(rate_key: str) -> int:
    return int(rate_key.split("_")[1])


def not_by_level() -> list[str]:
    """Policies whose amounts do not go by level (named on the page, not charted)."""
    return [pid for pid in policy_ids() if pid not in (BJKG, SHSU, BJSA)]


def beijing_2019_vs_2026(table: pl.DataFrame) -> pl.DataFrame:
    """Beijing's individual upgrade amount by level: 2019 (BJSA-4) against 2026 tiers B and A."""
    def col(pid: str, tier: str, name: str) -> pl.DataFrame:
        return table.filter((pl.col("policy_id") == pid) & (pl.col("tier") == tier)
                            & pl.col("level").is_not_null()).select("level", pl.col("amount_cny").alias(name))
    out = col(BJSA, "—", "y2019").join(col(BJKG, "B", "y2026_b"), on="level", how="full", coalesce=True) \
        .join(col(BJKG, "A", "y2026_a"), on="level", how="full", coalesce=True)
    return out.with_columns((pl.col("y2026_b") - pl.col("y2019")).alias("change_b")).sort("level", descending=True)
