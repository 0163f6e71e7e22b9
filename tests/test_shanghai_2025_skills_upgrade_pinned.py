"""shanghai-2025-skills-upgrade (沪人社规〔2025〕7号): every parameter and catalog row pinned to the
text, and the rules mutation testing (tools/mutate.py) found untested."""
import datetime as dt

import pytest

from skillsim.policies import get_policy

from .conftest import SH, SH_BASE, explain, rules_of
from .pinning import parameter_problems, plain, official_text, text_rows

A_ROW = "初级工(五级)1950元/人,中级工(四级)2600元/人,高级工(三级)3250元/人,技师(二级)3900元/人,高级技师(一级)4550元/人"
PARAMETERS = {  # name: (baseline value, the passage of text.txt that states it | None: a reading[, how it states it])
    "certificates_from": (dt.date(2025, 5, 1), "本通知自2025年5月1日起实施"),
    "certificates_until": (dt.date(2028, 4, 30), "有效期至2028年4月30日"),
    "working_age_min": (16, None),        # 法定劳动年龄段: the law's 16, not in the text
    "retirement_age_male": (60, None),    # statutory retirement ages: not in the text
    "retirement_age_female": (55, None),
    "veteran_window_years": (5, "退役5年内的退役士兵"),
    "base_amounts": ({"A": {"5": 1950, "4": 2600, "3": 3250, "2": 3900, "1": 4550, "ungraded": 1000},
                      "B": {"5": 1500, "4": 2000, "3": 2700, "2": 3200, "1": 3700, "ungraded": 800},
                      "C": {"5": 800, "4": 800, "3": 1500, "2": 1500, "1": 1500, "ungraded": 500}}, A_ROW, "3250"),
    "special_operation_class": ("C", None),
    "catalog_overrides": ({}, None),
    "rate_employed_pct": (80, "补贴标准的80%申请享受职业技能提升补贴", "80%"),
    "employed_min_months": (6, None),
    "rate_flexible_pct": (100, "可按补贴标准的100%申请享受职业技能提升补贴", "100%"),
    "rate_student_pct": (80, "按补贴标准的80%享受职业技能提升补贴", "80%"),
    "rate_student_employed_pct": (100, "可按补贴标准的100%申请享受职业技能提升补贴", "100%"),
    "college_min_level": (4, None),       # 中级及以上 = level 4
    "rate_priority_pct": (100, "可按补贴标准的100%申请享受职业技能提升补贴", "100%"),
    "rate_not_employed_pct": (100, "可按补贴标准的100%申请享受职业技能提升补贴", "100%"),
    "rate_not_employed_reemployed_pct": (120, "120%申请享受职业技能提升", "120%"),
    "care_occupations": (["4-10-01-05", "4-10-01-06"], None),
    "care_max_age": (60, "女性可放宽至60岁"),
    "care_start_within_months": (12, None),
    "care_min_months": (6, "连续就业满6个月"),
    "rate_care_pct": (80, None),          # 参照本市户籍在职人员: R1's 80 %
    "most_favourable": (True, None),
    "application_window_months": (12, "自证书颁发之日起12个月内"),
    "application_window_months_extended": (24, None),
    "yearly_max": (3, "每年可享受不超过3次"),
    "yearly_max_as_employed": (1, "以在职人员身份每年可申请1次"),
    "same_city_policy_prefix": ("shanghai-", None),
    "excluded_routes": (["enterprise_direct", "competition", "foreign", "commendation"], None),
    "city_share_pct": (50, "由市、区按1:1比例予以分担", "1:1"),
    "payment_delay_months": (2, None),    # illustrative: the text sets no deadline
}

# catalog.csv: the rows we hold a source for (see its header); class A every one
CATALOG = [
    ("special_ability", "", "人工智能数据标注", "A"), ("special_ability", "", "人工智能模型运用", "A"),
    ("occupation", "4-08-05-04", "药物检验员", "A"), ("occupation", "6-25-02-05", "半导体芯片制造工", "A"),
    ("occupation", "4-04-05-05", "人工智能训练师", "A"), ("occupation", "6-31-07-01", "工业机器人系统运维员", "A"),
    ("occupation", "6-18-01-07", "多工序数控机床操作调整工", "A"), ("occupation", "4-10-01-05", "养老护理员", "A"),
    ("occupation", "4-10-01-06", "家政服务员", "A"),
]


def test_parameters_are_pinned_to_the_text():
    assert parameter_problems(SH, PARAMETERS) == []


def test_K1_catalog_rows_are_pinned():
    cat = get_policy(SH).catalog
    rows = [(r["kind"], r["code"] or "", r["name"], r["class"]) for r in cat.iter_rows(named=True)]
    assert rows == CATALOG, "catalog.csv changed: update CATALOG here only with the source of the change"
    body = plain(official_text(SH))
    for kind, _, name, _ in CATALOG:   # the special-ability items are named in 五(四)
        assert kind != "special_ability" or plain(name) in body


