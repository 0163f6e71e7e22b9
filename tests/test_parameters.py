"""Parameters are data: a value without a clause (or unit, or dates) does not load."""
from pathlib import Path

import pytest

from policies import ParameterError, ParameterSet, all_policies, get_policy

GOOD = '''
[x]
rule = "BJKG-A1"
clause = "二"
unit = "CNY"
description = "an amount"
value = 1000
bounds = [0, 10000]
from = 2026-02-14
'''


def load(tmp_path: Path, text: str) -> ParameterSet:
    path = tmp_path / "parameters.toml"
    path.write_text(text, encoding="utf-8")
    return ParameterSet.load(path, "test")


def test_good_file_loads(tmp_path):
    assert load(tmp_path, GOOD)["x"] == 1000


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('clause = "二"\n', ""), "missing 'clause'"),
    (lambda t: t.replace('clause = "二"', 'clause = ""'), "without a clause"),
    (lambda t: t.replace('unit = "CNY"\n', ""), "missing 'unit'"),
    (lambda t: t.replace("from = 2026-02-14\n", ""), "missing 'from'"),
    (lambda t: t.replace('unit = "CNY"', 'unit = "dollars"'), "unknown unit"),
    (lambda t: t.replace("value = 1000", "value = 99.5"), "whole yuan"),
    (lambda t: t.replace('rule = "BJKG-A1"', 'rule = "A1"'), "not a rule id"),
    (lambda t: t + 'colour = "red"\n', "unknown key 'colour'"),
    (lambda t: t + "until = 2020-01-01\n", "until is before from"),
])
def test_bad_parameter_fails_to_load(tmp_path, edit, message):
    with pytest.raises(ParameterError, match=message):
        load(tmp_path, edit(GOOD))


def test_every_policy_parameter_has_clause_unit_dates_and_a_known_rule():
    for policy in all_policies():
        for name in policy.parameters:
            p = policy.parameters.meta(name)
            assert p.clause and p.unit and p.start, (policy.id, name)
            assert p.rule in policy.rules, (policy.id, name, p.rule)


def test_override_is_checked_and_stacks():
    bj = get_policy("beijing-2026-key-groups")
    reform = bj.parameters.override({"a_tier_uplift_pct": 30})
    assert reform["a_tier_uplift_pct"] == 30 and bj.parameters["a_tier_uplift_pct"] == 20
    assert reform.meta("a_tier_uplift_pct").overridden
    stacked = reform.override({"special_ability_amounts": {"A": 1500, "B": 800}})
    assert stacked["a_tier_uplift_pct"] == 30 and stacked["special_ability_amounts"]["A"] == 1500
    assert len({bj.parameters.digest(), reform.digest(), stacked.digest()}) == 3
    with pytest.raises(ParameterError, match="unknown parameter 'a_tier_uplift'"):
        bj.parameters.override({"a_tier_uplift": 30})
    with pytest.raises(ParameterError, match="a_tier_uplift_pct"):
        bj.parameters.override({"a_tier_uplift_pct": "thirty"})
