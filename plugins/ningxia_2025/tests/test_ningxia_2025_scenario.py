"""The plug-in's ready scenario, ningxia-2025-baseline (shipped in the package's scenarios/):
listed and run by skillsim like its own, drawing the policy's declared claim fields, and its
people in the swap beside every other baseline's. Through skillsim's public API only."""
from __future__ import annotations

from importlib.resources import files

import polars as pl
import pytest

import skillsim

PID = "ningxia-2025-skills-subsidy"
NAME = "ningxia-2025-baseline"
FILE = files("skillsim_ningxia_2025") / "scenarios" / f"{NAME}.toml"


@pytest.fixture(scope="module")
def run():
    return skillsim.run(NAME, size=20_000, replications=2)


def test_the_plug_in_s_baseline_is_ready_and_a_baseline():
    assert NAME in skillsim.list_scenarios() and NAME in skillsim.list_scenarios(baselines=True)
    assert FILE.is_file()


def test_the_baseline_pays_and_draws_the_declared_fields(run):
    claims = run.claims.filter(pl.col("policy_id") == PID)
    paid = claims.filter(pl.col("status") == "eligible")
    assert paid.height > 100
    assert set(paid["deciding_rule"]) == {"NX25-A1", "NX25-A2"}                 # both tables pay
    assert set(paid["amount_cny"]) <= {800, 1200, 1600, 1000, 1500, 2000}
    shortage = claims["urgent_shortage_occupation"]
    assert 0.02 < shortage.null_count() / claims.height < 0.08                   # unknown = 0.05
    assert 0.25 < shortage.drop_nulls().mean() < 0.35                            # share = 0.3
    assert claims.filter(pl.col("urgent_shortage_occupation").is_null()
                         & (pl.col("status") == "needs_info"))["deciding_rule"].unique().to_list() == ["NX25-A2"]
    benefit = claims.filter(pl.col("employment") == "unemployed")["drawing_unemployment_benefit"]
    assert 0.33 < benefit.mean() < 0.47                                          # by_employment: unemployed 0.4
    assert not claims.filter(pl.col("employment") == "employed")["drawing_unemployment_benefit"].any()
    assert "ningxia.claim_fields.urgent_shortage_occupation" in run.summary["assumptions"]


@pytest.mark.parametrize("draw, key", [
    ('colour = { share = 0.5, source = "x" }', "claim_fields.colour"),                       # not declared
    ('urgent_shortage_occupation = { shares = { yes = 1.0 }, source = "x" }', "claim_fields.urgent_shortage_occupation.shares"),
    ('urgent_shortage_occupation = { source = "x" }', "claim_fields.urgent_shortage_occupation"),
    ('urgent_shortage_occupation = { share = 1.5, source = "x" }', "claim_fields.urgent_shortage_occupation.share"),
    ('urgent_shortage_occupation = { share = 0.5 }', "claim_fields.urgent_shortage_occupation.source"),
])
def test_a_bad_draw_of_a_declared_field_names_its_key(tmp_path, draw, key):
    head, _ = FILE.read_text(encoding="utf-8").split("[populations.claim_fields]")
    bad = tmp_path / "bad.toml"
    bad.write_text(head + "[populations.claim_fields]\n" + draw + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:   # skillsim's ScenarioError, naming the key
        skillsim.run(bad, size=1000, replications=1)
    assert err.value.key.endswith(key) and "\n" not in str(err.value)


def test_in_the_swap_other_people_are_moved_to_ningxia_s_year_and_paid():
    doc = skillsim.run("swap", size=4_000, replications=1).summary
    assert "ningxia" in doc["population_sizes"]
    moved = doc["manifest"]["moved"]
    assert moved["beijing"][PID] == {"city": "ningxia", "years": -1}           # 2026 -> 2025
    assert all(PID in m for pop, m in moved.items() if pop != "ningxia")
    assert all(v["beneficiaries"]["mean"] > 0 for v in doc["policies"][PID]["by_population"].values())
