"""``skillsim compare`` / ``comparison.compare``: paired intervals where two runs share seed,
sizes, replications and populations, unpaired ones (with a note saying why) otherwise;
totals of different target populations not differenced unless asked; coverage in pp;
reform and per-population rows; old and broken summaries (docs/compare.md)."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from skillsim.simulate import comparison, scenario
from skillsim.simulate.metrics import interval
from skillsim.simulate.cli import main

BJ = "beijing-2026-key-groups"
SH = "shanghai-2025-skills-upgrade"
REPS = 6
SCENARIO = f"""
[scenario]
name = "{{name}}"
description = "test"
seed = 11
replications = {REPS}

[[populations]]
name = "bj"
city = "beijing"
policies = ["{BJ}"]
size = {{{{ value = 2000, source = "test" }}}}
hukou = {{{{ shares = {{{{ own = 0.55, shanghai = 0.02, other = 0.43 }}}}, source = "test" }}}}
issue_dates = {{{{ start = 2026-01-01, end = 2026-12-31, source = "test" }}}}
"""
# B: every tier-B amount raised by 20 % (tier A follows: B plus its uplift)
RAISED = f"""
[parameters.{BJ}]
skill_level_tier_b = {{ value = {{ "5" = 1200, "4" = 1800, "3" = 2400, "2" = 2400, "1" = 2400 }}, source = "test" }}
"""
REFORM = f"""
[reform.{BJ}]
a_tier_uplift_pct = {{ value = 50, source = "test" }}
"""


def _run(folder: Path, text: str, *extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "s.toml").write_text(text, encoding="utf-8")
    assert main(["run", str(folder / "s.toml"), "--out", str(folder / "out"), *extra]) == 0
    return folder / "out"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("compare")
    return {
        "base": _run(root / "base", SCENARIO.format(name="base") + REFORM),
        "raised": _run(root / "raised", SCENARIO.format(name="raised") + RAISED + REFORM),
        "bigger": _run(root / "bigger", SCENARIO.format(name="base") + REFORM, "--size", "3000"),
    }


def _budgets(run: Path, variant: str = "baseline") -> np.ndarray:
    """Each replication's budget, read from breakdowns.parquet (not from summary.json)."""
    b = pl.read_parquet(run / "breakdowns.parquet").filter(
        (pl.col("dimension") == "status") & (pl.col("policy_id") == BJ) & (pl.col("variant") == variant))
    return b.group_by("replication").agg(pl.col("budget_cny").sum()).sort("replication")["budget_cny"].to_numpy()


