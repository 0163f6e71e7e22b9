"""beijing-2025-project-training-draft (征求意见稿): every parameter pinned to the text, and the rules
mutation testing (tools/mutate.py) found untested (BJPT-1's certificate kinds and trained_by)."""
import datetime as dt

import pytest

from .pinning import parameter_problems
from .test_beijing_2025_project_training_draft import PT, explain

PARAMETERS = {  # name: (baseline value, the passage of text.txt that states it | None: a reading[, how it states it])
    "training_base_per_trainee_cny": (0, None),       # the draft gives no amount: a scenario's
    "project_training_per_trainee_cny": (0, None),
    "district_programme_per_trainee_cny": (0, None),
    "action_from": (dt.date(2025, 1, 1), None),       # undated draft: nothing before 2025
    "action_until": (dt.date(2027, 12, 31), "到2027年底", "2027"),
    "city_fund": ("政府资金(未列明)", None),
    "district_fund": ("就业补助资金和区级财政资金", "就业补助资金和区级财政资金"),
    "key_group_cert_kinds": (["skill_level", "special_ability"], None),
}


def test_parameters_are_pinned_to_the_text():
    assert parameter_problems(PT, PARAMETERS) == []


@pytest.mark.parametrize("kind, status, rule", [
    ("skill_level", "out_of_scope", "BJPT-1"), ("special_ability", "out_of_scope", "BJPT-1"),
    ("qualification", "needs_info", "BJPT-2"), ("training_only", "needs_info", "BJPT-2")])
def test_BJPT_1_a_key_group_certificate_without_a_channel_goes_to_the_final_notice(kind, status, rule):
    r = explain(cert_kind=kind, trained_by=None)
    assert (r["status"], r["deciding_rule"]) == (status, rule)


@pytest.mark.parametrize("kind", ["skill_level", "special_ability"])
def test_BJPT_1_a_certificate_of_a_training_channel_stays_under_BJPT_2(kind):
    r = explain(cert_kind=kind, trained_by="training_body")
    assert (r["status"], r["amount_cny"], r["deciding_rule"]) == ("eligible", 1000, "BJPT-2")


@pytest.mark.parametrize("by, amount, payee, city, district", [
    ("training_base", 1500, "training_body", 1500, 0), ("training_body", 1000, "training_body", 1000, 0),
    ("employer", 1000, "employer", 1000, 0), ("district", 600, "training_body", 0, 600)])
def test_BJPT_2_channels(by, amount, payee, city, district):
    r = explain(trained_by=by)
    assert (r["amount_cny"], r["payee"], r["funding"]["city_cny"], r["funding"]["district_cny"]) == \
        (amount, payee, city, district)
    assert r["funding"]["source"] == ("就业补助资金和区级财政资金" if by == "district" else "政府资金(未列明)")


@pytest.mark.parametrize("done, status", [("2024-12-31", "out_of_scope"), ("2025-01-01", "eligible"),
                                          ("2027-12-31", "eligible"), ("2028-01-01", "out_of_scope")])
def test_BJPT_2_the_actions_period(done, status):
    assert explain(cert_issue_date=done, application_date="2028-01-05")["status"] == status
