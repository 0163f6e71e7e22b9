"""beijing-2026-key-groups (京人社能发〔2026〕2号): one test per rule id of its rules.toml."""
import pytest

from .conftest import rules_of

SA = {"cert_kind": "special_ability", "occupation_code": None, "cert_level": None}


def test_base_claim_is_eligible(bj):
    r = bj()
    assert (r["status"], r["amount_cny"], r["deciding_rule"]) == ("eligible", 1500, "BJKG-A1")
    assert {"BJKG-G1", "BJKG-C1", "BJKG-C2", "BJKG-C3", "BJKG-A1", "BJKG-P1", "BJKG-L1", "BJKG-L2",
            "BJKG-F1", "BJKG-T1"} <= set(rules_of(r))


# ---- BJKG-G1: the four key groups, judged at the issue date
@pytest.mark.parametrize("changes, group", [
    ({"registered_unemployed": False, "rural_transfer": True, "job_seeking_registered": True}, "农村转移"),
    ({"registered_unemployed": False, "graduate_years": 2.0}, "高校毕业生"),
    ({"registered_unemployed": True}, "登记失业"),
    ({"registered_unemployed": False, "employment_difficulty": True, "employment": "employed"}, "就业困难"),
])
def test_G1_each_key_group_is_eligible(bj, changes, group):
    r = bj(**changes)
    assert r["status"] == "eligible" and group in r["category"]


@pytest.mark.parametrize("changes", [
    {"registered_unemployed": False},
    # (a) needs Beijing hukou and 无业求职登记
    {"registered_unemployed": False, "rural_transfer": True, "job_seeking_registered": True, "hukou": "other"},
    {"registered_unemployed": False, "rural_transfer": True, "job_seeking_registered": False},
    # (b) within 2 years of leaving school, and not employed (flexible counts as employed)
    {"registered_unemployed": False, "graduate_years": 2.1},
    {"registered_unemployed": False, "graduate_years": 1.0, "employment": "employed"},
    {"registered_unemployed": False, "graduate_years": 1.0, "employment": "flexible"},
])
def test_G1_outside_the_groups_is_ineligible(bj, changes):
    r = bj(**changes)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJKG-G1"


def test_G1_flexible_graduate_reading_is_a_parameter(bj):
    r = bj({"flexible_counts_as_employed": False}, registered_unemployed=False, graduate_years=1.0,
           employment="flexible")
    assert r["status"] == "eligible"


# ---- BJKG-C1: skill-level or special-ability certificate from a Beijing body
@pytest.mark.parametrize("changes", [{"cert_kind": "qualification"}, {"cert_kind": "special_operation"},
                                     {"cert_kind": "training_only"}, {"cert_issuer_city": "shanghai"}])
def test_C1_other_certificates_are_ineligible(bj, changes):
    r = bj(**changes)
    assert r["status"] == "ineligible" and "BJKG-C1" in rules_of(r)


# ---- BJKG-C2: issued 2025-04-01 … 2027-12-31
@pytest.mark.parametrize("issued, applied, ok", [
    ("2025-03-31", "2026-03-01", False), ("2025-04-01", "2026-03-01", True),
    ("2027-12-31", "2028-01-05", True), ("2028-01-01", "2028-01-05", False)])
def test_C2_issue_window_boundaries(bj, issued, applied, ok):
    r = bj(cert_issue_date=issued, application_date=applied)
    assert r["status"] == ("eligible" if ok else "ineligible")
    assert ok or r["deciding_rule"] == "BJKG-C2"


# ---- BJKG-C3: the 2026 catalog
def test_C3_occupation_not_in_catalog_is_ineligible(bj):
    r = bj(occupation_code="9-99-99-99")
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJKG-C3"


def test_C3_missing_occupation_needs_info(bj):
    r = bj(occupation_code=None)
    assert r["status"] == "needs_info" and r["deciding_rule"] == "BJKG-C3"
    assert r["amount_cny"] == 0


def test_C3_claim_class_sets_tier_and_admits_new_occupation(bj):
    assert bj(occupation_code="9-99-99-99", catalog_class="A")["amount_cny"] == 1800
    assert bj(catalog_class="A")["amount_cny"] == 1800          # 中式烹调师 is B in the catalog
    r = bj(catalog_class="C")
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJKG-C3"


def test_C3_scenario_catalog_update(bj):
    r = bj({"catalog_overrides": {"9-99-99-99": "A", "4-03-02-01": "A"}}, occupation_code="9-99-99-99")
    assert r["amount_cny"] == 1800 and r["tier"] == "A"
    assert bj({"catalog_overrides": {"4-03-02-01": "A"}})["amount_cny"] == 1800


