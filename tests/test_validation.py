"""Targets and the validation table (simulate/validation.py), and the budget by calendar year of
payment (metrics.payment_years, by_payment_year, the payment_year breakdown, the lifetime scenarios)."""
import datetime as dt
import json

import polars as pl
import pytest

from skillsim.simulate import metrics, report, runner, scenario
from skillsim.simulate.cli import main
from skillsim.simulate.comparison import compare, show
from skillsim.simulate.outputs import OutputError
from skillsim.simulate.validation import validation

from .test_scenario_schema import error  # the ScenarioError of a text, one line

SH, BJ = "shanghai-2025-skills-upgrade", "beijing-2026-key-groups"
SMALL = dict(size=2000, replications=2)

SCENARIO = """
[scenario]
name = "t"
description = "targets"
seed = 1
replications = 2

[[populations]]
name = "sh"
city = "shanghai"
policies = ["shanghai-2025-skills-upgrade"]
size = { value = 2000, source = "test" }
issue_dates = { start = 2025-05-01, end = 2026-04-30, source = "test" }
"""
TARGET = """
[[targets]]
metric = "budget_cny"
policy = "shanghai-2025-skills-upgrade"
value = 300000
source = "a test figure"
grade = "B"
"""


# ------------------------------------------------------------------ the arithmetic, on a hand-made summary

def _fig(mean, p05, p95, values=None):
    return {"mean": mean, "p05": p05, "p95": p95, **({"values": values} if values else {})}


DOC = {"scenario": "hand", "policies": {SH: {
    "budget_cny": _fig(1000.0, 900.0, 1100.0), "beneficiaries": _fig(10.0, 8.0, 12.0),
    "coverage": _fig(0.1, 0.08, 0.12), "cost_per_beneficiary_cny": _fig(100.0, 90.0, 110.0),
    "claims": 20, "eligible_claims": 15,
    "values": {"claims": [10, 20, 30], "eligible_claims": [15, 15, 15]},
    "by_population": {"a": {}, "b": {"budget_cny": _fig(400.0, 350.0, 450.0)}},
    "by_payment_year": {"2025": {"budget_cny": _fig(300.0, 250.0, 350.0)}},
}}}


def target(**kw):
    return {"metric": "budget_cny", "policy": SH, "value": 1000.0, "source": "s", "grade": "A", **kw}


def test_validation_arithmetic_on_a_hand_made_summary():
    rows = validation(DOC, [target(value=800.0), target(value=1250.0, grade="C", note="a lead"),
                            target(population="b", value=500.0), target(year=2025, value=250.0),
                            target(year=2027, value=10.0), target(metric="claims", value=10.0)])
    over, under, pop, year, none, claims = rows
    assert (over["model_mean"], over["model_p05"], over["model_p95"]) == (1000.0, 900.0, 1100.0)
    assert over["gap"] == 200.0 and over["gap_pct"] == pytest.approx(25.0) and over["inside"] is False
    assert under["gap"] == -250.0 and under["gap_pct"] == pytest.approx(-20.0) and under["inside"] is False
    assert (under["grade"], under["note"]) == ("C", "a lead")
    assert (pop["population"], pop["model_mean"], pop["gap"]) == ("b", 400.0, -100.0)
    assert (year["year"], year["model_mean"], year["inside"]) == (2025, 300.0, True)  # p05 itself is inside
    assert (none["model_mean"], none["gap"], none["inside"]) == (0.0, -10.0, False)  # nothing paid in 2027
    # a count kept as a mean alone: its interval from its per-replication values
    assert (claims["model_mean"], claims["model_p05"], claims["model_p95"]) == (20.0, 11.0, 29.0)
    assert claims["inside"] is False and claims["gap"] == 10.0
    assert all(r["warning"] is None for r in rows)


def test_inside_is_the_closed_interval():
    at = [validation(DOC, [target(value=v)])[0]["inside"] for v in (899.99, 900.0, 1000.0, 1100.0, 1100.01)]
    assert at == [False, True, True, True, False]
    assert validation(DOC, [target(value=0.0)])[0]["gap_pct"] is None  # no % of nothing


def test_a_target_the_summary_has_no_figure_for_is_an_error():
    with pytest.raises(ValueError, match=r"targets\[0\].*population 'c'"):
        validation(DOC, [target(population="c")])
    with pytest.raises(ValueError, match=r"targets\[1\].*'beijing"):
        validation(DOC, [target(), target(policy=BJ)])
    bare = {"scenario": "x", "policies": {SH: {k: v for k, v in DOC["policies"][SH].items() if k != "by_payment_year"}}}
    with pytest.raises(ValueError, match="by year of payment"):
        validation(bare, [target(year=2025)])


