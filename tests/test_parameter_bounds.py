"""Parameters carry their own bounds (issue 10 part 3): every value a reform may set is in a
declared range, checked with the cross checks on every override; within them no calculator
crashes, overflows or pays a negative or unbounded amount; rates apply exactly (money.apply_pct)."""
from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from skillsim.policies import ParameterError, all_policies, claims_frame, get_policy
from skillsim.policies.engine import collect
from skillsim.policies.money import apply_pct, hundredths
from skillsim.policies.parameters import UNITS, ParameterSet
from skillsim.simulate import scenario
from skillsim.simulate.cli import main
from skillsim.simulate.scenario import ScenarioError

from .conftest import BJ, BJ_BASE, SH, SH_BASE, explain
from .test_beijing_2019_skills_action import (APPRENTICE, DOMESTIC, HIGH_TECH, NEW_HIRE, RESEARCH, SA_BASE,
                                              SERVICES, SPECIAL, STUDIO, TRAINING)
from .test_beijing_2025_project_training_draft import PT_BASE
from .test_beijing_2026_high_skill_training import HS_BASE

SA, HS, PT = "beijing-2019-skills-action", "beijing-2026-high-skill-training", "beijing-2025-project-training-draft"
EXAMPLES = Path(__file__).parent.parent / "examples"


def _claims() -> dict[str, list[dict[str, Any]]]:
    """Each policy's example claims (examples/*.json) and the tests' base claims."""
    out: dict[str, list[dict[str, Any]]] = {
        BJ: [BJ_BASE], SH: [SH_BASE], HS: [HS_BASE],
        SA: [{**SA_BASE, **c} for c in (
            NEW_HIRE, APPRENTICE, SPECIAL, {}, {"difficult_enterprise": True}, RESEARCH, STUDIO,
            {**HIGH_TECH, "months_employed_after_cert": 6}, {**HIGH_TECH, "industry": "cultural_creative"},
            SERVICES, {**SERVICES, "industry": "urban_operation"},
            {**TRAINING, "subsidy_line": "BJSA-9", "employment_difficulty": True, "work_training_months": 120},
            DOMESTIC, {**DOMESTIC, "domestic_training": "refresher", "employee_based_firm": True},
            {**TRAINING, "subsidy_line": "BJSA-11"})],
        PT: [{**PT_BASE, "trained_by": t} for t in ("training_base", "training_body", "employer", "district")],
    }
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    for name, e in expected.items():
        out[e["policy"]].append(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))
    for policy in all_policies():  # and every policy's own worked examples (a plug-in's too)
        out.setdefault(policy.id, []).extend(e["claim"] for e in policy.examples() if not e.get("parameters"))
    return out


CLAIMS = _claims()
POLICIES = sorted(CLAIMS)


def test_every_policy_has_claims_to_run():
    assert set(POLICIES) == {p.id for p in all_policies()}
    assert all(len(c) >= 1 for c in CLAIMS.values())


# ---- every numeric parameter declares its range; the loader makes sure ------------------------------
def test_every_ordered_parameter_declares_bounds_and_whether_fractions_are_allowed():
    for policy in all_policies():
        for name in policy.parameters:
            m = policy.parameters.meta(name)
            unit = UNITS[m.unit]
            assert (m.bounds is not None) == unit.ordered, (policy.id, name)
            assert (m.integer is not None) == unit.declares_integer, (policy.id, name)
            if m.bounds:
                lo, hi = m.bounds
                assert unit.limits[0] <= lo <= hi <= unit.limits[1], (policy.id, name)


