"""The simulator: scenarios, population, runner, caps between claims, metrics, outputs."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillsim.policies import get_policy
from skillsim.policies.contract import claims_frame, validate_frame
from skillsim.simulate import metrics, population, relocation, report, runner, scenario
from skillsim.simulate.cli import main
from skillsim.simulate.population import generate
from skillsim.simulate.scenario import ScenarioError

from .strategies import claims as claim_strategy

BJ, SH = "beijing-2026-key-groups", "shanghai-2025-skills-upgrade"
BJSA = "beijing-2019-skills-action"
SMALL = dict(size=3000, replications=3)

MINIMAL = """
[scenario]
name = "t"
description = "test"
seed = 1
replications = 2

[[populations]]
name = "bj"
city = "beijing"
policies = ["beijing-2026-key-groups"]
size = { value = 3000, source = "test" }
"""


def small(name: str, **changes) -> scenario.Scenario:
    return scenario.load(name).with_changes(**{**SMALL, **changes})


# ------------------------------------------------------------------ scenario files

@pytest.mark.parametrize("change, key", [
    ('size = { value = 3000, source = "test" }\nhight = { value = 1, source = "x" }', "populations[0].hight"),
    ('size = { value = 3000, source = "test" }\nsex = { shares = { female = 1.2, male = -0.2 }, source = "x" }',
     "populations[0].sex.shares.female"),
    ('size = { value = 3000, source = "test" }\nsex = { shares = { female = 0.6, male = 0.6 }, source = "x" }',
     "populations[0].sex.shares"),
    ('size = { value = 3000 }', "populations[0].size.source"),
    ('size = { value = 3000, source = "test" }\ncertificate_take_up = { value = 1.5, source = "x" }',
     "populations[0].certificate_take_up.value"),
])
def test_bad_scenario_names_the_key(change, key):
    text = MINIMAL.replace('size = { value = 3000, source = "test" }', change)
    with pytest.raises(ScenarioError) as err:
        scenario.loads(text)
    assert err.value.key == key


def test_unknown_policy_and_section_are_errors():
    with pytest.raises(ScenarioError, match=r"populations\[0\].policies\[0\]"):
        scenario.loads(MINIMAL.replace('["beijing-2026-key-groups"]', '["beijing-2030-nothing"]'))
    with pytest.raises(ScenarioError, match="^reforms"):
        scenario.loads(MINIMAL + '\n[reforms.beijing-2026-key-groups]\n')
    with pytest.raises(ScenarioError, match=r"reform.beijing-2026-key-groups"):
        scenario.loads(MINIMAL + '\n[reform.beijing-2026-key-groups]\na_tier_uplift_pct = { value = "lots", source = "x" }\n')


def test_bad_scenario_on_the_command_line_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.replace("seed = 1", "seed = -1"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "scenario.seed" in err
    assert not out.exists()


def test_missing_amounts_stop_a_run_before_anything_is_drawn(tmp_path, capsys):
    text = MINIMAL.replace('["beijing-2026-key-groups"]', '["beijing-2025-project-training-draft"]')
    path = tmp_path / "draft.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2  # BJPT-2: amounts must be supplied
    assert "training_base_per_trainee_cny" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ population

def test_population_meets_the_contract_and_has_repeat_claimants():
    pop = small("shanghai-2025-baseline").populations[0]
    draw = generate(pop, np.random.default_rng(5))
    df = validate_frame(draw.claims)
    assert df.height > 0 and draw.holders <= pop.size
    assert df["person_id"].is_duplicated().any()            # people with several claims
    assert df["person_id"].n_unique() <= draw.holders
    assert set(df["district"].drop_nulls().unique()) <= set(pop.a["districts"]["shares"])


def test_same_seed_same_frame_other_seed_other_frame():
    pop = small("beijing-2026-baseline").populations[0]
    a = generate(pop, np.random.default_rng(11)).claims
    b = generate(pop, np.random.default_rng(11)).claims
    c = generate(pop, np.random.default_rng(12)).claims
    assert a.equals(b)
    assert not a.equals(c)


def test_draws_follow_their_shares():
    """The generator's samplers: cumulative cuts (short lists), Walker's alias method (the
    occupation pool) and Poisson by inversion give the asked-for shares; a share of 0 is never drawn."""
    rng = np.random.default_rng(3)
    n = 400_000
    for p in ([0.3, 0.7, 0.0], [0.0, 1.0], [0.5, 0.0, 0.5], [0.1] * 10):
        got = np.bincount(population._draw(rng, n, np.array(p)), minlength=len(p)) / n
        assert np.abs(got - p).max() < 0.005 and all(got[i] == 0 for i, x in enumerate(p) if x == 0)
    p = rng.random(300)
    p[[0, 7, 299]] = 0
    p /= p.sum()
    got = np.bincount(population._draw(rng, n, p), minlength=300) / n
    assert np.abs(got - p).max() < 0.002 and got[[0, 7, 299]].sum() == 0
    x = population._poisson(rng, n, 0.15)
    assert abs(x.mean() - 0.15) < 0.003 and abs(x.var() - 0.15) < 0.003


def test_draw_is_the_run_s_replication(monkeypatch):
    """runner.draw gives the claims a replication of run drew (seeds, chunks, catalog classes):
    a policy run on them reproduces that replication's totals."""
    monkeypatch.setattr(runner, "CHUNK_PEOPLE", 1200)  # several chunks
    scen = small("swap", replications=2)
    res = runner.run(scen, keep_claims=False)
    for pop in scen.populations:
        drawn = runner.draw(scen, pop.name, replication=1)
        for pid in pop.policies:
            out = runner.run_policy(runner.moved(drawn.claims, pop, pid), pid,
                                    runner.policy_params(scen, pid, "baseline", drawn.classes[pid]))
            want = res.totals.filter(replication=1, population=pop.name, policy_id=pid, variant="baseline")
            got = metrics.totals(out, pop.size, drawn.holders)
            assert {k: got[k] for k in ("budget_cny", "beneficiaries", "claims", "certificate_holders")} == \
                want.select("budget_cny", "beneficiaries", "claims", "certificate_holders").row(0, named=True)
    with pytest.raises(ValueError, match="replication 2"):
        runner.draw(scen, scen.populations[0].name, replication=2)


