"""evaluate(), flatten(), summarise() and the commands `skillsim evaluate` / `skillsim export`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from skillsim.policies import PolicyError, get_policy
from skillsim.policies.contract import validate_frame
from skillsim.simulate import runner, scenario
from skillsim.simulate.cli import main
from skillsim.simulate.claims_file import load_claims
from skillsim.simulate.evaluation import evaluate, flatten, summarise

from .conftest import BJ_POINT
from .fuzzing import cli

BJ, SH = "beijing-2026-key-groups", "shanghai-2025-skills-upgrade"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def claims() -> pl.DataFrame:
    scen = scenario.load(BJ_POINT).with_changes(by="test", size=8000, replications=1)  # many claims
    return validate_frame(runner.draw(scen, "beijing").claims)


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(pl.all().exclude("prior_subsidies", "funding", "rules"))


@pytest.mark.parametrize("pid", [BJ, SH])
def test_evaluate_equals_run_policy_on_the_same_frame(claims, pid):
    mine = evaluate(claims, [BJ, SH]).filter(pl.col("policy_id") == pid)
    theirs = runner.run_policy(claims, pid, get_policy(pid).params(), detail="rules")
    assert mine.height == claims.height
    assert _sorted(mine.drop("row")).equals(_sorted(theirs))


def test_evaluate_caps_across_the_frame_and_without_them(claims):
    """Some person's second claim is turned down by the caps, and stands alone without them."""
    capped, alone = evaluate(claims, [BJ]), evaluate(claims, [BJ], caps=False)
    assert capped["status"].to_list() != alone["status"].to_list()
    assert alone.drop("row").equals(get_policy(BJ).evaluate(claims, detail="rules").collect())


def test_evaluate_keeps_frame_order_policy_by_policy(claims):
    res = evaluate(claims, [SH, BJ])
    assert res["policy_id"].to_list() == [SH] * claims.height + [BJ] * claims.height
    assert res["row"].to_list() == list(range(1, claims.height + 1)) * 2
    assert res.filter(pl.col("policy_id") == BJ)["person_id"].to_list() == claims["person_id"].to_list()


def test_overrides_are_a_reform_of_that_policy(claims):
    change = {"skill_level_tier_b": {"5": 1000, "4": 1600, "3": 2000, "2": 2000, "1": 2000}}
    res = evaluate(claims, [BJ, SH], overrides={BJ: change})
    theirs = runner.run_policy(claims, BJ, get_policy(BJ).params(change), detail="rules")
    mine = res.filter(pl.col("policy_id") == BJ)
    assert mine["amount_cny"].sum() == theirs["amount_cny"].sum() != evaluate(claims, [BJ])["amount_cny"].sum()


def test_a_policy_named_twice_or_overrides_for_another_are_refused(claims):
    with pytest.raises(PolicyError, match="named twice"):
        evaluate(claims, [BJ, BJ])
    with pytest.raises(PolicyError, match=f"overrides for {SH}"):
        evaluate(claims, [BJ], overrides={SH: {}})


def test_flat_results_have_no_nested_columns_and_read_back(claims, tmp_path):
    res = evaluate(claims.head(2000), [BJ, SH])
    flat = flatten(res)
    assert not [n for n, t in flat.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
    assert {"funding_city_cny", "funding_district_cny", "funding_source"} <= set(flat.columns)
    path = tmp_path / "r.csv"
    flat.write_csv(path)
    back = pl.read_csv(path, infer_schema=False)
    assert back.height == res.height
    assert back["rules"].to_list() == [";".join(r) for r in res["rules"].to_list()]
    priors = [json.loads(t) for t in back["prior_subsidies"].to_list()]
    assert [len(p) for p in priors] == res["prior_subsidies"].list.len().to_list()
    assert back["funding_city_cny"].cast(pl.Int64).sum() == res["funding"].struct.field("city_cny").sum()


def test_summarise_adds_up(claims):
    res = evaluate(claims, [BJ, SH])
    s = summarise(res)
    for pid in (BJ, SH):
        mine = res.filter(pl.col("policy_id") == pid)
        total = s.filter((pl.col("policy_id") == pid) & (pl.col("status") == "all")).row(0, named=True)
        assert total["claims"] == mine.height
        assert total["eligible"] == (mine["status"] == "eligible").sum()
        assert total["budget_cny"] == mine["amount_cny"].sum()
        parts = s.filter((pl.col("policy_id") == pid) & (pl.col("status") != "all"))
        assert parts["claims"].sum() == mine.height and parts["budget_cny"].sum() == total["budget_cny"]


# ---------------------------------------------------------------- the command

def test_the_worked_example_file_gives_the_examples_amounts(tmp_path):
    """examples/claims.csv: rows 1–13 are the worked examples (file names in order), with expected.json's results."""
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in EXAMPLES.glob("*.json") if p.name != "expected.json")
    out = tmp_path / "r.parquet"
    policies = sorted({e["policy"] for e in expected.values()})
    args = ["evaluate", "--claims", str(EXAMPLES / "claims.csv"), "--defaults", "--out", str(out)]
    assert cli(*args, *(a for p in policies for a in ("--policy", p))).code == 0
    res = pl.read_parquet(out)
    for row, name in enumerate(names, start=1):
        e = expected[name]
        got = res.filter((pl.col("row") == row) & (pl.col("policy_id") == e["policy"])).row(0, named=True)
        assert (got["status"], got["amount_cny"]) == (e["status"], e["amount_cny"]), name


