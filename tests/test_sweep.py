"""`skillsim sweep`: every point × every replication on the baseline's own drawn people
(common random numbers), the same on every engine, resumable after an interrupt without
redoing a finished task; bad --vary is one line, exit 2, nothing written."""
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from skillsim.simulate import runner, scenario, sweep
from skillsim.simulate.cli import main
from skillsim.simulate.executor import executor

from .test_simulate import MINIMAL

ROOT = Path(__file__).resolve().parent.parent
BJ = "beijing-2026-key-groups"
UPLIFT, WINDOW = f"{BJ}.a_tier_uplift_pct", f"{BJ}.graduate_window_years"
VARY = ["--vary", f"{UPLIFT}=10:30:10", "--vary", f"{WINDOW}=1,2"]   # the baseline: 20 and 2
POINTS, REPLICATIONS = 6, 2

POINT_VALUED = '{ value = 0.3, source = "test" }'
UNCERTAIN = '{ low = 0.15, high = 0.45, source = "test: uncertain" }'


def toy(take_up: str = POINT_VALUED, extra: str = "") -> str:
    """test_simulate's smallest scenario (one Beijing population of 3,000, 2 replications)."""
    return MINIMAL + f"certificate_take_up = {take_up}\n" + extra


def write(tmp_path, text: str = None, name: str = "toy.toml") -> str:
    path = tmp_path / name
    path.write_text(toy() if text is None else text, encoding="utf-8")
    return str(path)


