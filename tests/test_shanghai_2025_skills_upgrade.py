"""shanghai-2025-skills-upgrade (沪人社规〔2025〕7号): one test per rule id of its rules.toml."""
import pytest

from skillsim.policies import get_policy

from .conftest import SH, rules_of

EMPLOYED = {"employment": "employed", "months_employed_after_cert": 6}
CARE = {"occupation_code": "4-10-01-05", "catalog_class": None, "care_sector_post": True,
        "care_post_start_months": 0, "months_employed_after_cert": 6, "employment": "employed"}


def amount(r):
    return r["amount_cny"] if r["status"] == "eligible" else 0


def test_base_claim_is_eligible(sh):
    r = sh()
    assert (r["status"], r["amount_cny"], r["rate"], r["deciding_rule"]) == ("eligible", 2700, 1.0, "SHSU-R2")


# ---- SHSU-V1: certificates issued 2025-05-01 … 2028-04-30; others out of scope, never a silent zero
@pytest.mark.parametrize("issued, applied, status", [
    ("2025-04-30", "2025-05-10", "out_of_scope"), ("2025-05-01", "2025-05-10", "eligible"),
    ("2028-04-30", "2028-05-10", "eligible"), ("2028-05-01", "2028-05-10", "out_of_scope")])
def test_V1_validity_window(sh, issued, applied, status):
    r = sh(cert_issue_date=issued, application_date=applied)
    assert r["status"] == status
    assert status == "eligible" or (r["deciding_rule"] == "SHSU-V1" and "沪人社规" in r["reasons"][0]["message"]
                                    or "follows" in r["reasons"][0]["message"])


# ---- SHSU-A1: base amounts by class and level
TABLE = {"A": [1950, 2600, 3250, 3900, 4550, 1000], "B": [1500, 2000, 2700, 3200, 3700, 800],
         "C": [800, 800, 1500, 1500, 1500, 500]}


@pytest.mark.parametrize("klass", "ABC")
@pytest.mark.parametrize("i, level", [(0, 5), (1, 4), (2, 3), (3, 2), (4, 1), (5, None)])
def test_A1_base_amounts(sh, klass, i, level):
    kind = "skill_level" if level else "special_ability"
    r = sh(catalog_class=klass, cert_level=level, cert_kind=kind, special_ability_item="某项目")
    assert r["base_amount_cny"] == r["amount_cny"] == TABLE[klass][i]      # flexible: 100 %
    assert "SHSU-A1" in rules_of(r)


def test_A1_skill_level_without_level_needs_info(sh):
    r = sh(cert_level=None)
    assert r["status"] == "needs_info" and r["deciding_rule"] == "SHSU-A1"


# ---- SHSU-C1: Shanghai-registered 职业技能证书; special operation = ungraded class C
def test_C1_kind_and_issuer(sh):
    assert sh(cert_kind="training_only")["deciding_rule"] == "SHSU-C1"
    assert sh(cert_issuer_city="beijing")["deciding_rule"] == "SHSU-C1"
    r = sh(cert_kind="special_operation", catalog_class=None, occupation_code="6-31-01-03", cert_level=3)
    assert (r["tier"], r["base_amount_cny"], r["amount_cny"]) == ("C", 500, 500)
    assert "SHSU-C1" in rules_of(r)


# ---- SHSU-K1: the class comes from the catalog or the claim; else needs_info
def test_K1_unknown_class_needs_info(sh):
    r = sh(catalog_class=None)
    assert r["status"] == "needs_info" and r["deciding_rule"] == "SHSU-K1" and r["amount_cny"] == 0


def test_K1_catalog_rows_and_override(sh):
    r = sh(cert_kind="special_ability", special_ability_item="人工智能数据标注", catalog_class=None,
           cert_level=None, occupation_code=None)
    assert (r["tier"], r["amount_cny"]) == ("A", 1000)
    assert sh(catalog_class=None, occupation_code="4-04-05-05")["amount_cny"] == 3250   # 人工智能训练师, A
    assert sh(catalog_class="C", occupation_code="4-04-05-05")["amount_cny"] == 1500    # the claim overrides
    assert sh({"catalog_overrides": {"4-03-02-01": "A"}}, catalog_class=None)["amount_cny"] == 3250


