"""Invariants over random claims (hypothesis), for every registered policy."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillsim.policies import claims_frame, get_policy

from skillsim.testing.checks import MIN_PAID, check_explain_equals_evaluate, check_garbage, run_counting

from .strategies import POLICIES, claims, garbage_claims, paid_claims

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# every amount the tables allow (BJKG-A1, BJKG-A2; SHSU-A1 × SHSU-R1…R5/X1 rates)
ALLOWED = {
    "beijing-2026-key-groups": {1000, 1500, 2000, 1200, 1800, 2400, 800},
    "shanghai-2025-skills-upgrade": {(b * r + 50) // 100 for b in
                                     [1950, 2600, 3250, 3900, 4550, 1000, 1500, 2000, 2700, 3200, 3700, 800, 500]
                                     for r in (80, 100, 120)},
}




def mixed(pid: str, **kw):
    """Mostly claims the policy pays, some of any kind (every check gets its turn)."""
    return st.one_of(paid_claims(pid, **kw), paid_claims(pid, **kw), paid_claims(pid, **kw), claims())


@pytest.mark.parametrize("pid", POLICIES)
def test_vectorised_equals_one_claim(pid):
    policy = get_policy(pid)

    def check(batch):
        assert check_explain_equals_evaluate(policy, batch, policy.parameters) == []
        return policy.evaluate(claims_frame(batch), detail="amounts").collect()["status"].to_list()
    run_counting(st.lists(mixed(pid), min_size=1, max_size=8), check, n=25)


@pytest.mark.parametrize("pid", POLICIES)
def test_rule_ids_are_the_reasons_rules(pid):
    """detail="rules" (bit words, lists built per distinct word) lists the rules of detail="reasons"."""
    policy = get_policy(pid)

    def check(batch):
        frame = claims_frame(batch)
        rules = policy.evaluate(frame, detail="rules").collect()
        reasons = policy.evaluate(frame, detail="reasons").collect()
        assert rules["rules"].to_list() == [[r["rule"] for r in rs] for rs in reasons["reasons"].to_list()]
        assert rules.drop("rules").equals(reasons.drop("reasons"))
        return rules["status"].to_list()
    run_counting(st.lists(mixed(pid), min_size=1, max_size=12), check, n=25)


@pytest.mark.parametrize("pid", POLICIES)
def test_amounts_follow_status_and_tables(pid):
    policy = get_policy(pid)

    def check(batch):
        df = policy.evaluate(claims_frame(batch)).collect()
        assert df["status"].is_in(["eligible", "ineligible", "needs_info", "out_of_scope"]).all()
        not_eligible = df.filter(pl.col("status") != "eligible")
        assert (not_eligible["amount_cny"] == 0).all()                  # 0 unless eligible, never negative
        eligible = df.filter(pl.col("status") == "eligible")
        assert set(eligible["amount_cny"].to_list()) <= ALLOWED[pid]
        assert (eligible["amount_cny"] > 0).all()
        f = df["funding"].struct.unnest()
        assert (f["city_cny"] + f["district_cny"] == df["amount_cny"]).all()
        assert df["deciding_rule"].is_not_null().all() and (df["rules"].list.len() > 0).all()
        return df["status"].to_list()
    run_counting(st.lists(mixed(pid), min_size=1, max_size=30), check)


def _amounts(policy, variants: list[dict]) -> list[int]:
    """Amounts of several variants of one claim, in one vectorised pass."""
    return policy.evaluate(claims_frame(variants), detail="amounts").collect()["amount_cny"].to_list()


def _statuses(policy, variants: list[dict]) -> list[str]:
    return policy.evaluate(claims_frame(variants), detail="amounts").collect()["status"].to_list()


@pytest.mark.parametrize("pid", POLICIES)
def test_monotone_in_level(pid):
    """Within a tier, a higher level (5 → 1) never pays less, and pays more somewhere (the tables rise)."""
    policy = get_policy(pid)
    rises = []

    def check(claim):
        variants = [{**claim, "cert_kind": "skill_level", "cert_level": lvl} for lvl in (5, 4, 3, 2, 1)]
        amounts = _amounts(policy, variants)
        assert amounts == sorted(amounts)
        rises.append(amounts[-1] > amounts[0])
        return _statuses(policy, variants)
    run_counting(paid_claims(pid, kind="skill_level"), check)
    assert any(rises)


@pytest.mark.parametrize("pid", POLICIES)
def test_class_a_pays_at_least_b_at_least_c(pid):
    policy = get_policy(pid)

    def check(claim):
        claim = {**claim, "occupation_code": claim.get("occupation_code") or "4-03-02-01"}
        variants = [{**claim, "catalog_class": k} for k in "ABC"]
        a, b, c = _amounts(policy, variants)
        assert a >= b >= c and (a == 0 or a > c)  # a class-C certificate pays less, or nothing
        return _statuses(policy, variants)
    run_counting(paid_claims(pid), check)


# every policy that decides a claim on its own (the draft BJPT-2 needs a scenario's amounts)
DECIDING = POLICIES + ["beijing-2019-skills-action", "beijing-2026-high-skill-training"]


@pytest.mark.parametrize("pid", DECIDING)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=garbage_claims())
def test_garbage_never_raises_anything_but_a_contract_error(pid, obj):
    policy = get_policy(pid)
    assert check_garbage(policy, obj, policy.parameters) == []
