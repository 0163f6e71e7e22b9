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


PCT = '''
[r]
rule = "BJKG-A1"
clause = "二"
unit = "percent"
description = "a rate"
value = 80
bounds = [0, 200]
integer = false
from = 2026-02-14

[lo]
rule = "BJKG-A1"
clause = "二"
unit = "date"
description = "from"
value = 2025-01-01
bounds = [2015-01-01, 2035-12-31]
from = 2026-02-14

[hi]
rule = "BJKG-A1"
clause = "二"
unit = "date"
description = "until"
value = 2026-01-01
bounds = [2015-01-01, 2035-12-31]
from = 2026-02-14

[[checks]]
less_equal = ["lo", "hi"]
'''


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("bounds = [0, 200]\n", ""), "parameter r: missing 'bounds'"),
    (lambda t: t.replace("integer = false\n", ""), "parameter r: missing 'integer'"),
    (lambda t: t.replace("integer = false", 'integer = "no"'), "integer is not true or false"),
    (lambda t: t.replace("bounds = [0, 200]", "bounds = [0, 5000]"), "not an ordered range within the unit's limits"),
    (lambda t: t.replace("bounds = [0, 200]", "bounds = [100, 50]"), "not an ordered range"),
    (lambda t: t.replace("bounds = [0, 200]", "bounds = [0]"), "bounds is not \\[low, high\\]"),
    (lambda t: t.replace("bounds = [0, 200]", "bounds = [0, 50]"), "parameter r: 80 is outside its bounds 0–50"),
    (lambda t: t.replace("value = 80", "value = 80.125"), "parameter r: 80.125 has more than two decimals"),
    (lambda t: t.replace("value = 2026-01-01", "value = 2024-01-01"),
     "parameter lo: 2025-01-01 must be on or before hi \\(2024-01-01\\)"),
    (lambda t: t.replace('less_equal = ["lo", "hi"]', 'less_equal = ["lo", "nope"]'), "unknown parameter 'nope'"),
    (lambda t: t.replace('less_equal = ["lo", "hi"]', 'less_equal = ["lo", "r"]'), "compares numbers, money or dates of one unit"),
    (lambda t: t.replace('less_equal = ["lo", "hi"]', 'more = ["lo", "hi"]'), "one of less_equal, less"),
    (lambda t: t.replace('less_equal = ["lo", "hi"]', 'less_equal = ["lo"]'), "two or more parameter names"),
    (lambda t: t.replace('unit = "date"\ndescription = "from"', 'unit = "bool"\ndescription = "from"'),
     "a bool parameter takes no bounds"),
])
def test_bounds_integer_and_checks_are_required_and_checked(tmp_path, edit, message):
    with pytest.raises(ParameterError, match=message):
        load(tmp_path, edit(PCT))


def test_money_is_whole_and_takes_no_integer_key(tmp_path):
    with pytest.raises(ParameterError, match="takes no 'integer'"):
        load(tmp_path, GOOD.replace("bounds = [0, 10000]", "bounds = [0, 10000]\ninteger = true"))
    with pytest.raises(ParameterError, match="missing 'bounds'"):
        load(tmp_path, GOOD.replace("bounds = [0, 10000]\n", ""))
    table = GOOD.replace('unit = "CNY"', 'unit = "CNY table"').replace("value = 1000", 'value = { "5" = 1000, "4" = 20000 }')
    with pytest.raises(ParameterError, match="amount '4': 20000 is outside its bounds 0–10000"):
        load(tmp_path, table)


def test_checked_values_are_normalised(tmp_path):
    ps = load(tmp_path, PCT)
    assert ps.meta("r").bounds == (0, 200) and ps.meta("r").integer is False
    reform = ps.override({"r": 80.5, "hi": "2027-06-30"})
    assert reform["r"] == 80.5 and reform["hi"].isoformat() == "2027-06-30"
    assert ps.override({"r": 90.0})["r"] == 90
    row = {r["name"]: r for r in ps.table()}
    assert row["r"]["bounds"] == "0–200" and row["lo"]["bounds"] == "2015-01-01 … 2035-12-31"
