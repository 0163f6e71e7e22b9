"""beijing-2026-high-skill-training (京人社就促字〔2026〕9号): every parameter pinned to the text, and
the rules mutation testing (tools/mutate.py) found untested."""
import datetime as dt

import pytest

from .conftest import explain
from .pinning import parameter_problems
from .test_beijing_2026_high_skill_training import HS, HS_BASE

PARAMETERS = {  # name: (baseline value, the passage of text.txt that states it | None: a reading[, how it states it])
    "notice_published": (dt.date(2026, 2, 2), "[发布日期]2026-02-02", "2026-02-02"),
    "project_application_deadline": (dt.date(2026, 3, 6), "承办单位于2026年3月6日前"),
    "claim_window_days": (14, "承办单位应于研修培训结束两周内", "两周"),
    "cert_kinds": (["qualification", "skill_level"], None),
    "max_cert_level": (2, None),          # 技师及以上: level 2
    "min_insurance_months": (12, "连续在京缴纳城镇职工社会保险12个月及以上"),
    "once_per_person": (True, None),
    "min_hours": (80, "累计学时不少于80学时"),
    "min_seminar_hours": (16, "其中研讨、交流活动不少于16学时"),
    "amount_per_trainee": (5000, "按每人5000元标准给予承办单位资金补助"),
    "host_cap_applies": (False, None),
    "host_cap_cny": (300000, None),       # 京政办发〔2019〕18号's cap, off by default
    "fund": ("市就业促进中心(资金来源未列明)", None),
    "payment_delay_months": (2, None),    # illustrative
}


def test_parameters_are_pinned_to_the_text():
    assert parameter_problems(HS, PARAMETERS) == []


def hs(**kw):
    return explain(HS, HS_BASE, **kw)


@pytest.mark.parametrize("claimed, status", [("2026-02-01", "out_of_scope"), ("2026-02-02", "eligible")])
def test_P1_publication_date_boundary(claimed, status):
    r = hs(application_date=claimed, programme_end_date=claimed)
    assert r["status"] == status and (status == "eligible" or r["deciding_rule"] == "BJHS-P1")


@pytest.mark.parametrize("issued, status", [("2026-06-10", "eligible"), ("2026-06-11", "ineligible")])
def test_T1_certificate_held_by_the_programme_end(issued, status):
    r = hs(cert_issue_date=issued, application_date="2026-06-20")
    assert r["status"] == status and (status == "eligible" or r["deciding_rule"] == "BJHS-T1")


@pytest.mark.parametrize("changes, status", [
    ({"insurance_months_at_training": 12}, "eligible"), ({"insurance_months_at_training": 11}, "ineligible"),
    ({"programme_hours": 80, "programme_seminar_hours": 16}, "eligible"), ({"programme_hours": 79.5}, "ineligible"),
    ({"programme_seminar_hours": 15.5}, "ineligible"),
    ({"application_date": "2026-06-24"}, "eligible"), ({"application_date": "2026-06-25"}, "ineligible"),
    ({"application_date": "2026-06-10"}, "eligible"), ({"application_date": "2026-06-09", "cert_issue_date": "2023-05-01"}, "ineligible"),
    ({"cert_level": 1}, "eligible"), ({"cert_level": 3}, "ineligible"),
    ({"cert_kind": "qualification", "cert_level": None}, "ineligible"),
])
def test_T1_D1_P1_boundaries(changes, status):
    assert hs(**changes)["status"] == status


def test_A1_payment_month_and_fund():
    r = hs()
    assert r["payment_month"] == "2026-08-01"            # the month of the claim (June) + 2
    assert hs(application_date="2026-06-24")["payment_month"] == "2026-08-01"
    assert r["funding"] == {"source": "市就业促进中心(资金来源未列明)", "city_cny": 5000, "district_cny": 0,
                            "district": None, "district_basis": None}
