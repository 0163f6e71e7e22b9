"""`skillsim sensitivity`: the tornado and SALib's indices rank what matters first, with
common random numbers; bad input is one line, exit 2, nothing written; outputs land whole."""
import json

import polars as pl
import pytest

from skillsim.simulate import scenario, sensitivity
from skillsim.simulate.cli import main

TAKE_UP = "populations.bj.certificate_take_up.value"
TINY = "populations.bj.other_subsidy_same_cert.value"
SHARES = "populations.bj.employment.shares"

# certificate take-up over a wide range (budget and beneficiaries move about twelve-fold
# across it) beside a range of a ten-thousandth on a share that barely touches them
TOY = """
[scenario]
name = "toy-sensitivity"
description = "one assumption that dominates, one that does not"
seed = 7

[[populations]]
name = "bj"
city = "beijing"
policies = ["beijing-2026-key-groups"]
size = { value = SIZE, source = "test" }
certificate_take_up = { low = 0.05, high = 0.6, source = "test: wide" }
other_subsidy_same_cert = { low = 0.02, high = 0.0201, source = "test: tiny" }
employment = { shares = { employed = 0.4, flexible = 0.15, unemployed = 0.25, student = 0.1, other = 0.1 }, concentration = 50, source = "test: shares" }
"""


def toy(size: int = 2000, text: str = TOY) -> scenario.Scenario:
    return scenario.loads(text.replace("SIZE", str(size)))


