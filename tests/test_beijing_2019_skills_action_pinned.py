"""beijing-2019-skills-action (京政办发〔2019〕18号): every parameter pinned to the text, and the rules
mutation testing (tools/mutate.py) found untested."""
import datetime as dt

import pytest

from .conftest import explain
from .pinning import parameter_problems
from .test_beijing_2019_skills_action import SA, SA_BASE

UPGRADE = "分别按照1000元、1500元、2000元、2500元和3000元的标准给予个人技能"
PARAMETERS = {  # name: (baseline value, the passage of text.txt that states it | None: a reading[, how it states it])
    "plan_start": (dt.date(2019, 1, 1), "相关政策自2019年1月1日起执行"),
    "plan_end": (dt.date(2021, 12, 31), "北京市职业技能提升行动实施方案(2019—2021年)", "2021年"),
    "new_hire_amount": (500, "培训时间不低于40课时的,按每人500元的标准给予企业补贴"),
    "new_hire_window_months": (12, "在员工入职12个月内"),
    "new_hire_min_hours": (40, "培训时间不低于40课时"),
    "apprentice_min_per_year": (5000, "按照每人每年5000元至8000元的标准给予企业补贴"),
    "apprentice_max_per_year": (8000, "按照每人每年5000元至8000元的标准给予企业补贴"),
    "apprentice_amount_per_year": (5000, None),   # the point paid within 5000–8000: a reading
    "apprentice_min_plan_years": (1, "实施1至3年培养计划"),
    "apprentice_max_plan_years": (3, "实施1至3年培养计划"),
    "special_operation_amount": (1000, "且在本市缴纳失业保险1年以上的企业职工,按照每人1000元的标准给予个人补贴"),
    "special_operation_min_insurance_months": (12, "在本市缴纳失业保险1年以上", "1年"),
    "upgrade_amounts": ({"5": 1000, "4": 1500, "3": 2000, "2": 2500, "1": 3000}, UPGRADE, "2500"),
    "upgrade_min_insurance_months": (12, "在本市缴纳失业保险1年以上", "1年"),
    "difficult_topup_pct": (50, "再按照上述标准的50%给予企业补贴", "50%"),
    "non_level_amount": (500, "不少于20课时的,按照每人500元的标准给予企业补贴"),
    "non_level_min_hours": (20, "培训时间不少于20课时"),
    "research_amount": (5000, "按照每人5000元的标准,每年给予每家列入研修培训项目的企业不超过30万元"),
    "research_enterprise_cap_cny": (300000, "每年给予每家列入研修培训项目的企业不超过30万元", "30万"),
    "high_skill_max_level": (3, None),            # 高技能人才: 高级工 (level 3) or higher
    "studio_ceiling_cny": (300000, "每年给予每个申报通过的项目不超过30万元", "30万"),
    "studio_paid_share_pct": (100, None),         # the share of a 不超过 ceiling paid: a reading
    "high_tech_industries": (["high_tech", "fintech"], None),
    "high_tech_ceiling_cny": (20000, "按照每人不超过2万元的标准", "2万"),
    "high_tech_paid_share_pct": (100, None),
    "award_pct": (50, "不超过上述标准的50%", "50%"),
    "award_paid_share_pct": (100, None),
    "award_min_months": (3, "培训后在本市相关企业就业3个月以上"),
    "cultural_ceiling_cny": (5000, "按照每人不超过5000元的标准"),
    "cultural_paid_share_pct": (100, None),
    "services_industries": (["elderly_care", "security", "medical_escort", "childcare", "courier"], None),
    "services_ceiling_cny": (3000, "每人不超过3000元"),
    "services_paid_share_pct": (100, None),
    "urban_industries": (["urban_operation", "other_key_field"], None),
    "urban_ceiling_cny": (4000, "组织职工开展技能提升培训的,按照每人不超过4000元的标准给予企业补贴"),
    "urban_paid_share_pct": (100, None),
    "work_training_monthly_cny": (500, "按照每人每月500元标准"),
    "work_training_max_months": (6, "给予企业不超过6个月"),
    "domestic_pre_job_amount": (2000, "每人每年培训时间不低于80课时的,按每人2000元的标准"),
    "domestic_pre_job_min_hours": (80, "每人每年培训时间不低于80课时"),
    "domestic_refresher_amount": (500, "每人每年培训时间不低于40课时的,按每人500元的标准给予企业补贴"),
    "domestic_refresher_employee_firm_amount": (1000, "对于开展“回炉”培训的员工制家政企业,按每人1000元的标准"),
    "domestic_refresher_min_hours": (40, "开展“回炉”培训,且每人每年培训时间不低于40课时"),
    "base_ceiling_cny": (4000, "按照每人不超过4000元的标准给予实训基地补", "4000"),
    "base_paid_share_pct": (100, None),
    "yearly_max": (3, "每人每年可享受不超过3次"),
    "counted_policies": (["beijing-2019-skills-action"], None),
    "l1_exempt_lines": (["BJSA-6"], None),
    "same_level_exempt_lines": (["BJSA-5"], None),
    "fund": ("职业技能提升行动专账", "职业技能提升行动专账"),
    "payment_delay_months": (2, None),            # illustrative
    "task_table_total_person_times": (623000, "合计62.3万人次", "62.3万"),
}


def test_parameters_are_pinned_to_the_text():
    assert parameter_problems(SA, PARAMETERS) == []


def sa(**kw):
    return explain(SA, SA_BASE, **kw)


def test_BJSA_4_payment_month_and_fund():
    r = sa()
    assert r["payment_month"] == "2019-09-01"         # applied in July: + 2 months
    assert sa(application_date="2019-07-31")["payment_month"] == "2019-09-01"
    assert r["funding"]["source"] == "职业技能提升行动专账" and r["funding"]["city_cny"] == 2000


@pytest.mark.parametrize("years, status", [(0, "ineligible"), (1, "eligible"), (3, "eligible"), (4, "ineligible")])
def test_BJSA_2_plans_of_one_to_three_years_inclusive(years, status):
    """BJSA-2 实施1至3年培养计划: both ends of the range are paid."""
    r = sa(cert_kind="training_only", cert_level=None, occupation_code=None, subsidy_line="BJSA-2",
           apprentice_plan_years=years)
    assert (r["status"], r["deciding_rule"]) == (status, "BJSA-2")


@pytest.mark.parametrize("trained_by, payee", [("training_body", "training_body"), ("training_base", "training_body"),
                                               ("employer", "employer")])
def test_BJSA_8_life_services_paid_to_whoever_trained(trained_by, payee):
    """BJSA-8 (生活服务): the subsidy goes to the training body or base that trained, else the enterprise."""
    r = sa(subsidy_line="BJSA-8", industry="elderly_care", occupation_code="4-10-01-05", cert_level=4,
           trained_by=trained_by)
    assert (r["status"], r["amount_cny"], r["payee"], r["deciding_rule"]) == ("eligible", 3000, payee, "BJSA-8")