def test_policy_on_parts_by_people_is_the_policy_on_the_whole():
    """The dashboard's re-run: the claims cut by person and run in two threads give the
    same results as one run (the caps are per person)."""
    scen = small("shanghai-2025-baseline", size=20_000)
    pop = scen.populations[0]
    drawn = runner.draw(scen, pop)
    params = runner.policy_params(scen, SH, "baseline", drawn.classes[SH])
    parts = runner.by_people(drawn.claims, 2)
    assert sum(p.height for p in parts) == drawn.claims.height and all(p.height for p in parts)
    assert not set(parts[0]["person_id"]) & set(parts[1]["person_id"])
    cols = ["person_id", "cert_issue_date", "occupation_code", "special_ability_item", "cert_level",
            "application_date", "status", "amount_cny", "deciding_rule"]
    whole = runner.run_policy(drawn.claims, SH, params).select(cols).sort(cols)
    assert runner.run_policy_on_parts(parts, SH, params).select(cols).sort(cols).equals(whole)
    assert whole.filter(pl.col("deciding_rule").is_in(["SHSU-R7", "SHSU-L1"])).height > 0  # caps bit


def test_relocation_swaps_city_fields():
    df = pl.DataFrame({"hukou": ["beijing", "shanghai", "other"], "cert_issuer_city": ["beijing", "other", "beijing"],
                       "school_city": [None, "beijing", "shanghai"]})
    moved = runner.relocate(df, "beijing", "shanghai")
    assert moved["hukou"].to_list() == ["shanghai", "beijing", "other"]
    assert moved["cert_issuer_city"].to_list() == ["shanghai", "other", "shanghai"]
    assert moved["school_city"].to_list() == [None, "shanghai", "beijing"]


