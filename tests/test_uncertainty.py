"""Uncertain assumptions (simulate/uncertainty.py): ranges and Dirichlet shares in a scenario,
drawn once for each pair of replications, and the share of each interval they explain."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from skillsim.simulate import report, runner, scenario, uncertainty
from skillsim.simulate.cli import main
from skillsim.simulate.scenario import ScenarioError
from skillsim.simulate.uncertainty import Uncertain, at, draw, split

from .conftest import BJ_POINT
from .test_simulate import MINIMAL

BJ, SH = "beijing-2026-key-groups", "shanghai-2025-skills-upgrade"
SIZE_LINE = 'size = { value = 3000, source = "test" }'
PINNED = Path(__file__).with_name("data") / "point_valued_summary.json"
TAKE_UP = "populations.bj.certificate_take_up.value"


def with_lines(*lines: str) -> str:
    return MINIMAL.replace(SIZE_LINE, "\n".join([SIZE_LINE, *lines]))


UNCERTAIN = MINIMAL.replace(f'policies = ["{BJ}"]', f'policies = ["{BJ}", "{SH}"]').replace(SIZE_LINE, """\
size = { low = 2000, high = 4000, source = "test sizes" }
certificate_take_up = { low = 0.2, mode = 0.3, high = 0.5, source = "test range" }
employment = { shares = { employed = 0.5, unemployed = 0.3, student = 0.2 }, concentration = 40, source = "t" }\
""") + f"""
[parameters.{SH}]
payment_delay_months = {{ low = 1, high = 6, source = "test delay" }}
"""


def take_up(low: float, high: float, replications: int = 12, size: int = 2000) -> scenario.Scenario:
    text = with_lines(f'certificate_take_up = {{ low = {low}, high = {high}, source = "test" }}')
    return scenario.loads(text).with_changes(replications=replications, size=size)


# ------------------------------------------------------------------ the specs

def test_a_scenario_lists_its_uncertain_assumptions_in_file_order_with_central_values():
    s = scenario.loads(UNCERTAIN)
    assert s.is_uncertain and not scenario.loads(MINIMAL).is_uncertain
    specs = uncertainty.uncertain(s)
    assert [u.key for u in specs] == ["populations.bj.size.value", "populations.bj.employment.shares", TAKE_UP,
                                      f"parameters.{SH}.payment_delay_months"]
    assert [u.kind for u in specs] == ["uniform", "dirichlet", "triangular", "uniform"]
    assert specs[0].integer and specs[3].integer and not specs[2].integer
    assert specs[2].source == "test range"
    # the scenario holds the central values: everything that reads one point reads those
    pop = s.populations[0]
    assert pop.size == 3000 and pop.a["certificate_take_up"] == {"source": "test range", "value": 0.3}
    assert pop.a["employment"]["shares"] == {"employed": 0.5, "unemployed": 0.3, "student": 0.2}
    assert "concentration" not in pop.a["employment"]
    assert s.parameters[SH]["payment_delay_months"] == 4      # the midpoint 3.5, rounded half to even


def test_ppf_of_uniform_and_triangular_at_0_half_and_1():
    u = Uncertain("k", "uniform", 0.2, 0.6, None, None, None, "s", False)
    assert [u.ppf(x) for x in (0, 0.5, 1)] == [0.2, 0.4, 0.6]
    t = Uncertain("k", "triangular", 0.0, 4.0, 1.0, None, None, "s", False)
    assert t.ppf(0) == 0.0 and t.ppf(1) == 4.0 and t.ppf(0.25) == pytest.approx(1.0)  # F(mode) = 1/4
    assert t.ppf(0.5) == pytest.approx(4 - np.sqrt(0.5 * 4 * 3))                       # the upper branch
    assert t.central() == 1.0 and u.central() == 0.4
    whole = Uncertain("k", "uniform", 1, 4, None, None, None, "s", True)
    assert whole.ppf(0.5) == 2 and whole.central() == 2 and isinstance(whole.ppf(0.3), int)  # 2.5: half to even
    assert Uncertain("k", "uniform", 2, 5, None, None, None, "s", True).ppf(0.5) == 4      # 3.5: half to even
    pct = Uncertain("k", "uniform", 10, 20, None, None, None, "s", False, decimals=2)
    assert pct.ppf(1 / 3) == 13.33
    with pytest.raises(ValueError, match="k"):
        u.ppf(1.5)


def test_a_large_sample_follows_the_distribution():
    t = Uncertain("k", "triangular", 0.0, 4.0, 1.0, None, None, "s", False)
    x = np.array([t.sample(np.random.default_rng(i)) for i in range(4000)])
    assert x.min() >= 0 and x.max() <= 4 and x.mean() == pytest.approx(5 / 3, abs=0.05)  # (a + b + c) / 3


def test_dirichlet_draws_average_to_the_given_shares_and_keep_zeros():
    shares = {"employed": 0.5, "flexible": 0.0, "unemployed": 0.3, "student": 0.2}
    d = Uncertain("k", "dirichlet", None, None, None, shares, 20.0, "s", False)
    rng = np.random.default_rng(7)
    draws = [d.sample(rng) for _ in range(3000)]
    assert all(x["flexible"] == 0.0 and abs(sum(x.values()) - 1) < 1e-9 for x in draws)
    for k in shares:
        assert np.mean([x[k] for x in draws]) == pytest.approx(shares[k], abs=0.01)
    spread = np.std([x["employed"] for x in draws])
    assert spread == pytest.approx(np.sqrt(0.5 * 0.5 / 21), rel=0.1)   # Var = s(1-s)/(K+1)
    with pytest.raises(ValueError):
        d.ppf(0.5)


def test_the_same_seed_gives_the_same_draws_bit_for_bit():
    s = scenario.loads(UNCERTAIN)
    a, b = draw(s, np.random.default_rng(3)), draw(s, np.random.default_rng(3))
    assert json.dumps(a) == json.dumps(b) and a != draw(s, np.random.default_rng(4))
    assert list(a) == [u.key for u in uncertainty.uncertain(s)]


def test_at_fixes_values_leaves_no_uncertainty_and_records_what_it_fixed():
    s = scenario.loads(UNCERTAIN)
    fixed = at(s, {TAKE_UP: 0.45, "populations.bj.size.value": 2500.0}, by="a test")
    assert not fixed.is_uncertain and uncertainty.uncertain(fixed) == []
    pop = fixed.populations[0]
    assert pop.a["certificate_take_up"]["value"] == 0.45 and pop.size == 2500 and isinstance(pop.size, int)
    assert pop.a["employment"]["shares"] == {"employed": 0.5, "unemployed": 0.3, "student": 0.2}  # central
    assert fixed.parameters[SH]["payment_delay_months"] == 4
    assert fixed.changed[TAKE_UP] == {"from": "triangular 0.2–0.5 (mode 0.3)", "to": 0.45, "by": "a test"}
    assert fixed.changed[f"parameters.{SH}.payment_delay_months"]["by"] == "a test (central value)"
    assert s.populations[0].a["certificate_take_up"]["value"] == 0.3   # the original is left as it was
    ages = at(scenario.loads(with_lines(
        'age = { shares = { "16-30" = 0.5, "31-60" = 0.5 }, concentration = 5, source = "t" }')),
        {"populations.bj.age.shares": {"16-30": 0.9, "31-60": 0.1}})
    assert ages.populations[0].a["age"]["bands"] == [(16, 30, 0.9), (31, 60, 0.1)]  # bands follow the shares
    for bad in ({"populations.bj.nothing.value": 1}, {TAKE_UP: 0.9}, {TAKE_UP: "0.3"},
                {"populations.bj.employment.shares": {"employed": 1.0}}):
        with pytest.raises(ValueError, match=next(iter(bad)).replace(".", r"\.")):
            at(s, bad)


def test_split_is_the_one_way_anova_of_pairs():
    # pairs (1, 3) and (5, 7): within-pair mean square 2, pair means 2 and 6 (variance 8):
    # assumptions 8 - 2/2 = 7 of a total 7 + 2
    assert split([1, 3, 5, 7]) == {"from_assumptions": 7 / 9, "from_sampling": 2 / 9}
    assert split([1, 3, 5, 7, 100]) == split([1, 3, 5, 7])          # an unpaired last one is left out
    assert split([1, 3, 2, 2])["from_assumptions"] == 0.0           # pair means equal: floored at 0
    assert split([1, 3, 5]) == {"from_assumptions": None, "from_sampling": None}  # one pair: nothing to estimate


# ------------------------------------------------------------------ the runner

def test_a_point_valued_scenario_gives_exactly_todays_results():
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    s = scenario.load("reform-example").with_changes(size=2000, replications=3, by="test")
    res = runner.run(s, keep_claims=False)
    doc = report.summary(res)
    assert not s.is_uncertain and res.draws == ()
    assert doc["manifest"]["assumption_draws"] == [] and doc["manifest"]["uncertain"] == []
    assert doc["manifest"]["parameter_hash"] == pinned["parameter_hash"]
    for pid, e in doc["policies"].items():
        parts = [("all", e), *e["by_population"].items(), *([("reform", e["reform"])] if "reform" in e else [])]
        for part, f in parts:
            want = pinned["figures"][f"{pid}/{part}"]
            assert f["values"] == want["values"]
            for k in report.HEADLINE:
                assert {x: f[k][x] for x in ("mean", "p05", "p95")} == want[k], (pid, part, k)
                assert (f[k]["from_assumptions"], f[k]["from_sampling"]) == (0.0, 1.0)  # all sampling, no pairing
        if "difference" in e:
            assert {k: {x: v[x] for x in ("mean", "p05", "p95")} for k, v in e["difference"].items()} == \
                pinned["figures"][f"{pid}/difference"]


def test_the_assumption_seed_is_a_child_after_the_existing_ones_and_pairs_share_it():
    s = scenario.loads(UNCERTAIN).with_changes(replications=5)
    rep = np.random.SeedSequence(s.seed).spawn(3)[2]
    after = rep.spawn(len(s.populations) + 2)[-1]       # the populations', the catalog's, then this one
    assert runner.assumption_seed(s, 2).spawn_key == after.spawn_key
    assert np.array_equal(runner.assumption_seed(s, 2).generate_state(4), after.generate_state(4))
    draws = [runner.fixed(s, r)[1] for r in range(5)]
    assert draws[0] == draws[1] and draws[2] == draws[3] and draws[1] != draws[2] and draws[4] not in draws[:4]
    assert runner.fixed(scenario.loads(MINIMAL), 0)[1] == {}


def test_each_replication_runs_its_draw_and_saves_it():
    s = scenario.loads(UNCERTAIN).with_changes(replications=6)
    res = runner.run(s, keep_claims=False)
    again = runner.run(s, keep_claims=False)
    assert res.totals.equals(again.totals) and res.draws == again.draws          # same seed: bit for bit
    sizes = res.totals.filter(pl.col("policy_id") == BJ).sort("replication")["target_population"].to_list()
    assert sizes == [d["populations.bj.size.value"] for d in res.draws]        # each ran its drawn size
    assert sizes[0] == sizes[1] and sizes[1] != sizes[2]                        # a pair shares one draw
    doc = report.summary(res)
    rows = doc["manifest"]["assumption_draws"]
    assert [r["replication"] for r in rows] == list(range(6))
    assert rows[2][f"parameters.{SH}.payment_delay_months"] == res.draws[2][f"parameters.{SH}.payment_delay_months"]
    assert [u["key"] for u in doc["manifest"]["uncertain"]] == [u.key for u in s.uncertain]
    assert doc["manifest"]["uncertain"][2]["source"] == "test range"
    used = doc["manifest"]["parameters"][SH]["baseline"]["payment_delay_months"]
    assert used["uncertain"] == "uniform 1–6" and used["value"] == 4
    # the drawn delay is the one that ran: payment months move with it
    delays = [d[f"parameters.{SH}.payment_delay_months"] for d in res.draws]
    months = res.breakdowns.filter((pl.col("policy_id") == SH) & (pl.col("dimension") == "payment_month")
                                   & (pl.col("budget_cny") > 0))
    first = [months.filter(pl.col("replication") == r)["key"].min() for r in range(6)]
    assert min(delays) < max(delays)  # (this seed draws 1 and 6)
    assert max(f for f, d in zip(first, delays) if d == min(delays)) < min(f for f, d in zip(first, delays)
                                                                         if d == max(delays))
    # runner.draw (the dashboard's Reform page) draws what run drew in that replication
    drawn = runner.draw(s, "bj", 2)
    claims = res.totals.filter((pl.col("replication") == 2) & (pl.col("policy_id") == BJ))["claims"][0]
    assert drawn.claims.height == claims


def test_a_wide_take_up_widens_the_interval_and_explains_most_of_it():
    point = report.summary(runner.run(scenario.loads(MINIMAL).with_changes(replications=12, size=2000),
                                      keep_claims=False))["policies"][BJ]["budget_cny"]
    wide = report.summary(runner.run(take_up(0.1, 0.5), keep_claims=False))["policies"][BJ]["budget_cny"]
    tiny = report.summary(runner.run(take_up(0.3, 0.3001), keep_claims=False))["policies"][BJ]["budget_cny"]
    assert wide["p95"] - wide["p05"] > 2 * (point["p95"] - point["p05"])
    assert wide["from_assumptions"] > 0.5 and wide["from_assumptions"] + wide["from_sampling"] == pytest.approx(1)
    assert tiny["from_assumptions"] < 0.25 < wide["from_assumptions"]
    assert point["from_sampling"] == 1.0


def test_a_size_given_on_the_command_line_replaces_a_range_of_sizes():
    s = scenario.loads(UNCERTAIN)
    resized = s.with_changes(size=500)
    assert "populations.bj.size.value" not in [u.key for u in resized.uncertain] and resized.is_uncertain
    assert runner.fixed(resized, 0)[0].populations[0].size == 500


# bad ranges, concentrations and uncertain parameters: tests/test_scenario_schema.py

# ------------------------------------------------------------------ what a user reads

def test_the_run_table_says_what_each_interval_covers(tmp_path, capsys):
    path = tmp_path / "u.toml"
    path.write_text(with_lines('certificate_take_up = { low = 0.1, high = 0.5, source = "x" }'), encoding="utf-8")
    assert main(["run", str(path), "--size", "1000", "--replications", "4", "--out", str(tmp_path / "u"),
                 "--format", "json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if r["table"] == "figures"]
    doc = json.loads((tmp_path / "u" / "summary.json").read_text(encoding="utf-8"))
    share = doc["policies"][BJ]["budget_cny"]["from_assumptions"]
    assert rows[0]["interval"] == f"assumptions + sampling ({share:.0%} from assumptions)"
    assert len(doc["manifest"]["assumption_draws"]) == 4
    path.write_text(MINIMAL, encoding="utf-8")
    assert main(["run", str(path), "--size", "1000", "--out", str(tmp_path / "p"), "--format", "json"]) == 0
    assert {r["interval"] for r in json.loads(capsys.readouterr().out) if r["table"] == "figures"} == {"sampling"}


def test_compare_pairs_two_uncertain_runs_by_replication(tmp_path, capsys):
    path = tmp_path / "u.toml"
    path.write_text(with_lines('certificate_take_up = { low = 0.1, high = 0.5, source = "x" }'), encoding="utf-8")
    for out in ("a", "b"):
        assert main(["run", str(path), "--size", "1000", "--replications", "4", "--out", str(tmp_path / out)]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    budget = next(r for r in rows if r.get("metric") == "budget_cny")
    assert budget["paired"] is True and budget["difference"] == 0


def test_the_ready_uncertain_scenario_has_sourced_ranges_and_runs_small(tmp_path, capsys):
    s = scenario.load("beijing-2026-uncertain")
    specs = uncertainty.uncertain(s)
    assert s.is_uncertain and 3 <= len(specs) <= 5 and s.name not in scenario.baselines()
    assert all(u.source.startswith("illustrative range") for u in specs)
    base = scenario.load(BJ_POINT)  # the baseline it was written from, before the baseline was grounded
    assert s.populations[0].size == base.populations[0].size
    assert main(["run", s.name, "--size", "1000", "--replications", "4", "--out", str(tmp_path / "o")]) == 0
    assert "assumptions + sampling" in capsys.readouterr().out
    doc = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert [set(d) - {"replication"} for d in doc["manifest"]["assumption_draws"]] == [{u.key for u in specs}] * 4


def test_a_population_of_training_places_draws_its_uncertain_assumptions():
    from skillsim.simulate.cohorts import CohortPopulation

    from .test_calibration import MINIMAL as PLACES
    text = PLACES.replace("issue_dates = {", 'training_hours_spread = { low = 5, high = 50, source = "t" }\n'
                                             "issue_dates = {").replace("seed = 1", "seed = 1\nreplications = 2")
    s = scenario.loads(text)
    assert [u.key for u in s.uncertain] == ["populations.places.training_hours_spread.value"]
    point, values = runner.fixed(s, 0)
    assert isinstance(point.populations[0], CohortPopulation)
    drawn = values[s.uncertain[0].key]
    assert point.populations[0].a["training_hours_spread"]["value"] == drawn != s.uncertain[0].central()
    assert runner.run(s, keep_claims=False).draws[1] == values


def test_catalog_class_shares_may_be_uncertain_too():
    text = MINIMAL.replace(f'policies = ["{BJ}"]', f'policies = ["{SH}"]') + (
        f"\n[catalog_assumptions.{SH}]\n"
        'unknown_class_shares = { shares = { A = 0.2, B = 0.3, C = 0.5 }, concentration = 3, source = "t" }\n')
    s = scenario.loads(text)
    key = f"catalog_assumptions.{SH}.unknown_class_shares.shares"
    given = {"A": 0.2, "B": 0.3, "C": 0.5}
    assert [u.key for u in s.uncertain] == [key] and s.catalog_assumptions[SH]["shares"] == given
    point, values = runner.fixed(s, 0)
    assert point.catalog_assumptions[SH] == {"source": "t", "shares": values[key]} and values[key] != given
