"""ningxia-2025-skills-subsidy, rule by rule (NX25-*): each test turns one rule's outcome,
so removing the rule fails it; the amounts and dates are worked by hand from the text
(item 二 of the transmittal, text.txt) and the readings of rules.toml."""
from __future__ import annotations

import json

import pytest

from skillsim.plugin import ContractError, get_policy, validate_claim

PID = "ningxia-2025-skills-subsidy"
NX = get_policy(PID)

# an insured enterprise employee, a level-4 skill-level certificate of an occupation not on
# the shortage list, issued and claimed in 2025: NX25-A1's 1200 yuan
BASE = {"person_id": "p1", "hukou": "ningxia", "age": 35, "sex": "female", "employment": "employed",
        "insurance_months": 12, "cert_kind": "skill_level", "occupation_code": "6-18-01-07", "cert_level": 4,
        "cert_issue_date": "2025-03-10", "cert_issuer_city": "ningxia", "application_date": "2025-04-02",
        "urgent_shortage_occupation": False}


def run(overrides=None, **changes):
    return NX.explain({**BASE, **changes}, NX.params(overrides))


def decided(**changes):
    r = run(**changes)
    return r["status"], r["deciding_rule"], r["amount_cny"]


def prior(date="2025-02-01", occupation="4-01-02-01", level=5, policy=PID):
    return {"policy_id": policy, "occupation_code": occupation, "cert_level": level, "date": date}


def message(result, rule):
    return next(r["message"] for r in result["reasons"] if r["rule"] == rule)


def test_base_claim_is_paid():
    assert decided() == ("eligible", "NX25-A1", 1200)


# ---------------------------------------------------------------- NX25-S1: who may claim
def test_NX25_S1_an_employee_needs_12_months_of_unemployment_insurance():
    assert decided(insurance_months=11) == ("ineligible", "NX25-S1", 0)
    assert decided(insurance_months=12) == ("eligible", "NX25-A1", 1200)     # 12个月以上 includes 12
    assert run()["category"] == "企业在职职工"


def test_NX25_S1_a_public_sector_worker_is_no_enterprise_employee():
    assert decided(public_sector_nonskill=True) == ("ineligible", "NX25-S1", 0)


@pytest.mark.parametrize("employment", ["flexible", "student", "other"])
def test_NX25_S1_flexible_workers_students_and_others_are_not_covered(employment):
    assert decided(employment=employment, drawing_unemployment_benefit=True) == ("ineligible", "NX25-S1", 0)


def test_NX25_S1_a_person_not_employed_qualifies_by_drawing_benefit_and_unknown_is_needs_info():
    on_benefit = {"employment": "unemployed", "insurance_months": 0}
    assert decided(**on_benefit, drawing_unemployment_benefit=True) == ("eligible", "NX25-A1", 1200)
    assert run(**on_benefit, drawing_unemployment_benefit=True)["category"] == "领取失业保险金人员"
    assert decided(**on_benefit, drawing_unemployment_benefit=False) == ("ineligible", "NX25-S1", 0)
    unknown = run(**on_benefit)
    assert (unknown["status"], unknown["deciding_rule"]) == ("needs_info", "NX25-S1")
    assert "drawing_unemployment_benefit" in message(unknown, "NX25-S1")


# ---------------------------------------------------------------- NX25-C1: certificates and levels
@pytest.mark.parametrize("kind", ["special_ability", "special_operation", "training_only"])
def test_NX25_C1_other_certificates_are_not_covered(kind):
    assert decided(cert_kind=kind, cert_level=None) == ("ineligible", "NX25-C1", 0)


@pytest.mark.parametrize("level", [1, 2])
def test_NX25_C1_technician_levels_are_not_listed(level):
    r = run(cert_level=level)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "NX25-C1")
    assert f"level {level} is not among the levels" in message(r, "NX25-C1")


def test_NX25_C1_a_qualification_counts_an_ungraded_one_does_not_a_level_unknown_is_needs_info():
    assert decided(cert_kind="qualification", cert_level=3) == ("eligible", "NX25-A1", 1600)
    assert decided(cert_kind="qualification", cert_level=None) == ("ineligible", "NX25-C1", 0)
    assert decided(cert_level=None) == ("needs_info", "NX25-C1", 0)


# ---------------------------------------------------------------- NX25-A1, NX25-A2: amounts
@pytest.mark.parametrize("level, amount", [(5, 800), (4, 1200), (3, 1600)])
def test_NX25_A1_other_occupations(level, amount):
    assert decided(cert_level=level) == ("eligible", "NX25-A1", amount)


@pytest.mark.parametrize("level, amount", [(5, 1000), (4, 1500), (3, 2000)])
def test_NX25_A2_urgent_shortage_occupations(level, amount):
    r = run(cert_level=level, urgent_shortage_occupation=True)
    assert (r["status"], r["deciding_rule"], r["amount_cny"], r["tier"]) == ("eligible", "NX25-A2", amount,
                                                                            "urgent shortage")


def test_NX25_A2_an_unknown_shortage_class_is_needs_info_never_a_guess():
    r = run(urgent_shortage_occupation=None)
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("needs_info", "NX25-A2", 0)
    assert "urgent_shortage_occupation" in message(r, "NX25-A2")


def test_NX25_A1_amounts_are_parameters():
    r = run({"amounts_other": {"5": 900, "4": 1300, "3": 1700}})
    assert (r["deciding_rule"], r["amount_cny"]) == ("NX25-A1", 1300)


