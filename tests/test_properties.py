"""Invariants over random claims (hypothesis), for every registered policy."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies import ContractError, claims_frame, get_policy, result_dict

from .strategies import POLICIES, claims, garbage_claims

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# every amount the tables allow (BJKG-A1, BJKG-A2; SHSU-A1 × SHSU-R1…R5/X1 rates)
ALLOWED = {
    "beijing-2026-key-groups": {1000, 1500, 2000, 1200, 1800, 2400, 800},
    "shanghai-2025-skills-upgrade": {(b * r + 50) // 100 for b in
                                     [1950, 2600, 3250, 3900, 4550, 1000, 1500, 2000, 2700, 3200, 3700, 800, 500]
                                     for r in (80, 100, 120)},
}


@pytest.mark.parametrize("pid", POLICIES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(claims(), min_size=1, max_size=8))
def test_vectorised_equals_one_claim(pid, batch):
    policy = get_policy(pid)
    frame = policy.evaluate(claims_frame(batch), detail="reasons").collect()
    for row, claim in zip(frame.iter_rows(named=True), batch):
        assert result_dict(row) == policy.explain(claim)


@pytest.mark.parametrize("pid", POLICIES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(claims(), min_size=1, max_size=12))
def test_rule_ids_are_the_reasons_rules(pid, batch):
    """detail="rules" (bit words, lists built per distinct word) lists the rules of detail="reasons"."""
    policy = get_policy(pid)
    frame = claims_frame(batch)
    rules = policy.evaluate(frame, detail="rules").collect()
    reasons = policy.evaluate(frame, detail="reasons").collect()
    assert rules["rules"].to_list() == [[r["rule"] for r in rs] for rs in reasons["reasons"].to_list()]
    assert rules.drop("rules").equals(reasons.drop("reasons"))


@pytest.mark.parametrize("pid", POLICIES)
@SETTINGS
@given(batch=st.lists(claims(), min_size=1, max_size=30))
def test_amounts_follow_status_and_tables(pid, batch):
    df = get_policy(pid).evaluate(claims_frame(batch)).collect()
    assert df["status"].is_in(["eligible", "ineligible", "needs_info", "out_of_scope"]).all()
    not_eligible = df.filter(pl.col("status") != "eligible")
    assert (not_eligible["amount_cny"] == 0).all()                  # 0 unless eligible, never negative
    eligible = df.filter(pl.col("status") == "eligible")
    assert set(eligible["amount_cny"].to_list()) <= ALLOWED[pid]
    f = df["funding"].struct.unnest()
    assert (f["city_cny"] + f["district_cny"] == df["amount_cny"]).all()
    assert df["deciding_rule"].is_not_null().all() and (df["rules"].list.len() > 0).all()


def _amounts(policy, variants: list[dict]) -> list[int]:
    """Amounts of several variants of one claim, in one vectorised pass."""
    return policy.evaluate(claims_frame(variants), detail="amounts").collect()["amount_cny"].to_list()


@pytest.mark.parametrize("pid", POLICIES)
@SETTINGS
@given(claim=claims())
def test_monotone_in_level(pid, claim):
    """Within a tier, a higher level (5 → 1) never pays less."""
    policy = get_policy(pid)
    claim = {**claim, "cert_kind": "skill_level"}
    amounts = _amounts(policy, [{**claim, "cert_level": lvl} for lvl in (5, 4, 3, 2, 1)])
    assert amounts == sorted(amounts)


@pytest.mark.parametrize("pid", POLICIES)
@SETTINGS
@given(claim=claims(), level=st.none() | st.integers(1, 5))
def test_class_a_pays_at_least_b_at_least_c(pid, claim, level):
    policy = get_policy(pid)
    claim = {**claim, "cert_level": level if claim["cert_kind"] in ("skill_level", "qualification") else None}
    a, b, c = _amounts(policy, [{**claim, "catalog_class": k} for k in "ABC"])
    assert a >= b >= c


# every policy that decides a claim on its own (the draft BJPT-2 needs a scenario's amounts)
DECIDING = POLICIES + ["beijing-2019-skills-action", "beijing-2026-high-skill-training"]


@pytest.mark.parametrize("pid", DECIDING)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=garbage_claims())
def test_garbage_never_raises_anything_but_a_contract_error(pid, obj):
    try:
        result = get_policy(pid).explain(obj)
    except ContractError as e:
        assert "\n" not in str(e) and e.field
    else:
        assert result["status"] in ("eligible", "ineligible", "needs_info", "out_of_scope")