# ---- what the fuzzer found: each is one ParameterError naming the parameter --------------------------
@pytest.mark.parametrize("pid, changes, message", [
    (BJ, {"skill_level_tier_b": {}}, "skill_level_tier_b: missing key '5'"),
    (BJ, {"skill_level_tier_b": {"5": 1000, "4": 9223372036854775807, "3": 2000, "2": 2000, "1": 2000}},
     r"skill_level_tier_b: amount '4': 9223372036854775807 is outside its bounds 0–20000"),
    (BJ, {"skill_level_tier_b": {"A": 5}}, "skill_level_tier_b: missing key '5', unknown key 'A'"),
    (BJ, {"skill_level_tier_b": {"5": 1000, "4": 1500, "3": 2000, "2": 2000, "1": 2000, "6": 9}},
     "skill_level_tier_b: unknown key '6'"),
    (BJ, {"skill_level_tier_b": {"5": 1000.5, "4": 1500, "3": 2000, "2": 2000, "1": 2000}},
     "skill_level_tier_b: amount '5': 1000.5 is not whole yuan"),
    (BJ, {"application_window_years": 1.5}, "application_window_years: 1.5 is not a whole number"),
    (BJ, {"review_calendar_days": 10**9}, "review_calendar_days: 1000000000 is outside its bounds 0–366"),
    (BJ, {"publicity_days": 0}, "publicity_days: 0 is outside its bounds 1–90"),
    (BJ, {"a_tier_uplift_pct": 20.125}, "a_tier_uplift_pct: 20.125 has more than two decimals"),
    (BJ, {"a_tier_uplift_pct": float("nan")}, "a_tier_uplift_pct: nan is not a number"),
    (BJ, {"a_tier_uplift_pct": True}, "a_tier_uplift_pct: True is not a number"),
    (BJ, {"catalog_overrides": {"4-10-01-05": "C"}}, "catalog_overrides: '4-10-01-05' -> 'C'"),
    (BJ, {"issue_window_start": "2026-02-30"}, "issue_window_start: '2026-02-30' is not a real date"),
    (BJ, {"issue_window_start": "1 May 2025"}, "issue_window_start: '1 May 2025' is not a date"),
    (BJ, {"notice_effective": "2099-01-01"}, "notice_effective: 2099-01-01 is outside its bounds"),
    (SH, {"city_share_pct": 1000}, "city_share_pct: 1000 is outside its bounds 0–100"),
    (SH, {"rate_care_pct": 250}, "rate_care_pct: 250 is outside its bounds 0–200"),
    (SH, {"base_amounts": {"A": 5}}, "base_amounts: missing key 'B'"),
    (SH, {"base_amounts": {c: {"5": 1} for c in "ABC"}}, "base_amounts: missing key '4' under 'A'"),
    (SH, {"special_operation_class": "D"}, "special_operation_class: 'D' is not one of A, B, C"),
    (SH, {"working_age_min": 16.5}, "working_age_min: 16.5 is not a whole number"),
    (SA, {"high_tech_paid_share_pct": 120}, "high_tech_paid_share_pct: 120 is outside its bounds 0–100"),
    (SA, {"work_training_max_months": 10**6}, "work_training_max_months: 1000000 is outside its bounds 0–60"),
    (HS, {"amount_per_trainee": -1}, "amount_per_trainee: -1 is outside its bounds"),
    (PT, {"training_base_per_trainee_cny": "1500"}, "training_base_per_trainee_cny: '1500' is not a number"),
])
def test_bad_override_is_one_error_naming_the_parameter(pid, changes, message):
    with pytest.raises(ParameterError, match=message) as e:
        get_policy(pid).parameters.override(changes)
    assert "\n" not in str(e.value)


def test_a_date_parameter_takes_an_iso_string():
    ps = get_policy(SH).parameters.override({"certificates_until": "2028-12-31"})
    assert ps["certificates_until"] == dt.date(2028, 12, 31)
    r = explain(SH, SH_BASE, {"certificates_until": "2026-02-01"})
    assert (r["status"], r["deciding_rule"]) == ("out_of_scope", "SHSU-V1")


def test_a_whole_float_is_the_whole_number():
    """JSON's 1e3 is 1000: the same value and digest as the integer."""
    bj = get_policy(BJ).parameters
    a, b = bj.override({"a_tier_uplift_pct": 30.0}), bj.override({"a_tier_uplift_pct": 30})
    assert a["a_tier_uplift_pct"] == 30 and isinstance(a["a_tier_uplift_pct"], int) and a.digest() == b.digest()