def test_R6_tech_post_match_rows_are_the_texts():
    table = get_policy(SH).tech_post_match
    assert table.height == 13 and table["seq"].to_list() == list(range(1, 14))
    lines = text_rows(SH)
    missing = [r for r in table.select("seq", "code", "name").iter_rows() if (str(r[0]), r[1], r[2]) not in lines]
    assert missing == [], f"rows of tech_post_match.csv not in the text's 附件: {missing}"


def sh(**kw):
    return explain(SH, SH_BASE, **kw)


def test_R6_note_only_for_a_tech_post_occupation():
    """An ungraded item (no occupation code) is paid without the 技岗匹配 note; an occupation of the list has it."""
    r = sh(cert_kind="special_ability", occupation_code=None, cert_level=None, special_ability_item="人工智能数据标注",
           catalog_class=None)
    assert (r["status"], r["amount_cny"]) == ("eligible", 1000) and "SHSU-R6" not in rules_of(r)
    assert "SHSU-R6" not in rules_of(sh())
    r = sh(occupation_code="4-03-02-07", employed_at_application=True, employed_in_matching_post=True)
    assert r["status"] == "eligible" and "SHSU-R6" in rules_of(r)


CARE = dict(hukou="other", employment="other", sex="female", age=50, occupation_code="4-10-01-06", catalog_class=None,
            cert_level=3, care_sector_post=True, care_post_start_months=1, care_post_months=8)


def test_X1_takes_a_skill_level_certificate_only():
    r = sh(**CARE)
    assert (r["status"], r["amount_cny"], r["deciding_rule"]) == ("eligible", 2600, "SHSU-X1")
    r = sh(**{**CARE, "cert_kind": "qualification"})
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "SHSU-S2")


def test_R5_a_flexible_worker_is_not_in_the_not_employed_category():
    """灵活就业 is employment: a Shanghai flexible worker re-employed at application gets R2's 100 %, not R5's 120 %."""
    r = sh(employed_at_application=True)
    assert (r["amount_cny"], r["deciding_rule"]) == (2700, "SHSU-R2")


def test_R3_a_non_shanghai_student_is_turned_down_by_the_student_rule_not_S2():
    r = sh(hukou="other", employment="student", student_final_year="college", school_city="shanghai", cert_level=5)
    assert (r["status"], r["deciding_rule"]) == ("ineligible", "SHSU-R3")


def test_F1_payment_month_and_fund():
    r = sh()
    assert r["payment_month"] == "2026-05-01"          # the month of application + 2
    assert sh(application_date="2026-03-31")["payment_month"] == "2026-05-01"
    assert sh(application_date="2026-04-01")["payment_month"] == "2026-06-01"
    assert r["funding"] == {"source": "地方教育附加", "city_cny": 1350, "district_cny": 1350, "district": "徐汇区",
                            "district_basis": "社会保险缴纳所在区或户籍所在区"}


def test_R4_employment_difficulty_counts_for_shanghai_hukou_only():
    """SHSU-R4's 本市户籍…就业困难人员: a migrant difficulty person gets no 100 % route: employed, R1's 80 %;
    not employed, no category at all (SHSU-S2)."""
    employed = dict(hukou="other", employment="employed", months_employed_after_cert=6, employment_difficulty=True)
    assert (sh(**employed)["rate"], sh(**employed)["deciding_rule"]) == (0.8, "SHSU-R1")
    assert sh(**{**employed, "hukou": "shanghai"})["rate"] == 1.0
    r = sh(hukou="other", employment="unemployed", employment_difficulty=True)
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("ineligible", "SHSU-S2", 0)


@pytest.mark.parametrize("kind, status", [("skill_level", "eligible"), ("special_ability", "ineligible"),
                                          ("special_operation", "ineligible")])
def test_R3_a_college_student_needs_a_graded_certificate_of_level_4_or_higher(kind, status):
    """SHSU-R3 (高校毕业年度学生: 中级及以上): a special-ability or special-operation certificate is ungraded,
    whatever level the claim states, so it does not count for a college student."""
    r = sh(employment="student", school_city="shanghai", student_final_year="college", cert_kind=kind, cert_level=4,
           occupation_code=None if kind == "special_ability" else SH_BASE["occupation_code"],
           special_ability_item="人工智能数据标注" if kind == "special_ability" else None)
    assert (r["status"], r["deciding_rule"]) == (status, "SHSU-R3")


@pytest.mark.parametrize("as_employed, status", [(True, "ineligible"), (False, "eligible"), (None, "eligible")])
def test_L1_only_a_prior_known_to_be_paid_as_employed_counts_towards_the_employed_cap(as_employed, status):
    """SHSU-L1 (as employed, once a year): a prior Shanghai subsidy this year counts towards the employed cap
    when it was paid as employed; one whose as_employed is unknown (null) does not (the engine's
    prior_features: a null condition is no match)."""
    prior = [{"policy_id": SH, "occupation_code": "4-01-02-01", "cert_level": 3, "date": "2026-01-10",
              "as_employed": as_employed}]
    r = sh(employment="employed", months_employed_after_cert=6, prior_subsidies=prior)
    assert (r["status"], r["deciding_rule"]) == (status, "SHSU-L1" if status == "ineligible" else "SHSU-R1")