def write_toy(tmp_path, size: int = 2000, text: str = TOY):
    path = tmp_path / "toy.toml"
    path.write_text(text.replace("SIZE", str(size)), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def morris():
    return sensitivity.analyse(sensitivity.make_plan(toy(), samples=4, size=2000))


def exit_code(args: list[str]) -> int:
    """main's exit code, or argparse's (a usage error exits from inside the parser)."""
    try:
        return main(args)
    except SystemExit as exc:
        return exc.code


def first(df: pl.DataFrame, figure: str) -> dict:
    rows = df.filter(pl.col("figure") == figure).sort("rank").to_dicts()
    return {"first": rows[0], "rows": {r["assumption"]: r for r in rows}}


@pytest.mark.parametrize("figure", ["budget_cny", "beneficiaries"])
def test_the_dominant_assumption_ranks_first_in_the_tornado_and_by_morris_mu_star(morris, figure):
    t = first(morris.tornado, figure)
    assert t["first"]["assumption"] == TAKE_UP and t["first"]["rank"] == 1
    assert t["rows"][TAKE_UP]["swing"] > 10 * t["rows"][TINY]["swing"]
    assert t["rows"][TAKE_UP]["at_low"] < t["rows"][TAKE_UP]["central"] < t["rows"][TAKE_UP]["at_high"]
    i = first(morris.indices, figure)
    assert i["first"]["assumption"] == TAKE_UP and i["first"]["rank"] == 1
    assert i["rows"][TAKE_UP]["mu_star"] > 10 * i["rows"][TINY]["mu_star"]


def test_the_tornado_takes_the_5th_and_95th_percentiles_and_varies_shares_too(morris):
    row = first(morris.tornado, "budget_cny")["rows"][TAKE_UP]
    assert row["low"] == pytest.approx(0.05 + 0.05 * 0.55) and row["high"] == pytest.approx(0.05 + 0.95 * 0.55)
    assert row["moved"] == TAKE_UP
    assert set(morris.tornado["assumption"]) == set(morris.indices["assumption"]) == {TAKE_UP, TINY, SHARES}
    assert "held_central" not in morris.manifest


def test_common_random_numbers_leave_an_irrelevant_assumption_without_noise(morris):
    """One seed for every run: the tiny range moves the budget by (almost) nothing, where two
    seeds alone would move it by several per cent at this size."""
    row = first(morris.tornado, "budget_cny")["rows"][TINY]
    assert row["swing"] <= 0.005 * row["central"]
    p = morris.plan
    other_seed = sensitivity.figures(sensitivity.Plan(**{**p.__dict__, "seed": p.seed + 1}), {})
    key = ("beijing-2026-key-groups", "baseline")
    assert abs(other_seed[key]["budget_cny"] - row["central"]) > 0.01 * row["central"]


def test_the_same_analysis_twice_gives_identical_rows(morris):
    again = sensitivity.analyse(sensitivity.make_plan(toy(), samples=4, size=2000))
    assert again.tornado.equals(morris.tornado) and again.indices.equals(morris.indices)


def test_sobol_ranks_the_dominant_assumption_first_by_its_total_index():
    res = sensitivity.analyse(sensitivity.make_plan(toy(), method="sobol", samples=4, size=2000))
    assert res.plan.runs == {"central": 1, "tornado": 2 * (2 + 5), "sobol": 4 * (3 + 2)}  # 5 shares, 1 group
    i = first(res.indices, "budget_cny")
    assert i["first"]["assumption"] == TAKE_UP and i["rows"][TAKE_UP]["ST"] > 0.9
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(res.indices.columns)


def test_figures_are_scaled_to_the_population_and_an_uncertain_size_moves_them_in_full():
    small = sensitivity.figures(sensitivity.make_plan(toy(2000), size=2000), {})
    big = sensitivity.figures(sensitivity.make_plan(toy(6000), size=2000), {})  # the same 2,000 people, × 3
    for key, f in small.items():
        assert big[key]["budget_cny"] == 3 * f["budget_cny"] and big[key]["beneficiaries"] == 3 * f["beneficiaries"]
        assert big[key]["cost_per_beneficiary_cny"] == pytest.approx(f["cost_per_beneficiary_cny"])
    # every run simulates the same 2,000 people (the size at its centre), scaled to 1,550 … 2,450
    sized = TOY.replace('size = { value = SIZE, source = "test" }',
                        'size = { low = 1500, high = 2500, source = "test: unknown size" }')
    res = sensitivity.analyse(sensitivity.make_plan(toy(text=sized), samples=2, size=5000))
    assert res.manifest["size"] == {"bj": 2000}
    for figure in ("budget_cny", "beneficiaries"):
        row = first(res.tornado, figure)["rows"]["populations.bj.size.value"]
        assert (row["low"], row["high"]) == (1550, 2450)
        assert row["at_low"] == pytest.approx(row["central"] * 1550 / 2000)
        assert row["at_high"] == pytest.approx(row["central"] * 2450 / 2000)


def test_the_command_writes_the_three_files_and_prints_the_table(tmp_path, capsys):
    out = tmp_path / "sens"
    assert main(["sensitivity", write_toy(tmp_path), "--out", str(out), "--samples", "2", "--size", "2000",
                 "--format", "csv"]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "indices.parquet", "sensitivity.json", "tornado.parquet"]
    doc = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert doc["method"] == "morris" and doc["seed"] == 7 and doc["runs"]["total"] == 1 + 2 * (2 + 5) + 2 * (3 + 1)
    assert sorted(a["key"] for a in doc["assumptions"]) == sorted([TAKE_UP, TINY, SHARES])
    assert {a["key"]: a["source"] for a in doc["assumptions"]}[TAKE_UP] == "test: wide" and doc["versions"]["SALib"]
    assert pl.read_parquet(out / "tornado.parquet").height == 3 * 3
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("policy_id,figure,rank,assumption,low,high,at_low,at_high,swing,mu_star,sigma")
    assert len(lines) == 1 + 3 * 3 and lines[1].split(",")[3] == TAKE_UP


NO_RANGES = TOY.replace('{ low = 0.05, high = 0.6, source = "test: wide" }', '{ value = 0.3, source = "test" }') \
               .replace('{ low = 0.02, high = 0.0201, source = "test: tiny" }', '{ value = 0.02, source = "test" }')


@pytest.mark.parametrize("text, args, named", [
    (NO_RANGES.replace(", concentration = 50", ""), [], "no uncertain assumption to vary; give one a range"),
    (TOY, ["--method", "sobol", "--samples", "6"], "--samples: 6 is not a power of 2"),
    (TOY, ["--samples", "1"], "--samples: 1 Morris trajectories"),
    (TOY, ["--size", "0"], "--size"),
    (TOY, ["--seed", "-1"], "seed"),
    (TOY, ["--method", "fast"], "--method"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, text, args, named):
    out = tmp_path / "sens"
    assert exit_code(["sensitivity", write_toy(tmp_path, text=text), "--out", str(out), *args]) == 2
    err = capsys.readouterr()
    assert err.out == "" and len(err.err.strip().splitlines()) == 1 and named in err.err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["toy.toml"]


def test_an_unknown_scenario_is_one_line_exit_2(tmp_path, capsys):
    assert main(["sensitivity", "no-such-scenario", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no-such-scenario" in err and not (tmp_path / "o").exists()


def test_a_failure_midway_leaves_the_earlier_output_whole(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sens"
    args = ["sensitivity", write_toy(tmp_path), "--out", str(out), "--samples", "2", "--size", "2000"]
    assert main(args) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real, calls = sensitivity.figures, []

    def failing(*a, **k):
        calls.append(1)
        if len(calls) == 17:  # during the Morris points, after the tornado (1 + 2 × 7 runs)
            raise RuntimeError("a run failed")
        return real(*a, **k)
    monkeypatch.setattr(sensitivity, "figures", failing)
    assert main([*args[:3], str(tmp_path / "fresh"), *args[4:]]) == 1  # none there before: none after
    assert not (tmp_path / "fresh").exists()
    calls.clear()
    assert main(args) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sens", "toy.toml"]  # no temporary folder left


# the employment mix, loosely known (concentration 2), beside the tiny range, take-up fixed:
# the key-groups policy pays the registered unemployed, so the unemployed share decides
SHARES_DOMINATE = NO_RANGES.replace('{ value = 0.02, source = "test" }',
                                    '{ low = 0.02, high = 0.0201, source = "test: tiny" }') \
                           .replace("concentration = 50", "concentration = 2")


@pytest.fixture(scope="module")
def shares_dominate():
    return sensitivity.analyse(sensitivity.make_plan(toy(text=SHARES_DOMINATE), samples=4, size=2000))


@pytest.mark.parametrize("figure", ["budget_cny", "beneficiaries"])
def test_a_loosely_known_share_table_ranks_first_as_one_assumption(shares_dominate, figure):
    res = shares_dominate
    assert res.plan.runs == {"central": 1, "tornado": 2 * (5 + 1), "morris": 4 * (2 + 1)}
    t = first(res.tornado, figure)
    assert t["first"]["assumption"] == SHARES and t["first"]["moved"] == SHARES + ".unemployed"
    assert t["first"]["swing"] > 0.5 * t["first"]["central"] and t["rows"][TINY]["swing"] == 0
    ends = next(a for a in res.manifest["assumptions"] if a["key"] == SHARES)
    assert (t["first"]["low"], t["first"]["high"]) == (ends["tornado_low"]["unemployed"],
                                                       ends["tornado_high"]["unemployed"])
    assert t["first"]["low"] < 0.25 < t["first"]["high"]
    i = first(res.indices, figure)
    assert i["first"]["assumption"] == SHARES and i["first"]["mu_star"] > 0
    assert sorted(i["rows"]) == sorted([SHARES, TINY]) and i["rows"][TINY]["mu_star"] == 0  # one index a table


def shares_spec(concentration: float):
    return next(u for u in toy(text=TOY.replace("concentration = 50", f"concentration = {concentration}")).uncertain
                if u.key == SHARES)


def test_shares_at_the_medians_are_near_the_central_shares():
    u = shares_spec(50)
    at_median = u.shares_at([0.5] * 5)
    assert sum(at_median.values()) == pytest.approx(1)
    assert at_median == pytest.approx(u.shares, abs=0.01)
    assert sorted(u.shares, key=u.shares.get) == sorted(at_median, key=at_median.get)
    with pytest.raises(ValueError, match=SHARES):
        u.shares_at([0.0, 0.5, 0.5, 0.5, 0.5])


def test_shares_at_uniform_quantiles_are_dirichlet_distributed():
    """Mean and variance over uniform draws: the Dirichlet's, share × (1 − share) / (K + 1)."""
    import numpy as np
    u = shares_spec(10)
    draws = np.array([list(u.shares_at(q).values()) for q in np.random.default_rng(3).random((3000, 5))])
    shares = np.array(list(u.shares.values()))
    assert draws.mean(axis=0) == pytest.approx(shares, abs=0.01)
    assert draws.var(axis=0) == pytest.approx(shares * (1 - shares) / 11, rel=0.15)
