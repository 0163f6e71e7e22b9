"""Parameters are data: a legal value without a clause, an assumption without a source (or
either without a unit) does not load."""
import json
from pathlib import Path

import pytest

import skillsim.policies

from skillsim.policies import ParameterError, ParameterSet, all_policies, get_policy
from skillsim.policies.parameters import AssumedClasses

GOOD = '''
[x]
kind = "legal"
rule = "BJKG-A1"
clause = "二"
unit = "CNY"
description = "an amount"
value = 1000
bounds = [0, 10000]
'''

ASSUMED = '''
[delay]
kind = "assumption"
rule = "BJKG-T1"
source = "illustrative: processing time"
unit = "months"
description = "a delay"
value = 2
bounds = [0, 36]
integer = true
'''


def load(tmp_path: Path, text: str) -> ParameterSet:
    path = tmp_path / "parameters.toml"
    path.write_text(text, encoding="utf-8")
    return ParameterSet.load(path, "test")


def test_good_file_loads(tmp_path):
    assert load(tmp_path, GOOD)["x"] == 1000


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('clause = "二"\n', ""), "parameter x: a legal value without a clause"),
    (lambda t: t.replace('clause = "二"', 'clause = ""'), "clause is not one line of text"),
    (lambda t: t.replace('clause = "二"', 'clause = "—"'), "clause is not one line of text"),
    (lambda t: t.replace('clause = "二"', 'clause = "二"\nsource = "a report"'), "a legal parameter takes no 'source'"),
    (lambda t: t.replace('kind = "legal"\n', ""), "missing 'kind'"),
    (lambda t: t.replace('kind = "legal"', 'kind = "guess"'), "kind 'guess' is not one of legal, assumption"),
    (lambda t: t.replace('unit = "CNY"\n', ""), "missing 'unit'"),
    (lambda t: t.replace('unit = "CNY"', 'unit = "dollars"'), "unknown unit"),
    (lambda t: t.replace("value = 1000", "value = 99.5"), "whole yuan"),
    (lambda t: t.replace('rule = "BJKG-A1"', 'rule = "A1"'), "not a rule id"),
    (lambda t: t + 'colour = "red"\n', "unknown key 'colour'"),
    (lambda t: t + "from = 2026-02-14\n", "unknown key 'from' \\(a parameter has no dates of its own"),
    (lambda t: t + "until = 2027-12-31\n", "unknown key 'until'"),
    (lambda t: t + 'label = { zh = "金额" }\n', "parameter x: label is"),
    (lambda t: t + 'label = { zh = " ", en = "Amount" }\n', "parameter x: label is"),
    (lambda t: t + 'label = "Amount"\n', "parameter x: label is"),
])
def test_bad_parameter_fails_to_load(tmp_path, edit, message):
    with pytest.raises(ParameterError, match=message):
        load(tmp_path, edit(GOOD))


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('source = "illustrative: processing time"\n', ""),
     "parameter delay: an assumption without a source"),
    (lambda t: t.replace('"illustrative: processing time"', '" "'), "source is not one line of text"),
    (lambda t: t.replace('"illustrative: processing time"', '"""two\nlines"""'), "source is not one line of text"),
    (lambda t: t.replace('rule = "BJKG-T1"', 'rule = "BJKG-T1"\nclause = "三(二)"'),
     "an assumption parameter takes no 'clause'"),
    (lambda t: t + 'reading = "ours"\n', "an assumption parameter takes no 'reading'"),
])
def test_an_assumption_cites_a_source_and_no_clause(tmp_path, edit, message):
    assert load(tmp_path, ASSUMED).meta("delay").citation == "assumption: illustrative: processing time"
    with pytest.raises(ParameterError, match=message):
        load(tmp_path, edit(ASSUMED))


def test_every_policy_parameter_has_its_kind_its_citation_and_a_known_rule():
    kinds = set()
    for policy in all_policies():
        for name in policy.parameters:
            p = policy.parameters.meta(name)
            assert p.kind in ("legal", "assumption") and p.unit, (policy.id, name)
            if p.kind == "legal":
                assert p.clause and p.source is None, (policy.id, name)
            else:
                assert p.source and p.clause is None and p.reading is None, (policy.id, name)
            assert p.rule in policy.rules, (policy.id, name, p.rule)
            kinds.add(p.kind)
    assert kinds == {"legal", "assumption"}