# ---- SHSU-S1: Shanghai hukou, legal working age, one of 6 categories
@pytest.mark.parametrize("sex, age, ok", [("male", 15, False), ("male", 16, True), ("male", 59, True),
                                          ("male", 60, False), ("female", 54, True), ("female", 55, False)])
def test_S1_working_age(sh, sex, age, ok):
    r = sh(sex=sex, age=age)
    assert r["status"] == ("eligible" if ok else "ineligible")
    assert ok or r["deciding_rule"] == "SHSU-S1"


def test_S1_retirement_ages_are_parameters(sh):
    assert sh({"retirement_age_female": 60}, sex="female", age=57)["status"] == "eligible"
    assert sh({"retirement_age_female": 50}, sex="female", age=52)["status"] == "ineligible"


def test_S1_catch_all_category_6(sh):
    r = sh(employment="other")
    assert (r["status"], r["rate"], r["deciding_rule"]) == ("eligible", 1.0, "SHSU-R5")
    assert "SHSU-S1" in rules_of(r)


# ---- SHSU-S2: non-Shanghai hukou only as employed, flexible with city insurance, or student
def test_S2_non_hukou_routes(sh):
    assert sh(hukou="other", employment="unemployed")["deciding_rule"] == "SHSU-S2"
    assert sh(hukou="other")["deciding_rule"] == "SHSU-S2"                       # flexible, no city insurance
    r = sh(hukou="other", flexible_city_insurance=True)
    assert (r["rate"], r["deciding_rule"]) == (1.0, "SHSU-R2") and "SHSU-S2" in rules_of(r)
    assert sh(hukou="beijing", **EMPLOYED)["rate"] == 0.8
    assert sh(hukou="other", employment="student", student_final_year="vocational", school_city="shanghai",
              cert_level=5)["rate"] == 0.8
    assert sh(hukou="other", employment="student", student_final_year="vocational", school_city="other",
              cert_level=5)["deciding_rule"] == "SHSU-S2"
    assert sh(hukou="other", disabled=True, employment="unemployed")["status"] == "ineligible"   # R4 is hukou only


@pytest.mark.parametrize("hukou", ["shanghai", "other"])
@pytest.mark.parametrize("employment", ["student", "employed", "unemployed"])
def test_SHSU_S2_final_year_student_without_school_city_needs_info(sh, hukou, employment):
    r = sh(**{**EMPLOYED, "employment": employment}, hukou=hukou, student_final_year="vocational",
           school_city=None, cert_level=5)
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("needs_info", "SHSU-S2", 0)
    assert "school_city" in r["reasons"][-1]["message"]
    assert sh(hukou=hukou, employment=employment, student_final_year="vocational", school_city=None,
              age=70)["deciding_rule"] == "SHSU-S1"          # out of working age whatever the school


# ---- SHSU-R1: employed, 80 %, after 6 continuous months
@pytest.mark.parametrize("months, status", [(5, "ineligible"), (6, "eligible")])
def test_R1_employed_six_months(sh, months, status):
    r = sh(employment="employed", months_employed_after_cert=months)
    assert r["status"] == status and r["deciding_rule"] == "SHSU-R1"
    assert amount(r) == (2160 if status == "eligible" else 0)


# ---- SHSU-R2: flexible 100 %
def test_R2_flexible_full_rate(sh):
    r = sh()
    assert (r["rate"], r["deciding_rule"], r["category"]) == (1.0, "SHSU-R2", "灵活就业人员")


# ---- SHSU-R3: final-year students
STUDENT = {"employment": "student", "school_city": "shanghai"}


