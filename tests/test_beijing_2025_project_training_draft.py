"""beijing-2025-project-training-draft (征求意见稿): BJPT-1 lineage (draft → beijing-2026-key-groups) and
BJPT-2, whose amounts a scenario must supply: without them explain and every run refuse (exit 2 on the
command line) naming the missing parameters, never a zero."""
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings

from skillsim.policies import ContractError, PolicyError, claims_frame, get_policy
from skillsim.policies.parameters import ParameterError
from skillsim.simulate.cli import main

from .conftest import BJ_BASE, rules_of
from .strategies import garbage_claims

PT = "beijing-2025-project-training-draft"
AMOUNTS = {"training_base_per_trainee_cny": 1500, "project_training_per_trainee_cny": 1000,
           "district_programme_per_trainee_cny": 600}
# One trainee of a training body's project-based course, completed 2026-05-20.
PT_BASE = {
    "person_id": "pt-1", "hukou": "beijing", "age": 28, "sex": "female", "employment": "unemployed",
    "cert_kind": "training_only", "cert_issue_date": "2026-05-20", "cert_issuer_city": "beijing",
    "application_date": "2026-06-01", "trained_by": "training_body", "district": "朝阳区",
}


def explain(overrides=AMOUNTS, **changes):
    pol = get_policy(PT)
    return pol.explain({**PT_BASE, **changes}, pol.params(overrides))


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "skillsim.simulate.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


# ---- BJPT-2: no amounts, no result
def test_BJPT_2_missing_parameters_are_named():
    pol = get_policy(PT)
    assert pol.missing_parameters(pol.parameters) == list(AMOUNTS)
    with pytest.raises(PolicyError, match="a scenario must supply training_base_per_trainee_cny, "
                                          "project_training_per_trainee_cny, district_programme_per_trainee_cny"):
        pol.explain(PT_BASE)
    with pytest.raises(PolicyError):
        pol.evaluate(claims_frame([PT_BASE]))
    partial = pol.params({"training_base_per_trainee_cny": 1500})
    assert pol.missing_parameters(partial) == ["project_training_per_trainee_cny",
                                               "district_programme_per_trainee_cny"]
    assert pol.missing_parameters(pol.params({k: 0 for k in AMOUNTS})) == []       # a scenario's explicit 0
    for name in AMOUNTS:
        meta = pol.parameters.meta(name)
        assert (meta.rule, meta.unit, meta.value) == ("BJPT-2", "CNY", 0) and "scenario must supply" in meta.note


def test_BJPT_2_cli_exits_2_naming_the_parameters_then_runs_with_them():
    p = run("explain", "--policy", PT, "--claim", "-", stdin=json.dumps(PT_BASE))
    assert p.returncode == 2 and p.stdout == "" and len(p.stderr.strip().splitlines()) == 1
    assert all(name in p.stderr for name in AMOUNTS)
    sets = [a for name, v in AMOUNTS.items() for a in ("--set", f"{name}={v}")]
    p = run("explain", "--policy", PT, "--claim", "-", *sets, stdin=json.dumps(PT_BASE))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["status"], out["amount_cny"], out["payee"], out["deciding_rule"]) == \
        ("eligible", 1000, "training_body", "BJPT-2")


def test_BJPT_2_amounts_must_be_whole_yuan():
    with pytest.raises(ParameterError, match="whole yuan"):
        get_policy(PT).params({"training_base_per_trainee_cny": 99.5})


@pytest.mark.parametrize("trained_by, amount, payee, city, district", [
    ("training_base", 1500, "training_body", 1500, 0), ("training_body", 1000, "training_body", 1000, 0),
    ("employer", 1000, "employer", 1000, 0), ("district", 600, "training_body", 0, 600)])
def test_BJPT_2_channels(trained_by, amount, payee, city, district):
    r = explain(trained_by=trained_by)
    assert (r["status"], r["amount_cny"], r["payee"], r["deciding_rule"]) == ("eligible", amount, payee, "BJPT-2")
    assert (r["funding"]["city_cny"], r["funding"]["district_cny"]) == (city, district)
    assert "BJPT-2" in rules_of(r) and "scenario supplied" in r["reasons"][0]["message"]
    assert r["payment_month"] is None                               # the draft sets no timing


def test_BJPT_2_district_funding_and_unknown_channel():
    f = explain(trained_by="district")["funding"]
    assert (f["source"], f["district"]) == ("就业补助资金和区级财政资金", "朝阳区")
    r = explain(trained_by=None)
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("needs_info", "BJPT-2", 0)
    assert "trained_by" in r["reasons"][-1]["message"]


@pytest.mark.parametrize("issued, status", [("2024-12-31", "out_of_scope"), ("2025-01-01", "eligible"),
                                            ("2027-12-31", "eligible"), ("2028-01-01", "out_of_scope")])
def test_BJPT_2_action_period(issued, status):
    r = explain(cert_issue_date=issued, application_date=issued)
    assert r["status"] == status and (status == "eligible" or r["deciding_rule"] == "BJPT-2")


# ---- BJPT-1: the key-group subsidy became beijing-2026-key-groups
def test_BJPT_1_lineage_draft_to_final():
    draft, final = get_policy(PT), get_policy("beijing-2026-key-groups")
    assert draft.meta.status == "draft" and draft.meta.lineage["final"] == final.id
    assert final.meta.lineage["draft"].startswith(draft.id) and "BJPT-1" in final.meta.lineage["draft"]
    assert draft.rules["BJPT-1"].clause == "四(七)"


def test_BJPT_1_certificate_claim_is_sent_to_the_final_policy():
    claim = {**BJ_BASE}
    r = get_policy(PT).explain(claim, get_policy(PT).params(AMOUNTS))
    assert (r["status"], r["deciding_rule"], r["amount_cny"]) == ("out_of_scope", "BJPT-1", 0)
    assert "beijing-2026-key-groups" in r["reasons"][0]["message"]
    assert get_policy("beijing-2026-key-groups").explain(claim)["amount_cny"] == 1500


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=garbage_claims())
def test_garbage_never_raises_anything_but_a_contract_error(obj):
    try:
        result = get_policy(PT).explain(obj, get_policy(PT).params(AMOUNTS))
    except ContractError as e:
        assert "\n" not in str(e) and e.field
    else:
        assert result["status"] in ("eligible", "ineligible", "needs_info", "out_of_scope")
        assert result["amount_cny"] >= 0


def test_cli_explain_in_process(tmp_path, capsys):
    f = tmp_path / "c.json"
    f.write_text(json.dumps(PT_BASE), encoding="utf-8")
    assert main(["explain", "--policy", PT, "--claim", str(f)]) == 2
    assert "a scenario must supply" in capsys.readouterr().err