def test_moving_to_another_city_s_policy_moves_dates_by_whole_years_to_when_it_governs():
    """The same people under another city's policy are moved in time into its window (the most
    days inside it, the fewest years on a tie); under their own city's policies, never."""
    y2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert relocation.governs(BJSA) == (dt.date(2019, 1, 1), dt.date(2021, 12, 31))
    assert relocation.years_moved("shanghai", y2026, BJSA) == -5      # 2021, not 2020 or 2019
    assert relocation.years_moved("beijing", y2026, BJSA) == 0        # its own city: a lineage comparison
    assert relocation.years_moved("shanghai", (dt.date(2026, 3, 1), dt.date(2026, 12, 31)), BJ) == 0  # inside already
    assert relocation.years_moved("shanghai", y2026, BJ) == 1         # 1 January … 13 February 2026 precede the notice
    assert relocation.years_moved("shanghai", (dt.date(2025, 5, 1), dt.date(2026, 4, 30)), BJ) == 1
    assert relocation.years_moved("shanghai", None, BJSA) == 0
    df = validate_frame(claims_frame([{**get_policy(BJ).examples()[0]["claim"], "cert_issue_date": "2024-02-29", "application_date": "2024-03-01",
                                       "prior_subsidies": [{"policy_id": BJ, "date": "2023-05-01", "as_employed": False,
                                                            "as_student": False}]}]))
    moved = relocation.in_time(df, -5).row(0, named=True)
    assert moved["cert_issue_date"] == dt.date(2019, 2, 28) and moved["application_date"] == dt.date(2019, 3, 1)
    assert moved["prior_subsidies"][0]["date"] == dt.date(2018, 5, 1)
    assert relocation.in_time(df, 0) is df


# ------------------------------------------------------------------ determinism, totals

def test_same_seed_same_summary_bit_for_bit():
    scen = small("shanghai-2025-baseline")
    a = json.dumps(report.summary(runner.run(scen, keep_claims=False)), sort_keys=True)
    b = json.dumps(report.summary(runner.run(scen, keep_claims=False)), sort_keys=True)
    c = json.dumps(report.summary(runner.run(scen.with_changes(seed=scen.seed + 1), keep_claims=False)),
                   sort_keys=True)
    assert a == b
    assert a != c


@pytest.fixture(scope="module")
def swap_run():
    return runner.run(small("swap", replications=2))


def test_breakdowns_add_up_to_the_total(swap_run):
    totals = swap_run.totals
    for row in totals.iter_rows(named=True):
        part = swap_run.breakdowns.filter(
            (pl.col("replication") == row["replication"]) & (pl.col("population") == row["population"])
            & (pl.col("policy_id") == row["policy_id"]) & (pl.col("variant") == row["variant"]))
        sums = part.group_by("dimension").agg(pl.col("budget_cny").sum(), pl.col("claims").sum())
        for d in sums.iter_rows(named=True):
            assert d["budget_cny"] == row["budget_cny"], d["dimension"]
            if d["dimension"] in metrics.DIMENSIONS:
                assert d["claims"] == row["claims"], d["dimension"]
        assert row["city_cny"] + row["district_cny"] == row["budget_cny"]
        assert row["beneficiaries"] <= row["eligible_claims"] <= row["claims"]
        assert 0 <= row["coverage"] <= row["coverage_of_holders"] <= 1


def test_breakdowns_of_chosen_dimensions_are_those_of_all():
    scen = small("shanghai-2025-baseline", size=20_000)
    drawn = runner.draw(scen, scen.populations[0])
    res = runner.run_policy(drawn.claims, SH, runner.policy_params(scen, SH, "baseline", drawn.classes[SH]))
    every = metrics.breakdowns(res)
    some = metrics.breakdowns(res, ["tier", "district"])
    assert set(some["dimension"]) == {"tier", "district"}
    assert some.equals(every.filter(pl.col("dimension").is_in(["tier", "district"])))
    with pytest.raises(ValueError, match="'colour'"):
        metrics.breakdowns(res, ["colour"])