@pytest.mark.parametrize("kind, level, employed, result", [
    ("college", 5, False, None), ("college", None, False, None), ("college", 4, False, 2000 * 80 // 100),
    ("college", 4, True, 2000), ("vocational", 5, False, 1200), ("vocational", 5, True, 1500),
])
def test_R3_students(sh, kind, level, employed, result):
    cert = {"cert_kind": "qualification"} if level is None else {}
    r = sh(**STUDENT, **cert, student_final_year=kind, cert_level=level, employed_at_application=employed)
    if result is None:
        assert r["status"] == "ineligible" and r["deciding_rule"] == "SHSU-R3"
    else:
        assert (r["amount_cny"], r["deciding_rule"]) == (result, "SHSU-R3")


def test_R3_vocational_student_rate_once(sh):
    prior = [{"policy_id": "shanghai-2025-skills-upgrade", "occupation_code": "4-03-02-02", "cert_level": 5,
              "date": "2025-09-01", "as_student": True}]
    r = sh(**STUDENT, student_final_year="vocational", cert_level=5, prior_subsidies=prior)
    assert r["status"] == "ineligible" and r["deciding_rule"] == "SHSU-R3"


# ---- SHSU-R4: hukou disabled, veteran within 5 years, employment difficulty: 100 %
@pytest.mark.parametrize("changes, rate", [
    ({"disabled": True}, 1.0), ({"veteran_years": 5}, 1.0), ({"veteran_years": 6}, 0.8),
    ({"employment_difficulty": True}, 1.0), ({}, 0.8)])
def test_R4_priority_groups(sh, changes, rate):
    r = sh(**EMPLOYED, **changes)
    assert r["rate"] == rate
    assert r["deciding_rule"] == ("SHSU-R4" if rate == 1.0 else "SHSU-R1")


# ---- SHSU-R5: hukou not employed 100 %, employed at application 120 %
@pytest.mark.parametrize("flag", ["registered_unemployed", "xiebao", "rural_transfer"])
@pytest.mark.parametrize("employed, rate, paid", [(False, 1.0, 2700), (True, 1.2, 3240)])
def test_R5_not_employed(sh, flag, employed, rate, paid):
    r = sh(employment="unemployed", employed_at_application=employed, **{flag: True})
    assert (r["rate"], r["amount_cny"], r["deciding_rule"]) == (rate, paid, "SHSU-R5")


# ---- SHSU-R5 (with SHSU-S1's category 6): 本市户籍**未就业的**登记失业人员、协保人员、原农村富余劳动力…
@pytest.mark.parametrize("flag", ["registered_unemployed", "xiebao", "rural_transfer"])
@pytest.mark.parametrize("employment, rate, rule", [("employed", 0.8, "SHSU-R1"), ("flexible", 1.0, "SHSU-R2")])
def test_SHSU_R5_employed_xiebao_worker_is_not_in_category_6(sh, flag, employment, rate, rule):
    r = sh(**{**EMPLOYED, "employment": employment}, employed_at_application=True, **{flag: True})
    assert (r["rate"], r["deciding_rule"]) == (rate, rule)          # not 120 % under SHSU-R5


@pytest.mark.parametrize("group", [{"disabled": True}, {"veteran_years": 2}, {"employment_difficulty": True}])
@pytest.mark.parametrize("employment", ["unemployed", "other"])
def test_SHSU_R5_not_employed_priority_person_is_in_category_6(sh, group, employment):
    # an unregistered disabled person, veteran or difficulty person is 未进行就业失业登记 too: (6) as well as (3)/(4)
    r = sh(employment=employment, employed_at_application=True, **group)
    assert (r["rate"], r["deciding_rule"], r["amount_cny"]) == (1.2, "SHSU-R5", 3240) and "SHSU-M" in rules_of(r)
    assert sh(employment=employment, employed_at_application=False, **group)["rate"] == 1.0


def test_SHSU_R5_final_year_student_is_not_in_category_6(sh):
    r = sh(**STUDENT, student_final_year="college", cert_level=5, employed_at_application=True)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "SHSU-R3")   # (5) only, not (6)'s 120 %


# ---- SHSU-M: the most favourable category applies
def test_M_most_favourable(sh):
    # disabled and not employed at issue (100 % under R4, R5), re-employed at application: R5's 120 %
    r = sh(employment="unemployed", disabled=True, employed_at_application=True)
    assert (r["rate"], r["deciding_rule"]) == (1.2, "SHSU-R5") and "SHSU-M" in rules_of(r)
    first = sh({"most_favourable": False}, employment="unemployed", disabled=True, employed_at_application=True)
    assert (first["rate"], first["deciding_rule"]) == (1.0, "SHSU-R4")


# ---- SHSU-R6: 技岗匹配 occupations need the matching post at application
@pytest.mark.parametrize("at_app, in_post, status", [(False, False, "ineligible"), (True, False, "ineligible"),
                                                     (False, True, "ineligible"), (True, True, "eligible")])