# What the texts do not give is an assumption (issue 11): processing times, the share of an
# "up to" ceiling paid, a point chosen in a range, a cap borrowed from another text, a draft's
# missing amounts, a rule no clause states.
ASSUMPTIONS = {
    "shanghai-2025-skills-upgrade": {"payment_delay_months", "most_favourable"},
    "beijing-2026-high-skill-training": {"payment_delay_months", "host_cap_cny"},
    "beijing-2019-skills-action": {"payment_delay_months", "apprentice_amount_per_year", "studio_paid_share_pct",
                                   "high_tech_paid_share_pct", "award_paid_share_pct", "cultural_paid_share_pct",
                                   "services_paid_share_pct", "urban_paid_share_pct", "base_paid_share_pct"},
    "beijing-2025-project-training-draft": {"training_base_per_trainee_cny", "project_training_per_trainee_cny",
                                           "district_programme_per_trainee_cny", "action_from"},
    "beijing-2026-key-groups": set(),
}


def test_the_values_no_text_gives_are_assumptions_and_the_rest_cite_a_clause():
    here = Path(skillsim.policies.__file__).parent.resolve()
    builtin = [p for p in all_policies() if p.folder.parent.resolve() == here]
    assert {p.id for p in builtin} == set(ASSUMPTIONS)       # plug-ins test their own
    for policy in builtin:
        ps = policy.parameters
        assert {n for n in ps if ps.meta(n).kind == "assumption"} == ASSUMPTIONS[policy.id], policy.id


def test_the_parameters_command_shows_the_kind(capsys):
    from skillsim.simulate.cli import main
    assert main(["parameters", "--policy", "shanghai-2025-skills-upgrade", "--format", "json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["payment_delay_months"]["kind"] == "assumption" and rows["payment_delay_months"]["source"]
    assert rows["rate_employed_pct"]["kind"] == "legal" and rows["rate_employed_pct"]["clause"] == "一(四)1"
    assert not {"from", "until"} & set(rows["rate_employed_pct"])


def test_assumed_classes_travel_apart_from_the_parameters_and_change_the_digest():
    sh = get_policy("shanghai-2025-skills-upgrade").parameters
    assumed = AssumedClasses({"9-99-00-01": "A"}, {})
    ps = sh.assume_classes(assumed)
    assert ps["catalog_overrides"] == {} and ps.assumed_classes == assumed
    assert ps.digest() != sh.digest() and sh.assume_classes(None).digest() == sh.digest()
    assert ps.digest() != sh.assume_classes(AssumedClasses({"9-99-00-01": "B"}, {})).digest()
    assert ps.override({"rate_employed_pct": 90}).assumed_classes == assumed  # a reform keeps them


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
kind = "legal"
rule = "BJKG-A1"
clause = "二"
unit = "percent"
description = "a rate"
value = 80
bounds = [0, 200]
integer = false

[lo]
kind = "legal"
rule = "BJKG-A1"
clause = "二"
unit = "date"
description = "from"
value = 2025-01-01
bounds = [2015-01-01, 2035-12-31]

[hi]
kind = "legal"
rule = "BJKG-A1"
clause = "二"
unit = "date"
description = "until"
value = 2026-01-01
bounds = [2015-01-01, 2035-12-31]

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


def test_a_label_names_the_parameter_in_both_languages(tmp_path):
    ps = load(tmp_path, GOOD + 'label = { zh = "金额", en = "Amount" }\n')
    assert (ps.meta("x").label_in("zh"), ps.meta("x").label_in("en")) == ("金额", "Amount")
    assert load(tmp_path, GOOD).meta("x").label_in("zh") == "x"          # no label: the code name


def test_every_registered_parameter_has_a_label_in_both_languages():
    """The dashboard's Reform page shows every parameter by its plain name (dashboard/parameter_inputs.py)."""
    missing = [f"{p.id}.{n}" for p in all_policies() for n in p.parameters if p.parameters.meta(n).label is None]
    assert not missing, missing