def test_swap_runs_n_by_n_and_summary_has_the_contract(swap_run):
    """Every baseline's population under every baseline's policies (one row and column a
    jurisdiction registered with a baseline: the plug-ins' too), the moves in the manifest."""
    doc = report.summary(swap_run)
    cities = {p.city for p in swap_run.scenario.populations}
    assert cities == {c for name in scenario.baselines() for c in {p.city for p in scenario.load(name).populations}}
    assert len(cities) >= 2 and {p.name for p in swap_run.scenario.populations} == cities
    for pop in swap_run.scenario.populations:
        assert set(pop.policies) == set(swap_run.scenario.policy_ids)
        assert set(doc["manifest"]["moved"][pop.name]) == {pid for pid in pop.policies
                                                           if get_policy(pid).meta.city != pop.city}
    assert set(doc) >= {"scenario", "seed", "replications", "manifest", "policies"}
    assert set(doc["manifest"]) >= {"skillsim_version", "parameter_hash", "scenario_hash"}
    for pid in swap_run.scenario.policy_ids:
        e = doc["policies"][pid]
        assert set(e["by_population"]) == cities
        for pop, figures in e["by_population"].items():  # moved in time too: every cell pays someone
            assert figures["beneficiaries"]["mean"] > 0, (pid, pop)
        for k in ("budget_cny", "beneficiaries", "coverage"):
            assert e[k]["p05"] <= e[k]["mean"] <= e[k]["p95"]
        assert isinstance(e["claims"], (int, float)) and isinstance(e["eligible_claims"], (int, float))
        assert e["budget_cny"]["mean"] == pytest.approx(sum(p["budget_cny"]["mean"] for p in e["by_population"].values()))
    # the same people under the other city's rules: the claims are the same, the results differ
    res = swap_run.claims.filter(pl.col("population") == "beijing")
    assert res.filter(pl.col("policy_id") == BJ).height == res.filter(pl.col("policy_id") == SH).height


def test_reform_difference_is_paired_and_has_the_right_sign():
    scen = small("reform-example", replications=2)
    doc = report.summary(runner.run(scen, keep_claims=False))
    for pid in (BJ, SH):
        e = doc["policies"][pid]
        assert e["difference"]["budget_cny"]["mean"] == pytest.approx(
            e["reform"]["budget_cny"]["mean"] - e["budget_cny"]["mean"])
        assert e["difference"]["budget_cny"]["p05"] > 0          # a higher uplift / rate costs more
        assert e["difference"]["beneficiaries"]["mean"] == 0     # and reaches the same people


# ------------------------------------------------------------------ a population costed by hand

def _claim(pid, occ, level, applied, **kw):
    base = {"person_id": pid, "hukou": "beijing", "age": 40, "sex": "female", "employment": "unemployed",
            "registered_unemployed": True, "cert_kind": "skill_level", "occupation_code": occ, "cert_level": level,
            "cert_issue_date": "2026-04-10", "cert_issuer_city": "beijing", "application_date": applied}
    return {**base, **kw}


def test_hand_built_beijing_population():
    claims = claims_frame([
        _claim("p1", "4-10-01-05", 4, "2026-05-06"),   # 养老护理员 tier A, level 4: 1500 × 1.2 = 1800
        _claim("p1", "4-10-01-05", 3, "2026-06-01"),   # BJKG-L1: p1 already paid → 0
        _claim("p2", "4-10-01-05", 5, "2026-05-06"),   # tier A level 5: 1000 × 1.2 = 1200
        _claim("p2", "4-10-01-05", 3, "2026-05-06"),   # same day: BJKG-L1 pays the larger (2400), not 1200
        _claim("p3", "4-10-01-05", 4, "2026-05-06", employment="employed", registered_unemployed=False),  # G1
    ])
    res = runner.run_policy(claims, BJ, get_policy(BJ).parameters, detail="rules")
    t = metrics.totals(res, size=10, holders=3)
    assert t["budget_cny"] == 1800 + 2400
    assert (t["claims"], t["eligible_claims"], t["beneficiaries"]) == (5, 2, 2)
    assert t["coverage"] == pytest.approx(0.2) and t["coverage_of_holders"] == pytest.approx(2 / 3)
    by = {(r["person_id"], r["cert_level"]): r for r in res.iter_rows(named=True)}
    assert by[("p1", 3)]["deciding_rule"] == "BJKG-L1" and by[("p2", 5)]["deciding_rule"] == "BJKG-L1"
    assert by[("p3", 4)]["deciding_rule"] == "BJKG-G1"