def test_R6_skill_post_match(sh, at_app, in_post, status):
    r = sh(occupation_code="4-03-02-08", employed_at_application=at_app, employed_in_matching_post=in_post)
    assert r["status"] == status
    assert status == "eligible" or r["deciding_rule"] == "SHSU-R6"
    assert sh(employed_at_application=False)["status"] == "eligible"     # 中式烹调师 is not a 技岗匹配 occupation


# ---- SHSU-R7: same occupation and level once; nothing for a lower level after a higher one
def prior(level, policy="shanghai-2025-skills-upgrade", code="4-03-02-01", item=None):
    return [{"policy_id": policy, "occupation_code": code, "special_ability_item": item, "cert_level": level,
             "date": "2025-06-01"}]


@pytest.mark.parametrize("prior_level, level, ok", [(3, 3, False), (2, 3, False), (4, 3, True), (3, 2, True)])
def test_R7_same_occupation_level(sh, prior_level, level, ok):
    r = sh(cert_level=level, prior_subsidies=prior(prior_level))
    assert r["status"] == ("eligible" if ok else "ineligible")
    assert ok or r["deciding_rule"] == "SHSU-R7"


def test_R7_counts_earlier_shanghai_notices_not_other_cities(sh):
    assert sh(prior_subsidies=prior(3, policy="shanghai-2022-skills-upgrade"))["deciding_rule"] == "SHSU-R7"
    assert sh(prior_subsidies=prior(3, policy="beijing-2026-key-groups"))["status"] == "eligible"
    assert sh(prior_subsidies=prior(3, code="4-03-02-02"))["status"] == "eligible"


def test_R7_ungraded_item_once(sh):
    item = {"cert_kind": "special_ability", "cert_level": None, "occupation_code": None,
            "special_ability_item": "人工智能数据标注", "catalog_class": None}
    r = sh(**item, prior_subsidies=prior(None, code=None, item="人工智能数据标注"))
    assert r["deciding_rule"] == "SHSU-R7"
    assert sh(**item, prior_subsidies=prior(None, code=None, item="人工智能模型运用"))["status"] == "eligible"


# ---- SHSU-R8: excluded routes and public-sector non-skill staff
@pytest.mark.parametrize("route", ["enterprise_direct", "competition", "foreign", "commendation"])
def test_R8_excluded_routes(sh, route):
    assert sh(cert_route=route)["deciding_rule"] == "SHSU-R8"
    assert sh(cert_route="assessment")["status"] == "eligible"


def test_R8_public_sector_nonskill(sh):
    assert sh(public_sector_nonskill=True)["deciding_rule"] == "SHSU-R8"


# ---- SHSU-X1: elderly-care / domestic-service workers, any hukou, 80 %
def test_X1_care_worker_any_hukou(sh):
    r = sh(**{**CARE, "hukou": "other", "employment": "other"})
    assert (r["status"], r["rate"], r["deciding_rule"], r["amount_cny"]) == ("eligible", 0.8, "SHSU-X1", 2600)
    assert r["funding"]["district_basis"] == "所在单位所属区"


@pytest.mark.parametrize("changes, ok", [
    ({"care_post_start_months": 12}, True), ({"care_post_start_months": 13}, False),
    ({"months_employed_after_cert": 5}, False), ({"care_post_months": 6, "months_employed_after_cert": 0}, True),
    ({"care_sector_post": False}, False), ({"sex": "female", "age": 59}, True), ({"sex": "male", "age": 60}, False),
    ({"occupation_code": "4-10-01-06"}, True), ({"occupation_code": "4-10-01-01", "catalog_class": "B"}, False),
])
def test_X1_conditions(sh, changes, ok):
    r = sh(**{**CARE, "hukou": "other", "employment": "other", **changes})
    assert r["status"] == ("eligible" if ok else "ineligible")
    assert not ok or r["deciding_rule"] == "SHSU-X1"


def test_X1_relaxes_age_for_women(sh):
    r = sh(**{**CARE, "sex": "female", "age": 58})           # outside 16–54, inside X1's 60
    assert (r["status"], r["deciding_rule"]) == ("eligible", "SHSU-X1")