def test_evaluate_does_without_numpy(tmp_path):
    """numpy is a tenth of a second of skillsim evaluate's start-up and the command needs none of it
    (the simulator and its intervals do): a whole evaluate, plug-ins loaded, leaves it unimported."""
    code = ("import sys; from skillsim.simulate.cli import main; "
            f"code = main(['evaluate', '--claims', {str(EXAMPLES / 'claims.csv')!r}, '--defaults', '--policy', "
            f"'{BJ}', '--policy', '{SH}', '--out', {str(tmp_path / 'r.parquet')!r}]); "
            "print(code, 'numpy' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.stdout.split()[-2:] == ["0", "False"], p.stdout + p.stderr


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    flatten(frame).write_csv(path)
    return path


def test_evaluate_writes_each_format_and_prints_the_summary(claims, tmp_path):
    src = write_csv(claims.head(500), tmp_path / "claims.csv")
    for ext in ("csv", "parquet", "jsonl"):
        out = tmp_path / f"r.{ext}"
        res = cli("evaluate", "--claims", str(src), "--policy", BJ, "--policy", SH, "--out", str(out),
                  "--format", "json")
        assert res.code == 0
        summary = json.loads(res.out)
        assert {(r["policy_id"], r["status"]) for r in summary} >= {(BJ, "all"), (SH, "all")}
        back = {"csv": pl.read_csv, "parquet": pl.read_parquet,
                "jsonl": lambda p: pl.read_ndjson(p, infer_schema_length=None)}[ext](out)
        assert back.height == 1000 and back["row"].max() == 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv", "r.csv", "r.jsonl", "r.parquet"]


def broken_csv(claims: pl.DataFrame, tmp_path: Path, bad_rows: list[int]) -> Path:
    flat = flatten(claims.head(100)).cast(pl.String).with_columns(
        pl.when(pl.int_range(pl.len()).is_in([r - 1 for r in bad_rows])).then(pl.lit("old")).otherwise(pl.col("age"))
        .alias("age"))
    path = tmp_path / "in" / "claims.csv"
    path.parent.mkdir()
    flat.write_csv(path)
    return path


def run(*argv: str):
    """The command in-process (its contract refusal is several lines on stderr: not fuzzing.cli's one)."""
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_a_contract_break_exits_2_lists_the_rows_and_writes_nothing(claims, tmp_path):
    src = broken_csv(claims, tmp_path, list(range(3, 60, 2)))  # 29 bad rows
    code, out, err = run("evaluate", "--claims", str(src), "--policy", BJ, "--out", str(tmp_path / "o" / "r.csv"))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert "29 rows break the claim contract" in lines[0] and "nothing written" in lines[0]
    assert lines[1:] == [f"  row {r}: age: 'old' is not an integer" for r in range(3, 42, 2)]  # the first 20
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["claims.csv", "in"]  # no output, no folder, no temp file


def test_rejects_run_the_good_rows_and_write_the_bad_apart(claims, tmp_path):
    src = broken_csv(claims, tmp_path, [2, 7])
    out, rejects = tmp_path / "r.parquet", tmp_path / "bad.csv"
    res = cli("evaluate", "--claims", str(src), "--policy", BJ, "--out", str(out), "--rejects", str(rejects))
    assert res.code == 0 and "2 bad rows" in res.err
    bad = pl.read_csv(rejects)
    assert bad.columns == ["row", "field", "value", "reason"] and bad["row"].to_list() == [2, 7]
    good = pl.read_parquet(out)
    assert good["row"].to_list() == [r for r in range(1, 101) if r not in (2, 7)]


def test_missing_columns_exit_2_unless_defaults_which_names_them(claims, tmp_path):
    src = write_csv(claims.head(50).drop("xiebao"), tmp_path / "claims.csv")
    res = cli("evaluate", "--claims", str(src), "--policy", BJ)
    assert res.code == 2 and "xiebao: column is missing" in res.err
    res = cli("evaluate", "--claims", str(src), "--policy", BJ, "--defaults")
    assert res.code == 0 and "at the contract's defaults: xiebao" in res.err


def test_an_existing_file_is_kept_unless_force(claims, tmp_path):
    src = write_csv(claims.head(50), tmp_path / "claims.csv")
    out = tmp_path / "r.csv"
    out.write_text("mine\n")
    res = cli("evaluate", "--claims", str(src), "--policy", BJ, "--out", str(out))
    assert res.code == 2 and "exists" in res.err and out.read_text() == "mine\n"
    assert cli("evaluate", "--claims", str(src), "--policy", BJ, "--out", str(out), "--force").code == 0
    assert pl.read_csv(out).height == 50


def test_the_output_is_checked_before_the_claims_are_read(tmp_path):
    (tmp_path / "r.csv").mkdir()
    res = cli("evaluate", "--claims", str(tmp_path / "absent.csv"), "--policy", BJ, "--out", str(tmp_path / "r.csv"))
    assert res.code == 2 and "is a folder" in res.err


@pytest.mark.parametrize("argv, message", [
    (["--policy", "nowhere-2026"], "unknown policy"),
    (["--policy", BJ, "--set", "a_tier_uplift_pct"], "is not POLICY:NAME=VALUE"),
    (["--policy", BJ, "--policy", SH, "--set", "a_tier_uplift_pct=30"], "name the policy"),
    (["--policy", BJ, "--set", f"{BJ}:a_tier_uplift_pct=-5"], "a_tier_uplift_pct"),
    (["--policy", BJ, "--out", "r.xlsx"], "end the name in"),
    (["--policy", "beijing-2025-project-training-draft"], "--set"),
])
def test_bad_arguments_are_one_line_exit_2(claims, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    src = write_csv(claims.head(20), tmp_path / "claims.csv")
    res = cli("evaluate", "--claims", str(src), *argv)
    assert res.code == 2 and message in res.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv"]


def test_set_changes_that_policy_only(claims, tmp_path):
    src = write_csv(claims, tmp_path / "claims.csv")
    base = json.loads(cli("evaluate", "--claims", str(src), "--policy", BJ, "--format", "json").out)
    more = json.loads(cli("evaluate", "--claims", str(src), "--policy", BJ, "--format", "json",
                          "--set", f"{BJ}:a_tier_uplift_pct=50").out)
    budget = lambda rows: next(r["budget_cny"] for r in rows if r["status"] == "all")  # noqa: E731
    assert budget(more) > budget(base) > 0


def test_export_writes_a_runs_claims_flat(tmp_path):
    out = tmp_path / "run"
    assert cli("run", "swap", "--out", str(out), "--size", "3000", "--replications", "1").code == 0
    claims = pl.read_parquet(out / "claims.parquet")
    assert cli("export", str(out), "--out", str(tmp_path / "c.csv")).code == 0
    back = pl.read_csv(tmp_path / "c.csv", infer_schema=False)
    assert back.height == claims.height and "funding_city_cny" in back.columns and "funding" not in back.columns
    res = cli("export", str(tmp_path), "--out", str(tmp_path / "d.csv"))
    assert res.code == 2 and "no claims.parquet" in res.err


def test_load_and_evaluate_keep_the_files_row_numbers(claims, tmp_path):
    src = broken_csv(claims, tmp_path, [1])
    got = load_claims(src, rejects=True)
    res = evaluate(got.claims, [BJ], rows=got.rows, validate=False)
    assert res["row"].to_list() == list(range(2, 101))
