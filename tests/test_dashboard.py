"""Every dashboard page under streamlit's AppTest: it renders without an exception, its charts
and tables are there, and changing a widget changes the numbers (checked against the
calculators and the simulator, so a wrong figure fails). Small populations: 20,000 people
per population, 3 replications."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow.ipc
import pytest
from streamlit.testing.v1 import AppTest

from skillsim.dashboard.cli import REPS_ENV, SIZE_ENV
from skillsim.simulate import report, runner, scenario
from skillsim.policies import policy_ids

ROOT = Path(__file__).resolve().parent.parent / "dashboard"
SIZE, REPS = 20_000, 3
BJ, SH = "beijing-2026-baseline", "shanghai-2025-baseline"


@pytest.fixture(autouse=True)
def small(monkeypatch):
    monkeypatch.setenv(SIZE_ENV, str(SIZE))
    monkeypatch.setenv(REPS_ENV, str(REPS))


def page(name: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    ok(at.run())
    assert at.get("download_button"), f"{name}: no download"
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def charts(at: AppTest) -> list[pl.DataFrame]:
    """The data behind every altair chart on the page, in page order."""
    out = []
    for el in at.get("vega_lite_chart"):
        table = pyarrow.ipc.open_stream(el.proto.datasets[0].data.data).read_all()
        out.append(pl.from_arrow(table))
    return out


def table(at: AppTest, first_column: str):
    """The table (pandas, as AppTest gives it) whose first column has this header."""
    found = [d.value for d in at.dataframe if len(d.value.columns) and d.value.columns[0] == first_column]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def one(df: pl.DataFrame, **where) -> float:
    rows = df.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, (where, rows)
    return rows.item(0, "amount_cny" if "amount_cny" in rows.columns else "mean")


@pytest.fixture(scope="module")
def summaries():
    """What the simulator itself reports for the two baselines at the test size."""
    out = {}
    for name in (BJ, SH):
        res = runner.run(scenario.load(name).with_changes(size=SIZE, replications=REPS), keep_claims=False)
        out[name] = report.summary(res)
    return out


# ---------------------------------------------------------------- the app and its language switch

def test_app_starts_on_tiers_and_switches_language():
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
    assert at.header[0].value == "补贴标准"
    at.radio(key="lang").set_value("en")
    ok(at.run())
    assert at.header[0].value == "Tiers"
    assert table(at, "Level").shape == (5, 5)            # the 2019-vs-2026 table, headed in English


# ---------------------------------------------------------------- Tiers

def test_tiers_chart_and_table_are_the_calculators_amounts():
    at = page("tiers")
    tiers, timeline = charts(at)
    assert one(tiers, series="京人社能发〔2026〕2号 A", level=4) == 1800      # 1500 × 1.2 (BJKG-A1)
    assert one(tiers, series="沪人社规〔2025〕7号 A", level=1) == 4550        # SHSU-A1 base
    assert one(tiers, series="京政办发〔2019〕18号 BJSA-4", level=1) == 3000
    wide = table(at, "系列")
    assert len(wide) == 6 and wide.iloc[:, 5].tolist()[:2] == [2400, 2000]   # level 1: tier A, tier B
    # Beijing 2019 (BJSA-4) against 2026 (issue 5): level 1 fell from 3000 to 2000 (tier B)
    assert timeline.filter(pl.col("level_name") == "高级技师(一级)").sort("year")["amount_cny"].to_list() \
        == [3000, 2400, 2000]
    assert table(at, "等级").iloc[4, 4] == -1000


def test_tiers_shanghai_rate_view_changes_the_numbers():
    at = page("tiers")
    at.radio(key="tiers_rate").set_value("rate_120")
    tiers = charts(ok(at.run()))[0]
    assert one(tiers, series="沪人社规〔2025〕7号 A · 120%", level=1) == 5460   # 4550 × 120 % (SHSU-R5)
    assert one(tiers, series="京人社能发〔2026〕2号 A", level=4) == 1800        # Beijing unchanged
    at.radio(key="tiers_rate").set_value("rate_all")
    tiers = charts(ok(at.run()))[0]
    assert {one(tiers, series=f"沪人社规〔2025〕7号 C · {p}%", level=3) for p in (80, 100, 120)} == {1200, 1500, 1800}


# ---------------------------------------------------------------- Compare

def test_compare_shows_the_simulators_figures(summaries):
    at = page("compare")
    budget, beneficiaries, coverage, cost, breakdown, failures = charts(at)
    for name, doc in summaries.items():
        pid = next(iter(doc["policies"]))
        b = budget.filter(pl.col("source") == name)
        assert b["mean"].item() == pytest.approx(doc["policies"][pid]["budget_cny"]["mean"])
        assert b["p95"].item() == pytest.approx(doc["policies"][pid]["budget_cny"]["p95"])
        assert coverage.filter(pl.col("source") == name)["mean"].item() == \
            pytest.approx(doc["policies"][pid]["coverage"]["mean"])
        # the default breakdown (group or category) adds up to the budget
        assert breakdown.filter(pl.col("source") == name)["mean"].sum() == \
            pytest.approx(doc["policies"][pid]["budget_cny"]["mean"])
        assert failures.filter(pl.col("source") == name)["mean"].sum() == \
            pytest.approx(doc["policies"][pid]["claims"] - doc["policies"][pid]["eligible_claims"])
    assert len(at.dataframe) == 3
    at.multiselect(key="cmp_policies").set_value(["shanghai-2025-skills-upgrade"])
    budget = charts(ok(at.run()))[0]
    assert budget["policy_id"].to_list() == ["shanghai-2025-skills-upgrade"]


def test_compare_dimension_and_sources_change_the_numbers(summaries):
    at = page("compare")
    before = charts(at)[4]
    at.selectbox(key="cmp_dimension").set_value("level")
    after = charts(ok(at.run()))[4]
    assert set(after["key"]) >= {"5", "4", "3"} and set(after["key"]) != set(before["key"])
    sh = after.filter(pl.col("source") == SH)
    assert sh["mean"].sum() == pytest.approx(summaries[SH]["policies"]["shanghai-2025-skills-upgrade"]["budget_cny"]["mean"])
    at.multiselect(key="cmp_scenarios").set_value([BJ])
    ok(at.run())
    assert set(charts(at)[0]["source"]) == {BJ}
    assert at.info[0].value in ("请至少选择两个来源。", "Pick at least two sources.")


def test_compare_reads_a_run_folder_and_reports_a_bad_one(tmp_path, summaries):
    res = runner.run(scenario.load(BJ).with_changes(size=SIZE, replications=REPS), keep_claims=False)
    report.write(res, tmp_path / "bj")
    at = page("compare")
    at.multiselect(key="cmp_scenarios").set_value([SH])
    at.text_input(key="cmp_folders").set_value(f"{tmp_path / 'bj'}, {tmp_path / 'nothing'}")
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "nothing" in at.error[0].value and "summary.json" in at.error[0].value
    budget = charts(at)[0]
    assert budget.filter(pl.col("source") == str(tmp_path / "bj"))["mean"].item() == \
        pytest.approx(summaries[BJ]["policies"]["beijing-2026-key-groups"]["budget_cny"]["mean"])


# ---------------------------------------------------------------- Explain one person

PRESET = "bj-unemployed-care-worker"


def amounts(at: AppTest) -> dict[str, int]:
    table = charts(at)[0]
    return {k.split(" (")[0]: v for k, v in zip(table["policy"], table["amount_cny"])}


def test_explain_shows_every_policy_with_its_clauses():
    at = page("explain")
    got = amounts(at)
    assert got["京人社能发〔2026〕2号"] == 1800            # examples/expected.json: tier A, level 4
    assert got["沪人社规〔2025〕7号"] == 2600               # the same person in Shanghai: class A level 4, 100 %
    assert len(got) == len(policy_ids())                   # every policy at once (plug-ins too)
    summary, *reasons = [d.value for d in at.dataframe]
    assert summary.shape[0] == len(policy_ids())
    texts = pd_concat(reasons)
    assert any("A档在B档补助基础上上浮20%" in t for t in texts)   # BJKG-A1's official text


def pd_concat(frames) -> list[str]:
    return [str(v) for f in frames for v in f.to_numpy().ravel()]


def test_explain_a_field_change_changes_the_amounts():
    at = page("explain")
    at.number_input(key=f"f:{PRESET}:cert_level").set_value(3)
    got = amounts(ok(at.run()))
    assert got["京人社能发〔2026〕2号"] == 2400 and got["沪人社规〔2025〕7号"] == 3250
    at.toggle(key="ex_relocate").set_value(False)       # a Beijing person is not Shanghai's
    got = amounts(ok(at.run()))
    assert got["京人社能发〔2026〕2号"] == 2400 and got["沪人社规〔2025〕7号"] == 0


def test_explain_bad_input_is_one_readable_line():
    at = page("explain")
    at.date_input(key=f"f:{PRESET}:application_date").set_value(dt.date(2026, 1, 1))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["application_date: 2026-01-01 is before cert_issue_date 2026-04-10"]
    at.date_input(key=f"f:{PRESET}:application_date").set_value(dt.date(2026, 5, 6))
    at.text_area(key=f"f:{PRESET}:prior_subsidies").set_value("[{")
    at.run()
    assert not at.exception and at.error[0].value.startswith("prior_subsidies: not valid JSON")


# ---------------------------------------------------------------- Reform

UPLIFT = f"p:{BJ}:beijing-2026-key-groups:a_tier_uplift_pct"


def metric_values(at: AppTest) -> list[float]:
    return [float(m.value.replace(",", "").rstrip("%")) for m in at.metric]


def test_reform_slider_changes_cost_not_coverage():
    at = page("reform", rf_scenario=BJ)
    budget, beneficiaries, coverage, cost = metric_values(at)
    assert budget > 0 and beneficiaries > 0
    assert at.info[0].value in ("尚未改动参数: 改革等于基线。", "No parameter changed yet: the reform equals the baseline.")
    # the baseline is replication 0 of the scenario's run (runner.draw): the same people, the same budget
    rep0 = runner.run(scenario.load(BJ).with_changes(size=SIZE, replications=1), keep_claims=False).totals
    assert (budget, beneficiaries) == rep0.select("budget_cny", "beneficiaries").row(0)
    at.slider(key=UPLIFT).set_value(50)
    ok(at.run())
    budget2, beneficiaries2, coverage2, cost2 = metric_values(at)
    assert budget2 > budget and beneficiaries2 == beneficiaries and coverage2 == coverage
    figures = table(at, "指标")
    change = dict(zip(figures.iloc[:, 0], figures.iloc[:, 3]))
    assert change["预算(元)"] == pytest.approx(budget2 - budget) and change["受益人数"] == 0
    assert table(at, "参数").iloc[0].tolist() == ["a_tier_uplift_pct", "BJKG-A1", "二", "20", "50"]
    bars = charts(at)[0]
    base = bars.filter(pl.col("variant") == "基线")["budget_cny"].sum()
    assert base == budget and bars.filter(pl.col("variant") == "改革")["budget_cny"].sum() == budget2
    at.slider(key=UPLIFT).set_value(20)               # back to the baseline: the same numbers
    assert metric_values(ok(at.run()))[0] == budget


def test_reform_shanghai_rate_slider():
    at = page("reform", rf_scenario=SH)
    budget = metric_values(at)[0]
    at.slider(key=f"p:{SH}:shanghai-2025-skills-upgrade:rate_not_employed_reemployed_pct").set_value(150)
    assert metric_values(ok(at.run()))[0] > budget


def test_reform_bad_scenario_is_one_readable_line(tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\ndescription = "x"\nseed = 1\n[[populations]]\nname = "p"\n'
                   'city = "hangzhou"\npolicies = ["beijing-2026-key-groups"]\n', encoding="utf-8")
    monkeypatch.setattr(scenario, "ready_scenarios", lambda: [str(bad)])
    at = AppTest.from_file(str(ROOT / "views" / "reform.py"), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["populations[0].city: 'hangzhou' is not one of beijing, shanghai"]


# ---------------------------------------------------------------- Cash flow

def test_cashflow_months_add_up_to_the_budget(summaries):
    at = page("cashflow", cf_scenario=SH)
    flow = charts(at)[0]
    budget = summaries[SH]["policies"]["shanghai-2025-skills-upgrade"]["budget_cny"]["mean"]
    assert flow["mean"].sum() == pytest.approx(budget)
    assert flow.height > 6 and len(at.dataframe) == 1
    at.toggle(key="cf_cumulative").set_value(True)
    cumulative = charts(ok(at.run()))[0].sort("month")
    assert cumulative["mean"][-1] == pytest.approx(budget)
    assert cumulative["mean"].is_sorted()