@pytest.mark.parametrize("overrides", [{}, {"retirement_age_male": 63}, {"retirement_age_male": 58}])
def test_SHSU_X1_mens_age_follows_the_statutory_retirement_age(sh, overrides):
    retire = get_policy(SH).params(overrides)["retirement_age_male"]
    care = {**CARE, "hukou": "other", "employment": "other", "sex": "male"}
    r = sh(overrides, **care, age=retire - 1)
    assert (r["status"], r["deciding_rule"]) == ("eligible", "SHSU-X1")
    r = sh(overrides, **care, age=retire)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "SHSU-S1")


@pytest.mark.parametrize("overrides, last_ok", [({}, 59), ({"retirement_age_female": 62}, 61),
                                                ({"care_max_age": 58}, 57)])
def test_SHSU_X1_womens_age_60_or_their_retirement_age_if_later(sh, overrides, last_ok):
    care = {**CARE, "hukou": "other", "employment": "other", "sex": "female"}
    assert sh(overrides, **care, age=last_ok)["deciding_rule"] == "SHSU-X1"
    assert sh(overrides, **care, age=last_ok + 1)["status"] == "ineligible"


# ---- SHSU-P1: 12 months, 24 for final-year students and care-sector workers
@pytest.mark.parametrize("changes, applied, ok", [
    ({}, "2027-03-01", True), ({}, "2027-03-02", False),
    ({**STUDENT, "student_final_year": "vocational"}, "2028-03-01", True),
    ({**STUDENT, "student_final_year": "vocational"}, "2028-03-02", False),
    ({"care_sector_post": True}, "2028-03-01", True),
    ({"cert_issue_date": "2028-02-29"}, "2029-02-28", True),     # no 29 Feb: the month's last day
    ({"cert_issue_date": "2028-02-29"}, "2029-03-01", False),
])
def test_P1_application_window(sh, changes, applied, ok):
    r = sh(**changes, application_date=applied)
    assert r["status"] == ("eligible" if ok else "ineligible")
    assert ok or r["deciding_rule"] == "SHSU-P1"


# ---- SHSU-L1: three a calendar year; as employed one
def priors_in(year, n, as_employed=False):
    return [{"policy_id": "shanghai-2025-skills-upgrade", "occupation_code": f"9-00-00-0{i}", "cert_level": 5,
             "date": f"{year}-01-1{i}", "as_employed": as_employed} for i in range(n)]


def test_L1_three_a_year(sh):
    assert sh(prior_subsidies=priors_in(2026, 2))["status"] == "eligible"
    r = sh(prior_subsidies=priors_in(2026, 3))
    assert r["status"] == "ineligible" and r["deciding_rule"] == "SHSU-L1"
    assert sh(prior_subsidies=priors_in(2025, 3))["status"] == "eligible"


def test_L1_one_a_year_as_employed(sh):
    r = sh(**EMPLOYED, prior_subsidies=priors_in(2026, 1, as_employed=True))
    assert r["status"] == "ineligible" and r["deciding_rule"] == "SHSU-L1"
    assert sh(**EMPLOYED, prior_subsidies=priors_in(2025, 1, as_employed=True))["status"] == "eligible"
    assert sh(prior_subsidies=priors_in(2026, 1, as_employed=True))["status"] == "eligible"   # flexible now


# ---- SHSU-F1: city : district = 1 : 1, district by category
@pytest.mark.parametrize("changes, basis", [
    (EMPLOYED, "用人单位社会保险关系所在区"), ({}, "社会保险缴纳所在区或户籍所在区"),
    ({**STUDENT, "student_final_year": "vocational"}, "院校所在区"), ({"employment": "other"}, "户籍所在区")])
def test_F1_city_district_split(sh, changes, basis):
    r = sh(**changes)
    f = r["funding"]
    assert f["city_cny"] + f["district_cny"] == r["amount_cny"] and f["city_cny"] == f["district_cny"]
    assert (f["district"], f["district_basis"]) == ("徐汇区", basis)


def test_F1_split_is_a_parameter(sh):
    f = sh({"city_share_pct": 70})["funding"]
    assert (f["city_cny"], f["district_cny"]) == (1890, 810)
