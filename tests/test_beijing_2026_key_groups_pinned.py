"""beijing-2026-key-groups (京人社能发〔2026〕2号): every parameter and catalog row pinned to the text,
and the rules mutation testing (tools/mutate.py) found untested."""
import datetime as dt

import pytest

from skillsim.policies import get_policy

from .conftest import BJ, BJ_BASE, explain, rules_of
from .pinning import parameter_problems, text_rows

TIER_B = "B档初级工(五级)1000元/人、中级工(四级)1500元/人、高级工(三级)及以上2000元/人"
PARAMETERS = {  # name: (baseline value, the passage of text.txt that states it | None: a reading[, how it states it])
    "notice_effective": (dt.date(2026, 2, 14), "2026年2月14日"),
    "issue_window_start": (dt.date(2025, 4, 1), "2025年4月1日"),
    "issue_window_end": (dt.date(2027, 12, 31), "2027年12月31日"),
    "graduate_window_years": (2, "离校两年内未就业高校毕业生", "两年"),
    "flexible_counts_as_employed": (True, None),
    "skill_level_tier_b": ({"5": 1000, "4": 1500, "3": 2000, "2": 2000, "1": 2000}, TIER_B, "1500"),
    "a_tier_uplift_pct": (20, "A档在B档补助基础上上浮20%", "20%"),
    "special_ability_amounts": ({"A": 1200, "B": 800}, "专项职业能力证书补助标准为:A档1200元/人,B档800元/人", "800"),
    "catalog_overrides": ({}, None),
    "application_window_years": (1, "申请人自证书核发后一年内", "一年"),
    "review_calendar_days": (14, "在10个工作日内完成申请审核", "10"),   # 10 working days read as 14 calendar days
    "publicity_day": (15, "每月15日"),
    "publicity_days": (7, "公示期7天"),
    "fund": ("本市职业技能提升行动专项资金", "从本市职业技能提升行动专项资金中列支", "本市职业技能提升行动专项资金"),
}


def test_parameters_are_pinned_to_the_text():
    assert parameter_problems(BJ, PARAMETERS) == []


def test_C3_catalog_rows_are_the_texts():
    """Each row (序号, name, code, tier) is a row of the 附件's table; 91 occupations and 7 items."""
    cat = get_policy(BJ).catalog
    lines = text_rows(BJ)
    missing = [r for r in cat.iter_rows(named=True)
               if ((str(r["seq"]), r["name"], r["code"], r["tier"]) if r["kind"] == "skill_level"
                   else (str(r["seq"]), r["name"], r["tier"])) not in {line[:4] if r["kind"] == "skill_level"
                                                                       else line[:3] for line in lines}]
    assert missing == [], f"catalog.csv rows not as the text lists them: {missing[:3]}"
    counts = {(k, t): n for k, t, n in cat.group_by("kind", "tier").len().iter_rows()}
    assert counts == {("skill_level", "A"): 24, ("skill_level", "B"): 67,
                      ("special_ability", "A"): 4, ("special_ability", "B"): 3}
    for kind in ("skill_level", "special_ability"):
        assert sorted(cat.filter(cat["kind"] == kind)["seq"].to_list()) == list(range(1, counts[(kind, "A")]
                                                                                     + counts[(kind, "B")] + 1))


def bj(**kw):
    return explain(BJ, BJ_BASE, **kw)


def test_P1_out_of_scope_decides_before_ineligible_before_needs_info():
    """The engine's order: a claim failing an out-of-scope and an ineligible rule is out of scope;
    one failing an ineligible and a needs-info rule is ineligible."""
    r = bj(cert_issue_date="2026-01-10", application_date="2026-02-01", disabled=True)
    assert (r["status"], r["deciding_rule"]) == ("out_of_scope", "BJKG-P1")
    r = bj(occupation_code="9-99-99-99", cert_level=None)    # not in the catalog, and no level
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "BJKG-C3")


@pytest.mark.parametrize("order", [0, 1])
def test_L1_any_prior_subsidy_under_the_notice_counts(order):
    priors = [{"policy_id": "shanghai-2025-skills-upgrade", "date": "2025-06-01"},
              {"policy_id": BJ, "date": "2025-09-01"}]
    r = bj(prior_subsidies=priors[::1 - 2 * order])
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "BJKG-L1")
    assert bj(prior_subsidies=priors[:1])["status"] == "eligible"


@pytest.mark.parametrize("group", [
    dict(registered_unemployed=False, hukou="beijing", rural_transfer=True, job_seeking_registered=True),   # (a)
    dict(registered_unemployed=False, graduate_years=1.0),                                                    # (b)
    dict(registered_unemployed=False, employment_difficulty=True),                                            # (d)
])
def test_L3_a_disabled_applicant_of_any_group_is_routed_elsewhere(group):
    assert bj(**group)["status"] == "eligible"
    r = bj(**group, disabled=True)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "BJKG-L3")


@pytest.mark.parametrize("applied, month", [
    ("2026-03-01", "2026-04-01"),    # reviewed by 03-15: published 03-15 … 03-21, paid in April
    ("2026-03-02", "2026-05-01"),    # reviewed 03-16: the next publicity is 04-15
    ("2026-03-20", "2026-05-01"),
    ("2026-12-20", "2027-02-01"),
])
def test_T1_payment_month(applied, month):
    assert bj(application_date=applied)["payment_month"] == month


def test_F1_fund():
    r = bj()
    assert r["funding"] == {"source": "本市职业技能提升行动专项资金", "city_cny": 1500, "district_cny": 0,
                            "district": None, "district_basis": None}
    assert "BJKG-F1" in rules_of(r)


def test_G1_category_and_payment_month_only_for_a_paid_claim():
    """The engine: a claim not paid has no category (group) and no payment month."""
    r = bj(other_subsidy_same_cert=True)
    assert (r["status"], r["category"], r["payment_month"]) == ("ineligible", None, None)
    assert bj()["category"] == "本市登记失业人员"


@pytest.mark.parametrize("years, status", [(2.0, "eligible"), (2.01, "ineligible")])
def test_G1_graduate_within_two_years_inclusive(years, status):
    assert bj(registered_unemployed=False, graduate_years=years)["status"] == status


@pytest.mark.parametrize("applied, status", [("2026-02-13", "out_of_scope"), ("2026-02-14", "eligible")])
def test_P1_the_notice_applies_from_its_issue_day(applied, status):
    assert bj(cert_issue_date="2026-01-10", application_date=applied)["status"] == status


@pytest.mark.parametrize("city", ["shanghai", "other"])
def test_C1_a_certificate_issued_outside_beijing_is_refused(city):
    """BJKG-C1: 本市 certificates only: an issuer registered anywhere but Beijing fails, not just Shanghai's."""
    r = bj(cert_issuer_city=city)
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("ineligible", "BJKG-C1", 0)


@pytest.mark.parametrize("applied, month", [("2026-03-02", "2026-04-01"), ("2026-03-11", "2026-04-01"),
                                             ("2026-03-12", "2026-06-01")])
def test_T1_publicity_starts_on_the_publicity_day_and_payment_follows_its_end(applied, month):
    """BJKG-T1 with the publicity on the 25th (a reform): reviewed (14 days) by 25 March, publicity runs
    25–31 March and payment is in April (a day later start would end it in April and pay in May);
    reviewed on the 26th, publicity runs 25 April – 1 May and payment is in June."""
    assert explain(BJ, BJ_BASE, {"publicity_day": 25}, application_date=applied)["payment_month"] == month