def exit_code(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:
        return exc.code


def swept(tmp_path, *args: str, text: str = None, out: str = "out") -> pl.DataFrame:
    assert main(["sweep", write(tmp_path, text), "--out", str(tmp_path / out), *VARY, "--format", "csv",
                 *args]) == 0
    return pl.read_parquet(tmp_path / out / "sweep.parquet")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    return swept(tmp), tmp


def baseline_point(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter((pl.col(UPLIFT) == 20) & (pl.col(WINDOW) == 2))


# ------------------------------------------------------------------ the grid and the pairing

def test_a_row_per_point_replication_and_policy_with_the_grid_s_values(result):
    df, tmp = result
    assert df.height == POINTS * REPLICATIONS * 1
    assert df.select("point", UPLIFT, WINDOW).unique(maintain_order=True).rows() == \
        [(0, 10, 1), (1, 10, 2), (2, 20, 1), (3, 20, 2), (4, 30, 1), (5, 30, 2)]
    assert sorted(set(df["replication"])) == [0, 1] and set(df["policy_id"]) == {BJ}
    doc = json.loads((tmp / "out" / "sweep.json").read_text(encoding="utf-8"))
    assert [(a["key"], a["values"], a["baseline"]) for a in doc["grid"]["axes"]] == \
        [(UPLIFT, [10, 20, 30], 20), (WINDOW, [1, 2], 2)]
    assert doc["replications"] == REPLICATIONS and doc["population_sizes"] == {"bj": 3000}
    assert "engine" not in json.dumps(doc) and "workers" not in json.dumps(doc)


def test_the_point_at_the_baseline_s_values_differs_by_exactly_zero(result):
    df, _ = result
    diffs = baseline_point(df).select(pl.col(f"{sweep.DIFF}{f}") for f in sweep.FIGURES)
    assert diffs.height == REPLICATIONS and all((diffs[c] == 0).all() for c in diffs.columns)
    more = df.filter((pl.col(UPLIFT) == 30) & (pl.col(WINDOW) == 2))
    assert (more[f"{sweep.DIFF}budget_cny"] > 0).all()  # the uplift alone pays more on the same people


def test_common_random_numbers_make_a_difference_much_tighter_than_its_level(tmp_path):
    df = swept(tmp_path, "--replications", "8")
    up = df.filter((pl.col(UPLIFT) == 30) & (pl.col(WINDOW) == 2)).sort("replication")
    level, diff = up["budget_cny"].to_numpy(), up[f"{sweep.DIFF}budget_cny"].to_numpy()
    width = lambda v: np.percentile(v, 95) - np.percentile(v, 5)  # noqa: E731
    assert width(diff) < width(level) / 5
    # each difference is the point's budget less the baseline's on the same people
    base = baseline_point(df).sort("replication")["budget_cny"].to_numpy()
    assert (level - diff == base).all()


@pytest.mark.parametrize("take_up", [POINT_VALUED, UNCERTAIN])
def test_the_baseline_is_run_s_replication_on_the_same_draws(tmp_path, take_up):
    """The baseline of each replication (a point's figure less its difference) is what `skillsim
    run` gives that replication: the same seeds, catalog classes and uncertain draws."""
    df = swept(tmp_path, text=toy(take_up))
    scen = scenario.load(str(tmp_path / "toy.toml"))
    ran = runner.run(scen, keep_claims=False).totals.sort("replication")
    for point in range(POINTS):
        rows = df.filter(pl.col("point") == point).sort("replication")
        for f in sweep.COUNTS:
            assert (rows[f] - rows[f"{sweep.DIFF}{f}"]).to_list() == ran[f].to_list()
    if take_up == UNCERTAIN:  # the draws vary alongside: each replication its own take-up
        assert ran["beneficiaries"].n_unique() == REPLICATIONS


def test_the_table_shows_each_point_s_mean_and_interval_from_the_parquet(tmp_path, capsys):
    df = swept(tmp_path)
    capsys.readouterr()
    assert main(["sweep", str(tmp_path / "toy.toml"), "--out", str(tmp_path / "again"), *VARY,
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == POINTS
    for row in rows:
        mine = df.filter(pl.col("point") == row["point"])
        assert row["a_tier_uplift_pct"] == mine[UPLIFT][0] and row["graduate_window_years"] == mine[WINDOW][0]
        for f in ("budget_cny", "diff_budget_cny", "coverage", "diff_coverage"):
            v = mine[f].to_numpy().astype(float)
            assert row[f] == pytest.approx(v.mean()) and row[f"{f}_p05"] == pytest.approx(np.percentile(v, 5))
            assert row[f"{f}_p95"] == pytest.approx(np.percentile(v, 95))


# ------------------------------------------------------------------ engines

def run_plan(ex) -> pl.DataFrame:
    plan = sweep.make_plan(scenario.loads(toy()), ["beijing-2026-key-groups.a_tier_uplift_pct=10,30",
                                                   "beijing-2026-key-groups.graduate_window_years=1,2"])
    with ex:
        return sweep.sweep(plan, ex, show=False)


def test_one_local_worker_gives_what_two_give_bit_for_bit(monkeypatch):
    monkeypatch.setattr(sweep, "POINTS_PER_TASK", 2)  # four tasks (two a replication), spread over both
    one = run_plan(executor("local", 1))
    assert one.height == 4 * REPLICATIONS
    assert one.equals(run_plan(executor("local", 2)))


def test_ray_gives_what_the_local_engine_gives_bit_for_bit():
    pytest.importorskip("ray")
    assert run_plan(executor("ray", 2)).equals(run_plan(executor("local", 1)))


# ------------------------------------------------------------------ resume

RUN_TASK = sweep.run_task


class Counting:
    """run_task, counted (replication, first point of each task run); raises KeyboardInterrupt
    on the ``stop_at``-th call, as Ctrl-C would mid-sweep."""

    def __init__(self, stop_at: int | None = None):
        self.ran: list[tuple[int, int]] = []
        self.stop_at = stop_at

    def __call__(self, task):
        if self.stop_at is not None and len(self.ran) + 1 == self.stop_at:
            raise KeyboardInterrupt
        self.ran.append((task.replication, task.points[0][0]))
        return RUN_TASK(task)


def test_resume_after_an_interrupt_redoes_no_finished_task_and_writes_what_an_uninterrupted_sweep_does(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sweep, "POINTS_PER_TASK", 2)  # 3 blocks × 2 replications: 6 tasks
    path = write(tmp_path)
    args = lambda out, *more: ["sweep", path, "--out", str(tmp_path / out), *VARY, "--format", "csv", *more]  # noqa: E731
    every = [(r, p) for r in range(REPLICATIONS) for p in (0, 2, 4)]

    whole = Counting()
    monkeypatch.setattr(sweep, "run_task", whole)
    assert main(args("whole")) == 0 and whole.ran == every

    stopped = Counting(stop_at=4)
    monkeypatch.setattr(sweep, "run_task", stopped)
    assert main(args("out")) == 130
    assert not (tmp_path / "out").exists()
    staged = [p for p in tmp_path.iterdir() if p.name.startswith(".out.skillsim-sweep-")]
    assert len(staged) == 1 and len(list(staged[0].glob("task-*.parquet"))) == 3 == len(stopped.ran)
    capsys.readouterr()

    # the same command again without --resume: refused, the finished tasks kept
    assert main(args("out")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--resume" in err and str(staged[0]) in err
    assert not (tmp_path / "out").exists() and len(list(staged[0].glob("task-*.parquet"))) == 3

    resumed = Counting()
    monkeypatch.setattr(sweep, "run_task", resumed)
    assert main(args("out", "--resume")) == 0
    assert sorted(resumed.ran) == sorted(set(every) - set(stopped.ran)) and len(resumed.ran) == 3
    for name in ("sweep.parquet", "sweep.json"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    assert not staged[0].exists()  # the output landed: the staging folder goes


def test_another_sweep_s_staging_folder_is_never_touched(tmp_path):
    other = tmp_path / ".out.skillsim-sweep-0123456789abcdef"
    other.mkdir()
    (other / "task-000000.parquet").write_bytes(b"another sweep's")
    swept(tmp_path)
    assert (other / "task-000000.parquet").read_bytes() == b"another sweep's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.skillsim-sweep-0123456789abcdef", "out", "toy.toml"]


# ------------------------------------------------------------------ the [sweep] table

SWEEP_TABLE = f"""
[sweep]
"{UPLIFT}" = {{ values = [10, 30], source = "reform under study" }}
"{WINDOW}" = {{ start = 1, stop = 3, step = 2, source = "test" }}
"""


def test_the_scenario_s_sweep_table_is_the_grid_and_the_command_line_replaces_it(tmp_path, capsys):
    path = write(tmp_path, toy(extra=SWEEP_TABLE))
    assert scenario.load(path).sweep == {UPLIFT: {"values": [10, 30], "source": "reform under study"},
                                         WINDOW: {"values": [1, 3], "source": "test"}}
    assert main(["sweep", path, "--out", str(tmp_path / "file"), "--format", "csv"]) == 0
    df = pl.read_parquet(tmp_path / "file" / "sweep.parquet")
    assert df.select(UPLIFT, WINDOW).unique(maintain_order=True).rows() == [(10, 1), (10, 3), (30, 1), (30, 3)]
    doc = json.loads((tmp_path / "file" / "sweep.json").read_text(encoding="utf-8"))
    assert [a["source"] for a in doc["grid"]["axes"]] == ["reform under study", "test"]
    assert main(["sweep", path, "--out", str(tmp_path / "cli"), "--vary", f"{UPLIFT}=0,5", "--format", "csv"]) == 0
    df = pl.read_parquet(tmp_path / "cli" / "sweep.parquet")
    assert df.columns[:2] == ["point", UPLIFT] and WINDOW not in df.columns and set(df[UPLIFT]) == {0, 5}


@pytest.mark.parametrize("table, key", [
    (f'"{UPLIFT}" = {{ values = [10, 120], source = "x" }}', f"sweep.{UPLIFT}.values[1]"),
    (f'"{BJ}.no_such" = {{ values = [1], source = "x" }}', f"sweep.{BJ}.no_such"),
    ('"shanghai-2025-skills-upgrade.rate_employed_pct" = { values = [90], source = "x" }',
     "sweep.shanghai-2025-skills-upgrade.rate_employed_pct"),
    (f'"{UPLIFT}" = {{ start = 10, stop = 30, source = "x" }}', f"sweep.{UPLIFT}.step"),
    (f'"{UPLIFT}" = {{ values = [10], start = 1, stop = 2, step = 1, source = "x" }}', f"sweep.{UPLIFT}.start"),
    (f'"{UPLIFT}" = {{ values = [10] }}', f"sweep.{UPLIFT}.source"),
    (f'"{UPLIFT}" = {{ start = 30, stop = 10, step = 10, source = "x" }}', f"sweep.{UPLIFT}.stop"),
    ('"a_tier_uplift_pct" = { values = [10], source = "x" }', "sweep.a_tier_uplift_pct"),
])
def test_a_bad_sweep_table_is_a_scenario_error_naming_its_key(table, key):
    with pytest.raises(scenario.ScenarioError) as err:
        scenario.loads(toy(extra="\n[sweep]\n" + table + "\n"))
    assert err.value.key == key and "\n" not in str(err.value)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("vary, named", [
    (f"{UPLIFT}=10,120", "120 is outside its bounds"),
    (f"{BJ}.no_such=1", "no_such"),
    ("shanghai-2025-skills-upgrade.rate_employed_pct=90", "shanghai-2025-skills-upgrade"),
    (f"{UPLIFT}=30:10:10", "below start"),
    (f"{UPLIFT}=10,x", "'x' is not a number"),
    (f"{UPLIFT}=10,10", "given twice"),
    (f"{BJ}.skill_level_tier_b=1000", "cannot be swept"),
    (f"{BJ}.issue_window_end=2025-01-01", "issue_window_end"),
    (UPLIFT, "POLICY.PARAMETER=VALUES"),
])
def test_a_bad_vary_is_one_line_exit_2_before_any_work_and_nothing_written(tmp_path, capsys, monkeypatch,
                                                                          vary, named):
    path = write(tmp_path)
    monkeypatch.setattr(sweep, "run_task", lambda task: pytest.fail("a task ran"))
    assert exit_code(["sweep", path, "--out", str(tmp_path / "out"), "--vary", vary]) == 2
    err = capsys.readouterr()
    assert err.out == "" and len(err.err.strip().splitlines()) == 1 and named in err.err
    assert [p.name for p in tmp_path.iterdir()] == ["toy.toml"]


def test_dates_and_switches_sweep_too(tmp_path):
    df = swept(tmp_path, "--vary", f"{BJ}.flexible_counts_as_employed=true,false",
               "--vary", f"{BJ}.issue_window_end=2026-06-30,2027-12-31")
    assert df.schema[f"{BJ}.flexible_counts_as_employed"] == pl.Boolean
    assert df.schema[f"{BJ}.issue_window_end"] == pl.Date
    late = df.filter(pl.col(f"{BJ}.issue_window_end").dt.month() == 6)
    assert (late[f"{sweep.DIFF}budget_cny"] <= 0).all() and (late[f"{sweep.DIFF}budget_cny"] < 0).any()


def test_values_are_typed_and_a_range_includes_a_stop_on_a_step():
    assert sweep.expand(10, 40, 10) == [10, 20, 30, 40]
    assert sweep.expand(10, 45, 10) == [10, 20, 30, 40]
    assert sweep.expand(0.1, 0.3, 0.1) == [0.1, 0.2, 0.3]  # decimal steps, no 0.30000000000000004
    assert sweep.parse_values("12.5:15:1.25", "number") == [12.5, 13.75, 15]
    assert sweep.parse_values("true,false", "bool") == [True, False]
    with pytest.raises(sweep.GridError):
        sweep.parse_values("1:2", "number")


# ------------------------------------------------------------------ the dashboard's Sweep page

def sweep_page(folder, **state):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "dashboard" / "views" / "sweep.py"), default_timeout=60)
    for k, v in {"swp_folder": str(folder), **state}.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def chart_data(at, key: str) -> pl.DataFrame:
    """The data behind the altair chart whose Vega-Lite description is ``key`` (dashboard/charts.py)."""
    import pyarrow
    found = [pl.from_arrow(pyarrow.ipc.open_stream(el.proto.datasets[0].data.data).read_all())
             for el in at.get("vega_lite_chart") if json.loads(el.proto.spec).get("description") == key]
    assert len(found) == 1
    return found[0]


def same_curve(got: pl.DataFrame, want: list[tuple]) -> bool:
    rows = got.select("x", "mean", "p05", "p95").rows()
    return [r[0] for r in rows] == [w[0] for w in want] and \
        [v for r in rows for v in r[1:]] == pytest.approx([float(v) for w in want for v in w[1:]])


def expected(df: pl.DataFrame, x: str, held: dict, column: str) -> list[tuple]:
    """(x, mean, p05, p95) over replications of one figure, straight from sweep.parquet."""
    rows = df.filter(*(pl.col(k) == v for k, v in held.items()))
    out = []
    for value in rows[x].unique(maintain_order=True):
        at = rows.filter(pl.col(x) == value)
        v = (at["beneficiaries"] / at["target_population"] if column == "coverage" else at[column]).to_numpy()
        out.append((value, v.mean(), np.percentile(v, 5), np.percentile(v, 95)))
    return out


def test_the_dashboard_draws_a_sweep_folder_as_sweep_parquet_holds_it(result):
    df, tmp = result
    at = sweep_page(tmp / "out")
    assert not at.error and at.header[0].value == "参数扫描"
    assert at.selectbox(key="swp_axis").value == UPLIFT and at.selectbox(key=f"swp_held_{WINDOW}").value == 2
    for metric in ("budget_cny", "coverage"):   # the default: the figures along the uplift, the window at its baseline
        got = chart_data(at, f"swp_chart_{metric}").filter(pl.col("metric") == metric)
        assert same_curve(got, expected(df, UPLIFT, {WINDOW: 2}, metric))
    # written as every page writes figures: budgets in 元/万元, coverage in %, the axes so too
    (table,) = [d.value for d in at.dataframe if "指标" in d.value.columns]
    cells = dict(zip(table["指标"], table["均值"]))
    assert cells["预算"].endswith("元") and cells["覆盖率"].endswith("%") and "," in table["均值"].to_string()
    spec = next(json.loads(el.proto.spec) for el in at.get("vega_lite_chart")
                if json.loads(el.proto.spec).get("description") == "swp_chart_coverage")
    assert spec["layer"][0]["encoding"]["y"]["title"] == "覆盖率 (%)"
    at.selectbox(key="swp_axis").set_value(WINDOW)
    at.radio(key="swp_difference").set_value(True)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception and at.header[0].value == "Sweep"
    got = chart_data(at, "swp_chart_budget_cny").filter(pl.col("metric") == "budget_cny")
    assert same_curve(got, expected(df, WINDOW, {UPLIFT: 20}, f"{sweep.DIFF}budget_cny"))
    assert got.filter(pl.col("x") == 2)["mean"].item() == 0  # the baseline's own point


def test_the_dashboard_says_in_one_line_that_a_folder_is_no_sweep(tmp_path, result):
    _, tmp = result
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "sweep.json").write_bytes((tmp / "out" / "sweep.json").read_bytes())
    for folder, says in ((tmp_path / "none", "no such folder"), (tmp_path / "half", "no sweep.parquet")):
        at = sweep_page(folder)
        assert len(at.error) == 1 and says in at.error[0].value and "\n" not in at.error[0].value
        assert not at.get("vega_lite_chart")
