"""beijing-2026-high-skill-training (京人社就促字〔2026〕9号): one test per rule id of its rules.toml,
and hypothesis invariants over small populations (caps hold, amounts within the table)."""
import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillsim.policies import claims_frame, get_policy, result_dict

from .conftest import explain, rules_of

HS = "beijing-2026-high-skill-training"

# A front-line technician (level 2) with 24 months of Beijing social insurance, in an 80-hour programme
# (16 seminar) that ended on 2026-06-10; the host claims on 2026-06-20: eligible, 5000 to the host.
HS_BASE = {
    "person_id": "hs-1", "hukou": "other", "age": 40, "sex": "male", "employment": "employed",
    "cert_kind": "skill_level", "occupation_code": "6-18-01-07", "cert_level": 2, "cert_issue_date": "2023-05-01",
    "cert_issuer_city": "beijing", "application_date": "2026-06-20", "host_id": "host-A",
    "front_line_post": True, "insurance_months_at_training": 24, "in_2025_programme": False,
    "programme_hours": 80, "programme_seminar_hours": 16, "programme_end_date": "2026-06-10",
}


@pytest.fixture
def hs():
    return lambda overrides=None, **kw: explain(HS, HS_BASE, overrides, **kw)


def test_base_claim_is_eligible(hs):
    r = hs()
    assert (r["status"], r["amount_cny"], r["payee"], r["deciding_rule"]) == ("eligible", 5000, "host", "BJHS-A1")
    assert {"BJHS-H1", "BJHS-T1", "BJHS-D1", "BJHS-A1", "BJHS-P1"} <= set(rules_of(r))
    assert r["funding"]["city_cny"] == 5000


# ---- BJHS-H1: the host is paid; the note names it
def test_H1_host_is_the_payee(hs):
    r = hs()
    h1 = [x for x in r["reasons"] if x["rule"] == "BJHS-H1"]
    assert h1 and "host-A" in h1[0]["message"] and "Beijing legal entity" in h1[0]["message"]
    assert get_policy(HS).meta.payee == "host"


# ---- BJHS-T1: the trainee
@pytest.mark.parametrize("changes", [
    {"front_line_post": False},
    {"cert_kind": "special_ability", "cert_level": None}, {"cert_kind": "special_operation"},
    {"cert_kind": "training_only", "cert_level": None},
    {"cert_kind": "qualification", "cert_level": None},          # ungraded
    {"cert_level": 3}, {"cert_level": 5},
    {"insurance_months_at_training": 11},
    {"in_2025_programme": True},
    {"cert_issue_date": "2026-06-11", "programme_end_date": "2026-06-10"},
])
def test_T1_trainee_conditions(hs, changes):
    r = hs(**changes)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJHS-T1" and r["amount_cny"] == 0


@pytest.mark.parametrize("changes", [{"cert_level": 1}, {"cert_kind": "qualification"},
                                     {"insurance_months_at_training": 12}, {"hukou": "beijing"}])
def test_T1_qualifying_variants(hs, changes):
    assert hs(**changes)["amount_cny"] == 5000


@pytest.mark.parametrize("field", ["front_line_post", "insurance_months_at_training", "in_2025_programme",
                                   "cert_level"])
def test_T1_unknown_fact_needs_info_naming_the_field(hs, field):
    r = hs(**{field: None})
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("needs_info", "BJHS-T1", 0)
    assert field in r["reasons"][-1]["message"]


def test_T1_once_per_person_is_a_reading(hs):
    prior = [{"policy_id": HS, "date": "2026-04-01"}]
    r = hs(prior_subsidies=prior)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJHS-T1"
    assert hs({"once_per_person": False}, prior_subsidies=prior)["status"] == "eligible"
    assert hs(prior_subsidies=[{"policy_id": "beijing-2026-key-groups", "date": "2026-04-01"}])["status"] == "eligible"


# ---- BJHS-D1: ≥ 80 hours, ≥ 16 seminar
@pytest.mark.parametrize("hours, seminar, ok", [(80, 16, True), (79.5, 16, False), (120, 15, False), (200, 40, True)])
def test_D1_programme_hours(hs, hours, seminar, ok):
    r = hs(programme_hours=hours, programme_seminar_hours=seminar)
    assert r["status"] == ("eligible" if ok else "ineligible")
    assert ok or r["deciding_rule"] == "BJHS-D1"


@pytest.mark.parametrize("field", ["programme_hours", "programme_seminar_hours"])
def test_D1_unknown_hours_need_info(hs, field):
    r = hs(**{field: None})
    assert (r["status"], r["deciding_rule"]) == ("needs_info", "BJHS-D1") and field in r["reasons"][-1]["message"]


def test_D1_thresholds_are_parameters(hs):
    assert hs({"min_hours": 100})["deciding_rule"] == "BJHS-D1"
    assert hs({"min_seminar_hours": 10}, programme_seminar_hours=12)["status"] == "eligible"


# ---- BJHS-A1: 5000 per trainee to the host; the 2019 per-host cap is a parameter, off by default
def test_A1_amount_and_parameter(hs):
    assert hs()["amount_cny"] == 5000
    assert hs({"amount_per_trainee": 6000})["amount_cny"] == 6000