# ---- cross checks: every declared check refuses an override that breaks it --------------------------
def _past(value: Any, step: int) -> Any:
    return value + dt.timedelta(days=step) if isinstance(value, dt.date) else value + step


@pytest.mark.parametrize("pid", POLICIES)
def test_every_cross_check_refuses_a_reform_that_breaks_it(pid):
    full = get_policy(pid).parameters
    assert full.checks
    for check in full.checks:
        ps = ParameterSet({n: full.meta(n) for n in full}, pid, (check,))   # this check alone
        for a, b in zip(check.names, check.names[1:]):
            strict = check.kind == "less"
            # move the first past the second, or the second below the first, where that stays in bounds
            # (the bounds alone may already keep a chain in order: working ages 14–30 < 40–80)
            over = _past(ps[b], 0 if strict else 1)
            under = _past(ps[a], 0 if strict else -1)
            lo_a, hi_a = ps.meta(a).bounds
            lo_b, hi_b = ps.meta(b).bounds
            if lo_a <= over <= hi_a:
                with pytest.raises(ParameterError, match=f"parameter {a}: .* {b} "):
                    ps.override({a: over})
            if lo_b <= under <= hi_b:
                with pytest.raises(ParameterError, match=f"parameter {b}: .* {a} "):
                    ps.override({b: under})
            if not strict and lo_a <= ps[b] <= hi_a:
                ps.override({a: ps[b]})       # equal values: allowed by less_equal (refused by less, above)


def test_cross_checks_apply_to_stacked_reforms_and_to_both_values():
    sh = get_policy(SH).parameters
    later = sh.override({"certificates_until": "2030-12-31"})
    later.override({"certificates_from": "2029-01-01"})            # fine with the first reform
    with pytest.raises(ParameterError, match="certificates_from: 2029-01-01 must be on or before certificates_until"):
        sh.override({"certificates_from": "2029-01-01"})
    with pytest.raises(ParameterError, match="application_window_months: 30 must be at most application_window_months_e"):
        sh.override({"application_window_months": 30, "yearly_max": 5})
    sh.override({"application_window_months": 30, "application_window_months_extended": 36})
    with pytest.raises(ParameterError, match="apprentice_amount_per_year: 9000 must be at most apprentice_max"):
        get_policy(SA).parameters.override({"apprentice_amount_per_year": 9000})
    get_policy(SA).parameters.override({"apprentice_amount_per_year": 9000, "apprentice_max_per_year": 9000})


# ---- one rounding rule: apply_pct ---------------------------------------------------------------------
def _half_up(base: int, pct: Fraction) -> int:
    return int(base * pct / 100 + Fraction(1, 2))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 100_000))
def test_apply_pct_is_exact_half_up_on_numbers_and_columns(base, h):
    pct = h / 100
    want = _half_up(base, Fraction(h, 100))
    assert hundredths(pct) == h
    assert apply_pct(base, pct) == want
    df = pl.DataFrame({"b": [base], "p": [pct]})
    assert df.select(apply_pct(pl.col("b"), pl.col("p")))[0, 0] == want
    assert df.select(apply_pct(pl.col("b"), pct))[0, 0] == want


def test_hundredths_refuses_a_third_decimal():
    with pytest.raises(ValueError):
        hundredths(80.125)


@pytest.mark.parametrize("pid, base, changes, want", [
    # the migrant care worker: 1950 × 80.9 % = 1577.55 -> 1578 (Shanghai used to pay 80 %: 1560)
    (SH, json.loads((EXAMPLES / "sh-migrant-care-worker.json").read_text(encoding="utf-8")),
     {"rate_care_pct": 80.9}, 1578),
    # Beijing's tier A: 1500 × 120.5 % = 1807.5 -> 1808
    (BJ, {**BJ_BASE, "catalog_class": "A"}, {"a_tier_uplift_pct": 20.5}, 1808),
    # BJSA's paid share: 20000 × 33.33 % = 6666
    (SA, {**SA_BASE, **HIGH_TECH}, {"high_tech_paid_share_pct": 33.33}, 6666),
])
def test_a_fractional_rate_is_applied_exactly(pid, base, changes, want):
    r = get_policy(pid).explain(base, get_policy(pid).params(changes))
    assert (r["status"], r["amount_cny"]) == ("eligible", want), r