# ------------------------------------------------------------------ the schema

def test_targets_parse_with_their_grade_and_source():
    s = scenario.loads(SCENARIO + TARGET + TARGET.replace('"B"', '"C"\nnote = "a lead only"')
                       .replace("budget_cny", "beneficiaries").replace("300000", "200") + "year = 2026\n")
    assert [t["metric"] for t in s.targets] == ["budget_cny", "beneficiaries"]
    assert s.targets[1] == {"metric": "beneficiaries", "policy": SH, "population": None, "year": 2026,
                            "value": 200.0, "unit": None, "source": "a test figure", "grade": "C",
                            "note": "a lead only"}
    assert scenario.loads(SCENARIO).targets == ()


@pytest.mark.parametrize("change,key,words", [
    (('"B"', '"C"'), "targets[0].note", "grade C"),                           # a lead must say so
    (('"B"', '"D"'), "targets[0].grade", "A, B, C"),
    (('"budget_cny"', '"budget"'), "targets[0].metric", "not one of"),
    (("value = 300000", "value = -1"), "targets[0].value", "minimum"),
    (("value = 300000", 'value = "300000"'), "targets[0].value", "not a number"),
    (('source = "a test figure"', 'source = ""'), "targets[0].source", "one-line source"),
    (('grade = "B"', 'grade = "B"\nyear = 1850'), "targets[0].year", "minimum"),
    (('grade = "B"', 'grade = "B"\nfigure = 3'), "targets[0].figure", "unknown key"),
    (('policy = "shanghai-2025-skills-upgrade"', f'policy = "{BJ}"'), "targets[0].policy", "not run by any"),
    (('policy = "shanghai-2025-skills-upgrade"', 'policy = "no-such-policy"'), "targets[0].policy", "not a registered"),
    (('grade = "B"', 'grade = "B"\npopulation = "bj"'), "targets[0].population", "not a population"),
    (('metric = "budget_cny"', 'metric = "coverage"'), "targets[0].value", "share"),
])
def test_a_bad_target_is_one_line_naming_its_key(change, key, words):
    err = error(SCENARIO + TARGET.replace(*change))
    assert err.key == key and words in str(err), str(err)


def test_a_population_that_does_not_run_the_target_s_policy_is_refused():
    text = SCENARIO + """
[[populations]]
name = "bj"
city = "beijing"
policies = ["beijing-2026-key-groups"]
size = { value = 2000, source = "test" }
""" + TARGET.replace('grade = "B"', 'grade = "B"\npopulation = "bj"')
    err = error(text)
    assert err.key == "targets[0].population" and "does not run" in str(err)


def test_a_swap_takes_no_targets():
    err = error('[scenario]\nname = "s"\ndescription = "d"\nseed = 1\n[swap]\n' + TARGET)
    assert err.key == "targets" and "[swap]" in str(err)


# ------------------------------------------------------------------ the budget by year of payment

def test_payment_years_count_people_distinct_within_each_year():
    res = pl.DataFrame({
        "person_id": ["p1", "p1", "p1", "p2", "p3"],
        "status": ["eligible", "eligible", "eligible", "eligible", "ineligible"],
        "amount_cny": [1000, 500, 800, 700, 0],
        "payment_month": [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1), None],
    }).with_columns(funding=pl.struct(city_cny="amount_cny", district_cny=pl.lit(0)))
    got = {r["year"]: r for r in metrics.payment_years(res)}
    assert got == {"2025": {"year": "2025", "claims": 2, "eligible_claims": 2, "budget_cny": 1500, "beneficiaries": 1},
                   "2026": {"year": "2026", "claims": 2, "eligible_claims": 2, "budget_cny": 1500, "beneficiaries": 2}}
    t = metrics.totals(res, 10, 3)
    assert t["payment_years"] == metrics.payment_years(res) and t["beneficiaries"] == 2  # p1 counted in both years
    halves = [metrics.totals(res.filter(pl.col("person_id") == p), 5, 1) for p in ("p1", "p2")]
    assert metrics.add_totals(halves)["payment_years"] == t["payment_years"]


@pytest.fixture(scope="module")
def lifetime():
    return {n: report.summary(runner.run(scenario.load(n).with_changes(**SMALL), keep_claims=False))
            for n in ("shanghai-2025-lifetime", "beijing-2026-lifetime")}