# ---- BJKG-A1: tier B 1000/1500/2000, tier A × 1.2
@pytest.mark.parametrize("code, tier", [("4-03-02-01", "B"), ("4-10-01-05", "A")])   # 中式烹调师, 养老护理员
@pytest.mark.parametrize("level, b, a", [(5, 1000, 1200), (4, 1500, 1800), (3, 2000, 2400), (2, 2000, 2400),
                                         (1, 2000, 2400)])
def test_A1_amount_by_tier_and_level(bj, code, tier, level, b, a):
    r = bj(occupation_code=code, cert_level=level)
    assert (r["status"], r["tier"], r["deciding_rule"]) == ("eligible", tier, "BJKG-A1")
    assert r["amount_cny"] == r["base_amount_cny"] == (a if tier == "A" else b)


def test_A1_uplift_is_a_parameter(bj):
    assert bj({"a_tier_uplift_pct": 30}, occupation_code="4-10-01-05", cert_level=5)["amount_cny"] == 1300


def test_A1_skill_level_without_level_needs_info(bj):
    r = bj(cert_level=None)
    assert r["status"] == "needs_info" and r["deciding_rule"] == "BJKG-A1"


# ---- BJKG-A2: special ability A 1200, B 800
@pytest.mark.parametrize("item, amount", [("母婴照护", 1200), ("病人照护", 1200), ("家庭清洁", 800), ("家电清洗", 800)])
def test_A2_special_ability_amounts(bj, item, amount):
    r = bj(**SA, special_ability_item=item)
    assert (r["status"], r["amount_cny"], r["deciding_rule"]) == ("eligible", amount, "BJKG-A2")


def test_A2_item_not_in_catalog(bj):
    assert bj(**SA, special_ability_item="插花")["deciding_rule"] == "BJKG-C3"


# ---- BJKG-L1: one subsidy per person, ever
def test_L1_second_subsidy_under_this_notice_is_refused(bj):
    prior = [{"policy_id": "beijing-2026-key-groups", "occupation_code": "4-01-02-04", "cert_level": 5,
              "date": "2025-09-01"}]
    r = bj(prior_subsidies=prior)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJKG-L1"
    other = [{**prior[0], "policy_id": "shanghai-2025-skills-upgrade"}]
    assert bj(prior_subsidies=other)["status"] == "eligible"


# ---- BJKG-L2: the certificate already drew another Beijing subsidy
def test_L2_no_double_subsidy_for_one_certificate(bj):
    r = bj(other_subsidy_same_cert=True)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJKG-L2"


# ---- BJKG-L3: disabled applicants are routed to 京残发[2018]26号
def test_L3_disabled_is_routed_elsewhere(bj):
    r = bj(disabled=True)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "BJKG-L3"
    assert "京残发[2018]26号" in r["reasons"][0]["message"]


def test_BJKG_L3_disabled_person_in_no_key_group_is_decided_by_G1(bj):
    # 本市重点群体中的残疾人: only key-group members are routed; outside the groups G1 decides
    r = bj(disabled=True, employment="employed", registered_unemployed=False)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "BJKG-G1") and "BJKG-L3" not in rules_of(r)


# ---- BJKG-P1: apply within one year of issue; not before the notice
@pytest.mark.parametrize("applied, status", [("2027-03-01", "eligible"), ("2027-03-02", "ineligible")])
def test_P1_one_year_window_inclusive(bj, applied, status):
    r = bj(application_date=applied)
    assert r["status"] == status
    assert status == "eligible" or r["deciding_rule"] == "BJKG-P1"


@pytest.mark.parametrize("applied, status", [("2026-02-13", "out_of_scope"), ("2026-02-14", "eligible")])
def test_P1_application_before_the_notice_is_out_of_scope(bj, applied, status):
    r = bj(cert_issue_date="2025-06-01", application_date=applied)
    assert r["status"] == status and r["amount_cny"] == (0 if status == "out_of_scope" else 1500)


# ---- BJKG-T1: review ≤ 10 working days, publicity on the 15th for 7 days, payment the month after
@pytest.mark.parametrize("applied, month", [("2026-03-01", "2026-04-01"), ("2026-03-02", "2026-05-01"),
                                            ("2026-12-20", "2027-02-01")])
def test_T1_payment_month(bj, applied, month):
    assert bj(application_date=applied)["payment_month"] == month


def test_T1_calendar_is_parametrised(bj):
    assert bj({"review_calendar_days": 0}, application_date="2026-03-02")["payment_month"] == "2026-04-01"


# ---- BJKG-F1: municipal special fund
def test_F1_funding(bj):
    f = bj()["funding"]
    assert f["source"] == "本市职业技能提升行动专项资金" and f["city_cny"] == 1500 and f["district_cny"] == 0
    assert bj(disabled=True)["funding"]["city_cny"] == 0