def test_city_share_rounds_half_up_and_the_district_pays_the_rest():
    odd = {**SH_BASE, "catalog_class": "C", "cert_level": 5}                          # 800 × 100 %
    for share, city in [(50, 400), (33.33, 267), (0, 0), (100, 800), (12.5, 100)]:
        f = explain(SH, odd, {"city_share_pct": share})["funding"]
        assert (f["city_cny"], f["district_cny"]) == (city, 800 - city), share
    f = explain(SH, {**SH_BASE, "catalog_class": "B", "cert_level": 3}, {"base_amounts": {
        **get_policy(SH).parameters["base_amounts"], "B": {**get_policy(SH).parameters["base_amounts"]["B"], "3": 2701}}})["funding"]
    assert (f["city_cny"], f["district_cny"]) == (1351, 1350)                        # 1:1, the city takes the odd yuan


# ---- within the bounds no calculator crashes, overflows or pays beyond them -----------------------------
def _value(draw, m, baseline: Any, extremes: bool) -> Any:
    """A value of parameter ``m`` within its bounds. ``extremes``: amounts and rates at their
    upper bound, other numbers at their baseline or upper bound, dates at their baseline."""
    kind = UNITS[m.unit].kind
    if kind == "money table":
        return {k: _value(draw, m, v, extremes) for k, v in baseline.items()} if isinstance(baseline, dict) \
            else (m.bounds[1] if extremes else draw(st.integers(*m.bounds)))
    if m.bounds is not None:
        lo, hi = m.bounds
        if extremes:
            return hi if kind == "money" or m.unit == "percent" else \
                baseline if kind == "date" else draw(st.sampled_from([baseline, hi]))
        if kind == "date":
            return draw(st.dates(lo, hi))
        if m.integer or kind == "money":
            return draw(st.integers(lo, hi))
        if m.unit == "percent":
            return draw(st.integers(lo * 100, hi * 100)) / 100
        return draw(st.floats(lo, hi, allow_nan=False))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "class map":
        policy_codes = draw(st.lists(st.sampled_from(["4-10-01-05", "4-03-02-01", "6-18-01-07", "家庭餐制作"]),
                                     max_size=3))
        return {c: draw(st.sampled_from(m.choices or ("A", "B", "C"))) for c in policy_codes}
    if kind == "text" and m.choices:
        return draw(st.sampled_from(m.choices))
    return baseline   # free text and lists: names, not numbers


def _repair(ps: ParameterSet, values: dict[str, Any]) -> dict[str, Any]:
    """Values that respect the cross checks: each chain sorted (strict ones one apart)."""
    for _ in range(4):
        for c in ps.checks:
            chain = sorted(values[n] for n in c.names)
            if c.kind == "less":
                for i in range(len(chain) - 2, -1, -1):
                    if chain[i] >= chain[i + 1]:
                        chain[i] = _past(chain[i + 1], -1)
            values.update(zip(c.names, chain))
    return values


@st.composite
def reforms(draw, pid: str, extremes: bool = False) -> dict[str, Any]:
    ps = get_policy(pid).parameters
    values = _repair(ps, {n: _value(draw, ps.meta(n), ps[n], extremes) for n in ps})
    try:
        ps.override(values)
    except ParameterError:
        assume(False)   # a strict chain pushed below a bound: rare, drawn again
    return values


def _ceiling(ps: ParameterSet) -> int:
    """No amount exceeds the largest money bound × (100 % + the largest percentage bound)."""
    money = max(ps.meta(n).bounds[1] for n in ps if UNITS[ps.meta(n).unit].kind in ("money", "money table"))
    pct = max([ps.meta(n).bounds[1] for n in ps if ps.meta(n).unit == "percent"] or [0])
    return money * (100 + pct) // 100