def test_hand_built_shanghai_population():
    sh = dict(hukou="shanghai", cert_issue_date="2025-09-01", cert_issuer_city="shanghai", district="浦东新区",
              employed_at_application=True)
    claims = claims_frame([
        # 人工智能训练师 class A level 3 base 3250; re-employed registered unemployed: 120 % = 3900
        _claim("s1", "4-04-05-05", 3, "2025-12-01", **sh),
        _claim("s1", "4-04-05-05", 4, "2026-01-05", **sh),                      # SHSU-R7: level 4 after level 3
        # employed 12 months, class A level 3: 80 % = 2600; the second in the same year: SHSU-L1 (as employed)
        _claim("s2", "4-04-05-05", 3, "2025-10-01", employment="employed", registered_unemployed=False,
               months_employed_after_cert=12, **sh),
        _claim("s2", "4-04-05-05", 2, "2025-11-01", employment="employed", registered_unemployed=False,
               months_employed_after_cert=12, **sh),
    ])
    res = runner.run_policy(claims, SH, get_policy(SH).parameters, detail="rules")
    assert metrics.totals(res, 10, 2)["budget_cny"] == 3900 + 2600
    rules = dict(zip(zip(res["person_id"], res["cert_level"]), res["deciding_rule"]))
    assert rules[("s1", 4)] == "SHSU-R7" and rules[("s2", 2)] == "SHSU-L1"
    funding = res.filter(pl.col("amount_cny") > 0)["funding"].struct.unnest()
    assert funding["city_cny"].sum() == funding["district_cny"].sum() == (3900 + 2600) // 2  # SHSU-F1 1:1


# ------------------------------------------------------------------ caps hold (hypothesis)

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(claim_strategy(), min_size=2, max_size=8))
def test_caps_hold_between_claims(rows):
    claims = claims_frame(rows)
    bj = runner.run_policy(claims, BJ, get_policy(BJ).parameters)
    paid = bj.filter(pl.col("amount_cny") > 0)
    assert paid["person_id"].is_unique().all()                               # BJKG-L1
    p = get_policy(SH).parameters
    sh = runner.run_policy(claims, SH, p)
    assert sh.height == claims.height and (sh["amount_cny"] >= 0).all()
    paid = sh.filter(pl.col("amount_cny") > 0).with_columns(pl.col("application_date").dt.year().alias("y"))
    assert (paid.group_by("person_id", "y").len()["len"] <= p["yearly_max"]).all()            # SHSU-L1
    employed = paid.filter(pl.col("deciding_rule").is_in(["SHSU-R1", "SHSU-X1"]))
    assert (employed.group_by("person_id", "y").len()["len"] <= p["yearly_max_as_employed"]).all()
    vocational = paid.filter((pl.col("deciding_rule") == "SHSU-R3") & (pl.col("student_final_year") == "vocational"))
    assert vocational["person_id"].is_unique().all()                          # SHSU-R3 once
    graded = pl.col("cert_kind").is_in(["skill_level", "qualification"]) & pl.col("cert_level").is_not_null()
    same = paid.with_columns(graded.alias("g"), pl.coalesce("special_ability_item", "occupation_code").alias("o"))
    assert same.filter(pl.col("g")).select("person_id", "o", "cert_level").is_unique().all()   # SHSU-R7
    assert same.filter(~pl.col("g")).select("person_id", "o").is_unique().all()


# ------------------------------------------------------------------ the command line

@pytest.mark.parametrize("name", ["beijing-2026-baseline", "shanghai-2025-baseline", "swap", "reform-example",
                                  "beijing-2019-task-table"])
def test_every_ready_scenario_runs_small(name, tmp_path):
    if name not in scenario.ready_scenarios():
        pytest.fail(f"ready scenario {name} is missing")
    out = tmp_path / name
    assert main(["run", name, "--out", str(out), "--size", "2000", "--replications", "2"]) == 0
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert doc["scenario"] == name and doc["replications"] == 2
    assert pl.read_parquet(out / "breakdowns.parquet").height > 0
    claims = pl.read_parquet(out / "claims.parquet")
    assert {"status", "amount_cny", "deciding_rule", "rules", "policy_id"} <= set(claims.columns)