def test_A1_host_cap_off_by_default_and_needs_host_id_when_on(hs):
    p = get_policy(HS).parameters
    assert p["host_cap_applies"] is False and p["host_cap_cny"] == 300000
    assert hs(host_id=None)["status"] == "eligible"
    r = hs({"host_cap_applies": True}, host_id=None)
    assert (r["status"], r["deciding_rule"]) == ("needs_info", "BJHS-A1") and "host_id" in r["reasons"][-1]["message"]


def _population(n_people: int, per_person: int = 1, host: str = "host-A") -> pl.DataFrame:
    rows = [{**HS_BASE, "person_id": f"p{i}", "host_id": host} for i in range(n_people) for _ in range(per_person)]
    return claims_frame(rows)


def test_A1_host_cap_in_a_population():
    pol = get_policy(HS)
    frame = _population(70)
    off = pol.population_caps(pol.evaluate(frame), pol.parameters).collect()
    assert off["amount_cny"].sum() == 70 * 5000                         # no cap in 2026
    p = pol.params({"host_cap_applies": True})
    on = pol.population_caps(pol.evaluate(frame, p), p).collect()
    assert on["amount_cny"].sum() == 300000 and (on["status"] == "eligible").sum() == 60
    capped = on.filter(pl.col("status") == "ineligible")
    assert (capped["deciding_rule"] == "BJHS-A1").all() and (capped["rules"].list.first() == "BJHS-A1").all()
    assert (capped["funding"].struct.field("city_cny") == 0).all()


def test_T1_once_per_person_in_a_population():
    pol = get_policy(HS)
    df = pol.population_caps(pol.evaluate(_population(3, per_person=2)), pol.parameters).collect()
    assert (df["status"] == "eligible").sum() == 3 and df["amount_cny"].sum() == 15000
    assert set(df.filter(pl.col("status") == "ineligible")["deciding_rule"]) == {"BJHS-T1"}


# ---- BJHS-P1: funding claim within 2 weeks of the programme's end; nothing before the notice
@pytest.mark.parametrize("applied, status, rule", [
    ("2026-06-24", "eligible", "BJHS-A1"), ("2026-06-25", "ineligible", "BJHS-P1"),
    ("2026-06-10", "eligible", "BJHS-A1"), ("2026-06-09", "ineligible", "BJHS-P1")])
def test_P1_claim_window(hs, applied, status, rule):
    r = hs(application_date=applied)
    assert (r["status"], r["deciding_rule"]) == (status, rule)


def test_P1_before_the_notice_is_out_of_scope_and_end_date_needed(hs):
    r = hs(application_date="2026-01-20", programme_end_date="2026-01-15")
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("out_of_scope", "BJHS-P1", 0)
    r = hs(programme_end_date=None)
    assert (r["status"], r["deciding_rule"]) == ("needs_info", "BJHS-P1")
    assert "2026-03-06" in [x for x in hs()["reasons"] if x["rule"] == "BJHS-P1"][0]["message"]


# ---- hypothesis: random trainees; caps hold, amounts are 0 or 5000, vectorised = one claim
@st.composite
def trainees(draw):
    end = dt.date(2026, 3, 1) + dt.timedelta(days=draw(st.integers(0, 290)))
    return {
        **HS_BASE,
        "person_id": draw(st.sampled_from(["a", "b", "c", "d", "e"])),
        "host_id": draw(st.sampled_from(["host-A", "host-B", None])),
        "cert_kind": draw(st.sampled_from(["skill_level", "qualification", "special_ability"])),
        "cert_level": draw(st.none() | st.integers(1, 5)),
        "front_line_post": draw(st.none() | st.booleans()),
        "insurance_months_at_training": draw(st.none() | st.integers(0, 30)),
        "in_2025_programme": draw(st.sampled_from([None, False, False, True])),
        "programme_hours": draw(st.none() | st.integers(60, 120)),
        "programme_seminar_hours": draw(st.none() | st.integers(10, 30)),
        "programme_end_date": end.isoformat(),
        "application_date": (end + dt.timedelta(days=draw(st.integers(0, 20)))).isoformat(),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(trainees(), min_size=1, max_size=40), cap=st.sampled_from([5000, 12000, 20000, 300000]),
       on=st.booleans())
def test_population_caps_hold(batch, cap, on):
    pol = get_policy(HS)
    p = pol.params({"host_cap_applies": on, "host_cap_cny": cap})
    df = pol.population_caps(pol.evaluate(claims_frame(batch), p), p).collect()
    assert df.height == len(batch)
    assert (df["amount_cny"] >= 0).all() and (df["amount_cny"] <= 5000).all()
    assert (df.filter(pl.col("status") != "eligible")["amount_cny"] == 0).all()
    assert df.group_by("person_id").agg((pl.col("status") == "eligible").sum().alias("n"))["n"].max() <= 1
    if on:
        per_host = df.group_by("host_id").agg(pl.col("amount_cny").sum())["amount_cny"]
        assert per_host.max() <= cap
    f = df["funding"].struct.unnest()
    assert (f["city_cny"] + f["district_cny"] == df["amount_cny"]).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(trainees(), min_size=1, max_size=6))
def test_vectorised_equals_one_claim(batch):
    pol = get_policy(HS)
    frame = pol.evaluate(claims_frame(batch), detail="reasons").collect()
    for row, claim in zip(frame.iter_rows(named=True), batch):
        assert result_dict(row) == pol.explain(claim)