# ---------------------------------------------------------------- NX25-L1: subsidies a year
def test_NX25_L1_one_a_year_for_another_occupation():
    assert decided(prior_subsidies=[prior()]) == ("ineligible", "NX25-L1", 0)
    assert decided(prior_subsidies=[prior(date="2024-11-30")]) == ("eligible", "NX25-A1", 1200)   # last year


def test_NX25_L1_two_a_year_for_shortage_certificates_counted_together():
    shortage = {"urgent_shortage_occupation": True}
    assert decided(**shortage, prior_subsidies=[prior()]) == ("eligible", "NX25-A2", 1500)
    assert decided(**shortage, prior_subsidies=[prior(), prior(occupation="4-10-01-05")]) == ("ineligible", "NX25-L1", 0)


def test_NX25_L1_counts_only_ningxia_subsidies():
    assert decided(prior_subsidies=[prior(policy="shanghai-2025-skills-upgrade")]) == ("eligible", "NX25-A1", 1200)


def test_NX25_L1_with_one_paid_this_year_an_unknown_shortage_class_is_needs_info():
    assert decided(urgent_shortage_occupation=None, prior_subsidies=[prior()]) == ("needs_info", "NX25-A2", 0)


# ---------------------------------------------------------------- NX25-L2: once per occupation and level
LAST_YEAR = "2024-06-01"   # so that NX25-L1 does not decide


@pytest.mark.parametrize("level, paid", [(4, False), (3, False), (2, False), (5, True)])
def test_NX25_L2_same_occupation_at_this_level_or_higher_is_not_paid_again(level, paid):
    r = decided(prior_subsidies=[prior(date=LAST_YEAR, occupation="6-18-01-07", level=level)])
    assert r == (("eligible", "NX25-A1", 1200) if paid else ("ineligible", "NX25-L2", 0))


def test_NX25_L2_another_occupation_at_the_same_level_is_paid():
    assert decided(prior_subsidies=[prior(date=LAST_YEAR, level=4)]) == ("eligible", "NX25-A1", 1200)


def test_NX25_L2_not_together_with_a_vocational_training_subsidy():
    assert decided(other_subsidy_same_cert=True) == ("ineligible", "NX25-L2", 0)


def test_NX25_L2_without_an_occupation_an_earlier_subsidy_makes_it_needs_info():
    assert decided(occupation_code=None) == ("eligible", "NX25-A1", 1200)
    r = run(occupation_code=None, prior_subsidies=[prior(date=LAST_YEAR)])
    assert (r["status"], r["deciding_rule"]) == ("needs_info", "NX25-L2")
    assert "occupation_code" in message(r, "NX25-L2")


# ---------------------------------------------------------------- NX25-V1: which certificates and applications
def test_NX25_V1_certificates_from_2025_applications_by_2025():
    assert decided(cert_issue_date="2024-12-31") == ("out_of_scope", "NX25-V1", 0)
    assert decided(cert_issue_date="2025-01-01", application_date="2025-01-01") == ("eligible", "NX25-A1", 1200)
    assert decided(application_date="2025-12-31") == ("eligible", "NX25-A1", 1200)
    assert decided(application_date="2026-01-01") == ("out_of_scope", "NX25-V1", 0)


def test_NX25_V1_within_the_window_from_the_issue_date_month_end_clamped():
    # a 3-month window from 2025-03-31 ends on 2025-06-30 (June has no 31st), inclusive
    short = {"application_window_months": 3}
    issued = {"cert_issue_date": "2025-03-31"}
    assert run(short, **issued, application_date="2025-06-30")["status"] == "eligible"
    r = run(short, **issued, application_date="2025-07-01")
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "NX25-V1")
    assert "closed on 2025-06-30" in message(r, "NX25-V1")


def test_NX25_V1_the_dates_are_parameters():
    later = {"certificates_from": "2024-01-01", "applications_until": "2026-12-31"}
    assert run(later, cert_issue_date="2024-12-31", application_date="2025-06-01")["status"] == "eligible"


# ---------------------------------------------------------------- NX25-F1: payee and fund
def test_NX25_F1_paid_to_the_individual_from_the_unemployment_insurance_fund():
    r = run()
    assert r["payee"] == "individual"
    assert r["funding"] == {"source": "失业保险基金", "city_cny": 1200, "district_cny": 0, "district": None,
                            "district_basis": None}
    assert r["payment_month"] == "2025-06-01"       # the application's month + 2 (an assumption)
    assert "失业保险基金" in message(r, "NX25-F1")


# ---------------------------------------------------------------- the declared claim fields
def test_its_claim_fields_are_checked_by_the_one_contract():
    with pytest.raises(ContractError, match="drawing_unemployment_benefit: 'yes' is not true or false"):
        validate_claim({**BASE, "drawing_unemployment_benefit": "yes"})
    with pytest.raises(ContractError, match="urgent_shortage_occupation: 1 is not true or false"):
        validate_claim({**BASE, "urgent_shortage_occupation": 1})
    left_out = validate_claim({k: v for k, v in BASE.items() if k != "urgent_shortage_occupation"})
    assert left_out["urgent_shortage_occupation"] is None and left_out["drawing_unemployment_benefit"] is None
    assert validate_claim(BASE)["hukou"] == "ningxia"


def test_its_worked_examples_are_paid_as_stated():
    examples = json.loads((NX.folder / "examples.json").read_text(encoding="utf-8"))
    assert len(examples) >= 3
    for ex in examples:
        got = NX.explain(ex["claim"])
        assert {k: got[k] for k in ex["expected"]} == ex["expected"], ex["name"]