def test_default_run_and_compare(tmp_path, capsys):
    out = tmp_path / "default"
    assert main(["run", "--out", str(out), "--size", "2000", "--replications", "2"]) == 0
    assert {p.name for p in out.iterdir()} == {*scenario.baselines(), ".skillsim-output"}
    assert {"beijing-2026-baseline", "shanghai-2025-baseline"} <= set(scenario.baselines())
    table = capsys.readouterr().out
    assert BJ in table and SH in table
    assert main(["compare", str(out / "beijing-2026-baseline"), str(out / "beijing-2026-baseline")]) == 0
    assert "budget_cny" in capsys.readouterr().out
    assert main(["compare", str(out), str(tmp_path)]) == 2


def test_output_folder_that_is_not_ours_is_refused(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert main(["run", "beijing-2026-baseline", "--out", str(tmp_path), "--size", "500", "--replications", "1"]) == 2
    assert (tmp_path / "mine.txt").exists()
    assert "not an earlier skillsim output" in capsys.readouterr().err


# ------------------------------------------------------------------ law apart from assumptions; the manifest (issue 11)

def _classes_run(shares: str, size: int = 2000, policy: str = SH, city: str = "shanghai"):
    text = MINIMAL.replace('"beijing-2026-key-groups"', f'"{policy}"').replace('city = "beijing"', f'city = "{city}"') \
        .replace('size = { value = 3000, source = "test" }', f'size = {{ value = {size}, source = "test" }}') + (
        f'\n[catalog_assumptions.{policy}]\nunknown_class_shares = {{ shares = {shares}, source = "a test mix" }}\n')
    scen = scenario.loads(text)
    return scen, runner.run(scen, keep_claims=False)


def _plain(v):
    return json.loads(json.dumps(v, default=lambda o: o.isoformat() if hasattr(o, "isoformat") else list(o)))


def test_the_manifest_holds_every_value_the_run_used():
    scen = small("reform-example", replications=2)
    doc = report.summary(runner.run(scen, keep_claims=False))
    m = json.loads(json.dumps(doc, ensure_ascii=False, default=str))["manifest"]
    for pid in scen.policy_ids:
        for variant in ("baseline", "reform") if pid in scen.reform else ("baseline",):
            ps = runner.policy_params(scen, pid, variant)
            got = m["parameters"][pid][variant]
            assert set(got) == set(ps), (pid, variant)
            for name in ps:
                meta, row = ps.meta(name), got[name]
                assert row["value"] == _plain(ps[name]) and row["kind"] == meta.kind and row["rule"] == meta.rule
                assert row.get("clause") == meta.clause and row.get("source") == meta.source
                assert row["overridden"] == meta.overridden == (name in scen.parameters.get(pid, {})
                                                                or (variant == "reform" and name in scen.reform[pid]))
                assert ("overridden_by" in row) == row["overridden"]
    reformed = next(iter(scen.reform[BJ]))
    assert m["parameters"][BJ]["reform"][reformed]["overridden_by"].startswith(f"[reform.{BJ}]")
    for pop in scen.populations:  # every assumption: its values and its source
        assert m["population_assumptions"][pop.name] == _plain(pop.a)
        assert all(a["source"] for a in pop.a.values())
    assert doc["assumptions"] == dict(sorted(scen.sources.items()))  # the old key stays
    assert m["run_changes"]["size"]["to"] == SMALL["size"] and m["run_changes"]["replications"]["to"] == 2
    assert m["assumed_classes"].keys() == scen.catalog_assumptions.keys()


def test_the_manifest_says_what_the_command_line_changed(tmp_path):
    from skillsim.simulate.cli import main
    assert main(["run", "shanghai-2025-baseline", "--size", "1500", "--replications", "1", "--seed", "7",
                 "--out", str(tmp_path / "out")]) == 0
    doc = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    changes = doc["manifest"]["run_changes"]
    file_scen = scenario.load("shanghai-2025-baseline")
    assert changes["size"] == {"from": {"shanghai": file_scen.populations[0].size}, "to": 1500,
                               "by": "the command line", "note": changes["size"]["note"]}
    assert changes["size"]["note"] == (f"size overridden from {file_scen.populations[0].size:,} (shanghai) to 1,500 "
                                       "by the command line")
    assert changes["seed"]["from"] == file_scen.seed and changes["seed"]["to"] == 7
    assert changes["replications"]["note"].startswith(f"replications overridden from {file_scen.replications}")
    drawn = doc["manifest"]["assumed_classes"][SH]
    assert drawn["shares"] == file_scen.catalog_assumptions[SH]["shares"] and drawn["source"]
    assert [r["replication"] for r in drawn["replications"]] == [0] and drawn["replications"][0]["occupations"]


def test_drawn_classes_are_in_the_hash_and_not_in_catalog_overrides():
    scen_a, a = _classes_run("{ A = 1.0 }")
    scen_b, b = _classes_run("{ C = 1.0 }")
    assert report.parameter_hash(a) != report.parameter_hash(b)
    drawn = a.classes[0][SH]
    assert drawn.occupations and set(drawn.occupations.values()) == {"A"}
    assert set(b.classes[0][SH].occupations.values()) == {"C"}
    params = runner.policy_params(scen_a, SH, "baseline", drawn)
    assert params["catalog_overrides"] == {} and params.assumed_classes == drawn
    catalog = get_policy(SH).class_maps(params)
    assert not set(drawn.occupations) & set(catalog.occupations)  # drawn only for what the catalog lacks
    # all-A pays more than all-C for the same people
    assert a.totals["budget_cny"].sum() > b.totals["budget_cny"].sum()
    doc = report.summary(a)
    assert doc["manifest"]["assumed_classes"][SH]["replications"][0]["occupations"] == dict(sorted(drawn.occupations.items()))


def test_beijing_key_groups_takes_catalog_assumptions():
    _, assumed = _classes_run("{ A = 1.0 }", policy=BJ, city="beijing")
    base = runner.run(scenario.loads(MINIMAL.replace("size = { value = 3000", "size = { value = 2000")),
                      keep_claims=False)
    drawn = assumed.classes[0][BJ]
    assert drawn.occupations and set(drawn.occupations.values()) == {"A"}
    assert not set(drawn.occupations) & set(get_policy(BJ).class_maps(get_policy(BJ).parameters).occupations)
    # the same people: uncatalogued occupations now paid as tier A
    assert assumed.totals["budget_cny"][0] > base.totals["budget_cny"][0]
    assert assumed.totals["eligible_claims"][0] > base.totals["eligible_claims"][0]


SH_CLAIM = {"person_id": "p", "hukou": "shanghai", "age": 45, "sex": "male", "employment": "flexible",
            "cert_kind": "skill_level", "occupation_code": "9-99-00-01", "cert_level": 4,
            "cert_issue_date": "2026-07-01", "cert_issuer_city": "shanghai", "application_date": "2026-08-01"}
BJ_CLAIM = {"person_id": "p", "hukou": "beijing", "age": 40, "sex": "female", "employment": "unemployed",
            "registered_unemployed": True, "cert_kind": "skill_level", "occupation_code": "9-99-00-01",
            "cert_level": 4, "cert_issue_date": "2026-03-01", "cert_issuer_city": "beijing",
            "application_date": "2026-04-01"}


@pytest.mark.parametrize("pid, claim, catalogued", [(SH, SH_CLAIM, None), (BJ, BJ_CLAIM, "4-02-04-06")])
def test_an_assumed_class_comes_after_the_claim_and_the_catalog(pid, claim, catalogued):
    policy = get_policy(pid)
    maps = policy.class_maps(policy.parameters)
    catalogued = catalogued or next(c for c, k in maps.occupations.items() if k == "A")
    other = next(k for k in maps.classes if k != maps.occupations[catalogued])
    from skillsim.policies.parameters import AssumedClasses
    p = policy.parameters.assume_classes(AssumedClasses({"9-99-00-01": "B", catalogued: other}, {}))
    assert policy.explain(claim)["status"] == ("needs_info" if pid == SH else "ineligible")  # not in the catalog
    got = policy.explain(claim, p)
    assert got["status"] == "eligible" and got["tier"] == "B"
    assert any("assumed by the scenario" in r["message"] for r in got["reasons"])
    assert policy.explain({**claim, "catalog_class": "A"}, p)["tier"] == "A"           # the claim's own class wins
    assert policy.explain({**claim, "occupation_code": catalogued}, p)["tier"] == maps.occupations[catalogued]