def test_every_year_s_budget_sums_to_the_total(lifetime):
    for doc in lifetime.values():
        for e in doc["policies"].values():
            years = e["by_payment_year"]
            for r in range(SMALL["replications"]):
                assert sum(y["budget_cny"]["values"][r] for y in years.values()) == e["values"]["budget_cny"][r]
                # a person paid in two years counts in both, never fewer than the run's beneficiaries
                assert sum(y["beneficiaries"]["values"][r] for y in years.values()) >= e["values"]["beneficiaries"][r]
            assert sum(y["budget_cny"]["mean"] for y in years.values()) == pytest.approx(e["budget_cny"]["mean"])


def test_the_payment_year_breakdown_sums_to_the_total():
    res = runner.run(scenario.load("shanghai-2025-lifetime").with_changes(size=1500, replications=1), keep_claims=False)
    by_year = res.breakdowns.filter(dimension="payment_year")
    assert by_year["budget_cny"].sum() == res.totals["budget_cny"].sum() > 0
    paid = {k: v for k, v in by_year.select("key", "budget_cny").iter_rows() if v}
    assert paid == {y["year"]: y["budget_cny"] for y in res.totals["payment_years"][0]}


def test_a_lifetime_scenario_pays_in_several_years(lifetime):
    sh = lifetime["shanghai-2025-lifetime"]["policies"][SH]["by_payment_year"]
    assert {"2025", "2026", "2027", "2028"} <= set(sh)
    bj = lifetime["beijing-2026-lifetime"]["policies"][BJ]["by_payment_year"]
    assert {"2026", "2027", "2028"} <= set(bj) and "2025" not in bj  # nothing before the notice (2026-02-14)
    assert all(y["budget_cny"]["mean"] > 0 for y in [*sh.values(), *bj.values()])


# ------------------------------------------------------------------ summary.json and the command line

def test_a_run_prints_and_saves_its_validation(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text(SCENARIO + TARGET + TARGET.replace('"B"', '"C"\nnote = "only a lead"').replace("300000", "1"),
                    encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    doc = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    rows = doc["validation"]
    assert rows == validation(doc, scenario.load(str(path)).targets)
    assert rows[0]["model_mean"] == doc["policies"][SH]["budget_cny"]["mean"]
    assert rows[0]["gap"] == pytest.approx(rows[0]["model_mean"] - 300000)
    assert "validation against published figures" in out and "C: lead only" in out
    assert "budget by calendar year of payment" in out  # certificates of 2025-05 … 2026-04: paid in 2025 and 2026
    assert main(["run", str(path), "--out", str(tmp_path / "j"), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    checks = [r for r in printed if r["table"] == "validation"]
    assert [(r["metric"], r["target"], r["model"], r["gap"], r["inside"], r["grade"]) for r in checks] == [
        (v["metric"], v["target"], v["model_mean"], v["gap"], v["inside"], v["grade"]) for v in rows]
    years = [r for r in printed if r["table"] == "by_payment_year"]
    assert {r["payment_year"]: r["budget_cny"] for r in years} == {
        y: f["budget_cny"]["mean"] for y, f in doc["policies"][SH]["by_payment_year"].items()}
    # compare shows both runs' validation rows
    c = compare(tmp_path / "a", tmp_path / "j")
    assert c.validation == {"A": rows, "B": rows}
    show(c)
    shown = capsys.readouterr().out
    assert "validation of each run" in shown and shown.count("C: lead only") == 2


def test_a_run_without_targets_has_no_validation(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "a")]) == 0
    assert "validation" not in capsys.readouterr().out
    assert "validation" not in json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert compare(tmp_path / "a", tmp_path / "a").validation == {}


def test_a_total_against_a_resized_run_is_flagged():
    res = runner.run(scenario.load("shanghai-2025-baseline").with_changes(size=1000, replications=1),
                     keep_claims=False)
    rows = report.summary(res)["validation"]
    assert {r["metric"] for r in rows} == {"budget_cny", "beneficiaries"} and all(r["grade"] == "C" for r in rows)
    assert all("not comparable" in r["warning"] and "1,000" in r["warning"] for r in rows)
    assert all(r["note"] for r in rows)  # grade C: the scenario says it is a lead


def test_a_damaged_validation_row_names_its_key(tmp_path):
    doc = {"scenario": "x", "policies": {}, "validation": [{"metric": "budget_cny"}]}
    with pytest.raises(OutputError, match=r"validation\.0\.policy"):
        report.check_summary(doc)