def _run(pid: str, changes: dict[str, Any]) -> pl.DataFrame:
    policy = get_policy(pid)
    params = policy.params(changes)
    df = collect(policy.population_caps(policy.evaluate(claims_frame(CLAIMS[pid]), params, detail="reasons"),
                                        params))
    df.to_dicts()   # every value converts, as explain's answer does
    ceiling = _ceiling(params)
    money = [df["amount_cny"], df["funding"].struct.field("city_cny"), df["funding"].struct.field("district_cny")]
    money += [df[c] for c in ("employer_topup_cny", "individual_award_cny") if c in df.columns]
    for col in money:
        assert col.min() >= 0 and col.max() <= 3 * ceiling, (pid, col.name, col.to_list())
    assert df["amount_cny"].max() <= ceiling
    assert (df.filter(pl.col("status") == "eligible")["amount_cny"].is_not_null()).all()
    return df


def _largest(pid: str) -> dict[str, Any]:
    """Every amount and rate at its upper bound, the rest at the baseline."""
    ps = get_policy(pid).parameters
    top = lambda m, v: {k: top(m, x) for k, x in v.items()} if isinstance(v, dict) else m.bounds[1]  # noqa: E731
    return {n: top(ps.meta(n), ps[n]) for n in ps
            if UNITS[ps.meta(n).unit].kind in ("money", "money table") or ps.meta(n).unit == "percent"}


@pytest.mark.parametrize("pid", POLICIES)
def test_largest_amounts_and_rates_pay_within_bounds(pid):
    """No overflow (a negative amount), nothing beyond the largest money bound × the largest
    rate, and the claims are still paid."""
    df = _run(pid, _largest(pid))
    assert df["amount_cny"].max() > 0


@pytest.mark.parametrize("pid", POLICIES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_parameter_at_its_upper_bound_pays_within_bounds(pid, data):
    """Amounts and rates at the top of their bounds, every other number at its baseline or its
    top (switches and classes drawn): no crash, no overflow, nothing beyond the bounds."""
    _run(pid, data.draw(reforms(pid, extremes=True)))


@pytest.mark.parametrize("pid", POLICIES)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_values_within_the_bounds_run_every_claim(pid, data):
    _run(pid, data.draw(reforms(pid)))


# ---- --set, [parameters] and [reform] alike: one line naming the parameter --------------------------------
CARE = str(EXAMPLES / "bj-unemployed-care-worker.json")


@pytest.mark.parametrize("pair, name", [
    ("skill_level_tier_b={}", "skill_level_tier_b: missing key '5'"),
    ('skill_level_tier_b={"5":1000,"4":9223372036854775807,"3":2000,"2":2000,"1":2000}', "skill_level_tier_b"),
    ("issue_window_start=2030-01-01", "issue_window_start: 2030-01-01 must be on or before issue_window_end"),
    ("a_tier_uplift_pct=20.555", "a_tier_uplift_pct"),
    ("application_window_years=1.5", "application_window_years"),
])
def test_set_violation_exits_2_with_one_line_and_no_stdout(capsys, pair, name):
    assert main(["explain", "--policy", BJ, "--claim", CARE, "--set", pair]) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1 and name in out.err


def test_set_takes_an_iso_date(capsys):
    assert main(["explain", "--policy", BJ, "--claim", CARE, "--set", "issue_window_end=2026-01-31"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "BJKG-C2")


@pytest.mark.parametrize("section", ["parameters", "reform"])
def test_scenario_override_violation_names_section_and_parameter(section):
    base = (EXAMPLES.parent / "scenarios" / "reform-example.toml").read_text(encoding="utf-8")
    text = base.replace("[reform.beijing-2026-key-groups]\na_tier_uplift_pct = { value = 30,",
                        f"[{section}.beijing-2026-key-groups]\na_tier_uplift_pct = {{ value = 130,")
    assert text != base
    with pytest.raises(ScenarioError, match=f"{section}.beijing-2026-key-groups.*parameter a_tier_uplift_pct: 130 "
                                            "is outside its bounds 0–100") as e:
        scenario.loads(text)
    assert "\n" not in str(e.value)