def _row(c: comparison.Comparison, metric: str, comparison_: str = "B − A", population: str = "(all)") -> dict:
    rows = c.rows.filter((pl.col("comparison") == comparison_) & (pl.col("policy_id") == BJ)
                         & (pl.col("population") == population) & (pl.col("metric") == metric))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def _edited(tmp: Path, run: Path, edit) -> Path:
    """A copy of a run folder whose summary.json ``edit`` changed."""
    out = tmp / f"edited{len(list(tmp.iterdir()))}"
    shutil.copytree(run, out)
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    edit(doc)
    (out / "summary.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


# ------------------------------------------------------------------ paired and unpaired intervals

def test_same_seed_and_sizes_pair_replications(runs):
    a, b = _budgets(runs["base"]), _budgets(runs["raised"])
    assert a.size == b.size == REPS and (b > a).all()
    c = comparison.compare(runs["base"], runs["raised"])
    assert c.paired and c.notes[0].startswith("paired")
    row = _row(c, "budget_cny")
    d = b - a
    assert row["paired"] is True
    assert row["a"] == pytest.approx(a.mean()) and row["b"] == pytest.approx(b.mean())
    assert row["difference"] == pytest.approx(d.mean())
    assert (row["difference_p05"], row["difference_p95"]) == pytest.approx((np.percentile(d, 5), np.percentile(d, 95)))
    assert row["relative"] == pytest.approx(d.mean() / a.mean() * 100)
    # the unpaired interval of the same runs: every replication of B against every one of A
    pairs = (b[None, :] - a[:, None]).ravel()
    lo, hi = np.percentile(pairs, 5), np.percentile(pairs, 95)
    assert row["difference_p05"] > 0  # the raise shows in every replication
    assert row["difference_p95"] - row["difference_p05"] < hi - lo


def test_a_different_seed_is_unpaired_with_a_note(runs, tmp_path):
    other = _edited(tmp_path, runs["raised"], lambda d: d.update(seed=12))
    c = comparison.compare(runs["base"], other)
    assert not c.paired
    assert c.notes[0].startswith("unpaired") and "seeds differ: 11 in A, 12 in B" in c.notes[0]
    a, b = _budgets(runs["base"]), _budgets(runs["raised"])
    pairs = (b[None, :] - a[:, None]).ravel()
    row = _row(c, "budget_cny")
    assert row["paired"] is False
    assert (row["difference_p05"], row["difference_p95"]) == pytest.approx((np.percentile(pairs, 5),
                                                                            np.percentile(pairs, 95)))


def test_reform_rows_within_and_across_runs(runs):
    c = comparison.compare(runs["base"], runs["raised"])
    base, reform = _budgets(runs["base"]), _budgets(runs["base"], "reform")
    row = _row(c, "budget_cny", "reform − baseline (A)")
    d = reform - base
    assert row["paired"] is True and row["difference"] == pytest.approx(d.mean())
    assert (row["difference_p05"], row["difference_p95"]) == pytest.approx((np.percentile(d, 5), np.percentile(d, 95)))
    # the same figures as the run's own paired difference in summary.json
    stored = json.loads((runs["base"] / "summary.json").read_text(encoding="utf-8"))["policies"][BJ]["difference"]
    assert (row["difference_p05"], row["difference_p95"]) == pytest.approx(
        (stored["budget_cny"]["p05"], stored["budget_cny"]["p95"]))
    across = _row(c, "budget_cny", "B − A (reform)")
    assert across["b"] == pytest.approx(_budgets(runs["raised"], "reform").mean()) and across["paired"] is True
    assert {"B − A", "B − A (reform)", "reform − baseline (A)", "reform − baseline (B)"} == set(c.rows["comparison"])


def test_coverage_is_in_percent_and_its_difference_in_pp(runs, capsys):
    c = comparison.compare(runs["base"], runs["raised"])
    row = _row(c, "coverage", "reform − baseline (A)")
    assert (row["unit"], row["difference_unit"]) == ("%", "pp")
    doc = json.loads((runs["base"] / "summary.json").read_text(encoding="utf-8"))["policies"][BJ]
    assert row["a"] == pytest.approx(doc["coverage"]["mean"] * 100)
    assert main(["compare", str(runs["base"]), str(runs["raised"])]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "reform − baseline (A)" in x and "coverage" in x)
    assert "pp" in line and "%" in line
    assert "percentage points (pp)" in out


# ------------------------------------------------------------------ sizes and populations

def test_different_sizes_are_named_and_totals_not_differenced(runs, capsys):
    c = comparison.compare(runs["base"], runs["bigger"])
    assert not c.paired and "population sizes differ: bj 2,000 in A, 3,000 in B" in c.notes[0]
    warning = next(n for n in c.notes if n.startswith("warning: target populations differ"))
    assert f"{BJ} × (all) 2,000 in A, 3,000 in B" in warning and "--allow-different-sizes" in warning
    budget = _row(c, "budget_cny")
    assert budget["b"] > budget["a"] and budget["difference"] is None and budget["relative"] is None
    per_person = _row(c, "budget_per_person_cny")
    assert per_person["a"] == pytest.approx(budget["a"] / 2000) and per_person["b"] == pytest.approx(budget["b"] / 3000)
    assert per_person["difference"] == pytest.approx(per_person["b"] - per_person["a"])
    assert _row(c, "coverage")["difference"] is not None
    allowed = comparison.compare(runs["base"], runs["bigger"], allow_different_sizes=True)
    assert _row(allowed, "budget_cny")["difference"] == pytest.approx(budget["b"] - budget["a"])
    assert main(["compare", str(runs["base"]), str(runs["bigger"])]) == 0
    out = capsys.readouterr().out
    assert "population sizes differ" in out and "budget_per_person_cny" in out
    assert main(["compare", str(runs["base"]), str(runs["bigger"]), "--allow-different-sizes",
                 "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    rows = pl.read_csv(out.encode())
    assert rows.filter((pl.col("metric") == "budget_cny") & (pl.col("comparison") == "B − A"))["difference"][0] > 0
    assert "population sizes differ" in err and "as asked" in err


def test_swap_has_a_row_for_each_population(tmp_path, capsys):
    out = tmp_path / "swap"
    assert main(["run", "swap", "--out", str(out), "--size", "2000", "--replications", "2"]) == 0
    bj = tmp_path / "bj"
    assert main(["run", "beijing-2026-baseline", "--out", str(bj), "--size", "2000", "--replications", "2"]) == 0
    capsys.readouterr()
    c = comparison.compare(bj, out)
    for pid in (BJ, SH):
        pops = set(c.rows.filter((pl.col("policy_id") == pid) & (pl.col("comparison") == "B − A"))["population"])
        assert pops == {"(all)", *(p.city for name in scenario.baselines() for p in scenario.load(name).populations)}
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    row = _row(c, "budget_cny", population="shanghai")
    assert row["a"] is None and row["b"] == pytest.approx(doc["policies"][BJ]["by_population"]["shanghai"]["budget_cny"]["mean"])
    assert _row(c, "budget_cny", population="beijing")["b"] == pytest.approx(
        doc["policies"][BJ]["by_population"]["beijing"]["budget_cny"]["mean"])
    # A's policy runs on 2,000 people, B's on every population's 2,000: its total is not differenced
    assert _row(c, "budget_cny")["difference"] is None
    others = sorted(p.name for p in scenario.load("swap").populations if p.name != "beijing")
    assert any(f"populations differ: only in B: {', '.join(others)}" in n for n in c.notes), c.notes
    assert main(["compare", str(bj), str(out), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {r["population"] for r in shown if r["policy_id"] == SH} == {"(all)", "beijing", *others}


# ------------------------------------------------------------------ old, edited and broken summaries

def _old(doc: dict) -> None:
    """As a summary.json was written before per-replication values were kept."""
    del doc["population_sizes"]
    for e in doc["policies"].values():
        for f in (e, e.get("reform"), *e["by_population"].values()):
            if f:
                del f["values"]


def test_an_old_summary_is_compared_unpaired_with_a_note(runs, tmp_path):
    old = _edited(tmp_path, runs["raised"], _old)
    c = comparison.compare(runs["base"], old)
    assert not c.paired
    assert "holds no per-replication values" in c.notes[0] and "normal approximation" in c.notes[0]
    row = _row(c, "budget_cny")
    assert row["paired"] is False and row["difference_p05"] < row["difference"] < row["difference_p95"]
    # the approximation is wider than the paired interval of the same runs
    paired = _row(comparison.compare(runs["base"], runs["raised"]), "budget_cny")
    assert row["difference_p95"] - row["difference_p05"] > paired["difference_p95"] - paired["difference_p05"]
    # within the old run, the reform's difference as it was stored (paired)
    stored = json.loads((old / "summary.json").read_text(encoding="utf-8"))["policies"][BJ]["difference"]
    within = _row(c, "budget_cny", "reform − baseline (B)")
    assert within["paired"] is True and within["difference_p05"] == stored["budget_cny"]["p05"]


def test_values_that_disagree_with_their_mean_are_not_used(runs, tmp_path):
    def edit(doc):
        doc["policies"][BJ]["budget_cny"]["mean"] += 1000
    c = comparison.compare(runs["base"], _edited(tmp_path, runs["raised"], edit))
    assert any(f"policies.{BJ}.budget_cny.mean" in n and "not used" in n for n in c.notes)
    assert _row(c, "budget_cny")["paired"] is False


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["policies"][BJ]["values"]["budget_cny"].pop(), f"policies.{BJ}.values.budget_cny"),
    (lambda d: d["policies"][BJ]["values"]["coverage"].__setitem__(0, "0.1"), f"policies.{BJ}.values.coverage.0"),
    (lambda d: d.update(seed="11"), "seed"),
    (lambda d: d.update(replications=0), "replications"),
    (lambda d: d["population_sizes"].update(bj=-1), "population_sizes.bj"),
    (lambda d: d["policies"][BJ]["by_population"]["bj"].update(values=[1, 2]), f"policies.{BJ}.by_population.bj.values"),
    (lambda d: d["policies"][BJ]["reform"].update(budget_cny=None), f"policies.{BJ}.reform.budget_cny"),
])
def test_a_broken_summary_is_one_line_naming_the_key(runs, tmp_path, capsys, edit, key):
    broken = _edited(tmp_path, runs["base"], edit)
    assert main(["compare", str(runs["base"]), str(broken)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and f": {key}:" in err, err
    with pytest.raises(comparison.OutputError, match=key.replace(".", r"\.")):
        comparison.compare(runs["base"], json.loads((broken / "summary.json").read_text(encoding="utf-8")))


def test_loaded_summaries_and_folders_give_the_same_rows(runs):
    doc = json.loads((runs["raised"] / "summary.json").read_text(encoding="utf-8"))
    by_folder = comparison.compare(runs["base"], runs["raised"])
    by_doc = comparison.compare(runs["base"], copy.deepcopy(doc))
    assert by_folder.rows.equals(by_doc.rows) and by_doc.paired
    with pytest.raises(comparison.OutputError, match="B: a run folder or a loaded summary"):
        comparison.compare(runs["base"], 5)


BUDGETS = st.lists(st.integers(0, 10**12), min_size=REPS, max_size=REPS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(va=BUDGETS, vb=BUDGETS, same_seed=st.booleans())
def test_b_against_a_is_minus_a_against_b(runs, va, vb, same_seed):
    """Whatever the per-replication budgets: A vs B is B vs A with the sign turned, its interval
    mirrored; paired or not as the seeds say, and the interval is that of the drawn values."""
    doc = json.loads((runs["base"] / "summary.json").read_text(encoding="utf-8"))

    def with_budgets(values: list[int], seed: int) -> dict:
        d = copy.deepcopy(doc)
        d["seed"] = seed
        d["policies"][BJ]["values"]["budget_cny"] = values
        d["policies"][BJ]["budget_cny"] = interval(values)
        return d

    a, b = with_budgets(va, 11), with_budgets(vb, 11 if same_seed else 12)
    ab, ba = _row(comparison.compare(a, b), "budget_cny"), _row(comparison.compare(b, a), "budget_cny")
    x, y = np.array(va, dtype=float), np.array(vb, dtype=float)
    d = y - x if same_seed else (y[None, :] - x[:, None]).ravel()
    assert ab["paired"] is ba["paired"] is same_seed
    assert ab["difference"] == pytest.approx(y.mean() - x.mean(), abs=1e-3)
    assert (ab["difference_p05"], ab["difference_p95"]) == pytest.approx((np.percentile(d, 5), np.percentile(d, 95)), abs=1e-3)
    assert ba["difference"] == pytest.approx(-ab["difference"], abs=1e-3)
    assert (ba["difference_p05"], ba["difference_p95"]) == pytest.approx((-ab["difference_p95"], -ab["difference_p05"]), abs=1e-3)


def test_notes_say_what_each_run_s_intervals_cover():
    """A point-valued run's intervals are sampling noise; an uncertain run's cover its assumptions
    too, with the share of the budget's variance they make (summary.json's from_assumptions)."""
    from skillsim.simulate import report, runner
    point = report.summary(runner.run(scenario.load("reform-example").with_changes(size=2000, replications=2),
                                      keep_claims=False))
    ranged = report.summary(runner.run(scenario.load("beijing-2026-uncertain").with_changes(size=2000, replications=4),
                                       keep_claims=False))
    c = comparison.compare(point, ranged)
    share = ranged["policies"][BJ]["budget_cny"]["from_assumptions"]
    assert any("point-valued" in n and "sampling noise only" in n for n in c.notes), c.notes
    assert any("uncertain assumptions" in n and f"{BJ} {share:.0%}" in n for n in c.notes), c.notes
