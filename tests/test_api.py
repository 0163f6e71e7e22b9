"""The Python API (`import skillsim`, docs/api.md): each function gives what the code under
it gives, every public name is documented, every code block of docs/api.md runs, and
importing skillsim stays light."""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import skillsim
from skillsim.policies import ContractError, PolicyError, UnknownPolicy, get_policy, policy_ids, validate_frame
from skillsim.simulate import report, runner, scenario

from .conftest import BJ, BJ_BASE, SH, SH_BASE
from .fuzzing import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
EXAMPLES = ROOT / "examples"
CLAIMS_CSV = EXAMPLES / "claims.csv"


# ---------------------------------------------------------------- the public names

def test_all_names_every_public_function_and_class_and_each_resolves() -> None:
    defined = {n for n, v in vars(skillsim).items() if not n.startswith("_")
               and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__.startswith("skillsim")}
    assert defined <= set(skillsim.__all__), defined - set(skillsim.__all__)
    for name in skillsim.__all__:
        assert getattr(skillsim, name) is not None, name
    assert "RunResult" in defined and "evaluate" in defined  # the check above saw the module's own names
    with pytest.raises(AttributeError):
        skillsim.no_such_name  # noqa: B018


def test_every_public_name_is_documented_and_every_function_has_a_docstring() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for name in skillsim.__all__:
        value = getattr(skillsim, name)
        if inspect.isfunction(value):
            assert f"### `skillsim.{name}(" in doc or f"`skillsim.{name}(results)`" in doc, f"{name}: no section"
            assert inspect.getdoc(value), f"{name}: no docstring"
        else:
            assert f"`{name}`" in doc or f"`skillsim.{name}`" in doc, f"{name} is not in docs/api.md"


def test_no_facade_name_is_a_subpackage_so_importing_one_never_replaces_a_function() -> None:
    folder = Path(skillsim.__file__).parent
    parts = {p.stem for p in folder.iterdir() if not p.name.startswith(("_", "."))}
    assert {"policies", "simulate", "scenarios"} <= parts
    assert not parts & set(skillsim.__all__)
    for name in ("skillsim.policies", "skillsim.simulate.runner"):
        importlib.import_module(name)  # what `import skillsim.policies` does: binds the sub-package on skillsim
    assert all(inspect.isfunction(getattr(skillsim, n)) for n in ("list_policies", "list_scenarios", "run"))


def test_importing_skillsim_loads_no_dashboard_streamlit_polars_or_scenario_models() -> None:
    code = ("import sys, skillsim; skillsim.__version__; skillsim.RunResult; "
            "print('\\n'.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
                 .stdout.split())
    assert "skillsim" in loaded
    heavy = [m for m in loaded if m.split(".")[0] in ("streamlit", "pydantic", "polars", "altair", "numpy")
             or m.startswith(("skillsim.dashboard", "skillsim.simulate", "skillsim.policies"))]
    assert heavy == []


def test_an_error_class_loads_on_first_use_without_the_dashboard() -> None:
    code = ("import sys, skillsim; assert issubclass(skillsim.ScenarioError, ValueError); "
            "assert issubclass(skillsim.ContractError, ValueError); "
            "print('\\n'.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert not [m for m in loaded if m.startswith(("skillsim.dashboard", "streamlit"))]


def test_errors_are_the_projects_own() -> None:
    from skillsim.policies import ParameterError
    from skillsim.simulate.outputs import OutputError
    assert skillsim.ContractError is ContractError and skillsim.PolicyError is PolicyError
    assert skillsim.UnknownPolicy is UnknownPolicy and skillsim.ParameterError is ParameterError
    assert skillsim.ScenarioError is scenario.ScenarioError and skillsim.OutputError is OutputError


# ---------------------------------------------------------------- policies

def _cli_json(*argv: str) -> list[dict]:
    out = cli(*argv, "--format", "json")
    assert out.code == 0, out.err
    return json.loads(out.out)


@pytest.mark.parametrize("city,date", [(None, None), ("beijing", None), ("shanghai", None),
                                       ("beijing", "2020-03-01"), ("beijing", "2026-05-01"),
                                       ("shanghai", "2025-04-30"), ("shanghai", "2025-05-01")])
def test_list_policies_lists_what_the_policies_command_lists(city, date) -> None:
    argv = ["policies", *(["--city", city] if city else []), *(["--date", date] if date else [])]
    ids = [row["id"] for row in _cli_json(*argv)]
    assert skillsim.list_policies(city=city, date=date) == sorted(ids)
    details = skillsim.list_policies(city=city, date=date, details=True)
    assert [d["id"] for d in details] == sorted(ids)
    assert all(d == get_policy(d["id"]).describe() for d in details)


def test_list_policies_facts() -> None:
    assert skillsim.list_policies() == policy_ids()
    assert skillsim.list_policies(city="shanghai") == [SH]
    assert skillsim.list_policies(city="beijing", date="2020-03-01") == ["beijing-2019-skills-action"]
    governing = skillsim.list_policies(date=dt.date(2026, 5, 1), details=True)
    assert {BJ, SH} <= {d["id"] for d in governing}
    cities = [d["city"] for d in governing]
    assert len(cities) == len(set(cities))  # one a city
    with pytest.raises(ValueError):
        skillsim.list_policies(date="2020-13-01")


def test_policy_is_the_registry_policy_and_an_unknown_id_lists_the_known() -> None:
    assert skillsim.policy(BJ) is get_policy(BJ)
    with pytest.raises(UnknownPolicy, match=SH):
        skillsim.policy("no-such-policy")


# ---------------------------------------------------------------- explain

def _examples() -> list[tuple[str, str]]:
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    return [(name, e["policy"]) for name, e in sorted(expected.items())]


@pytest.mark.parametrize("name,pid", _examples())
def test_explain_equals_the_policys_explain(name: str, pid: str) -> None:
    claim = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    assert skillsim.explain(claim, pid) == get_policy(pid).explain(claim)


@pytest.mark.parametrize("base", [BJ_BASE, SH_BASE])
def test_explain_all_is_every_policy_in_turn_and_names_the_one_that_cannot_run(base) -> None:
    got = skillsim.explain(base, policy="all")
    assert [r["policy_id"] for r in got] == policy_ids()
    for r in got:
        pol = get_policy(r["policy_id"])
        if "error" in r:
            with pytest.raises(PolicyError) as exc:
                pol.explain(base)
            assert r == {"policy_id": pol.id, "error": " ".join(str(exc.value).split())}
        else:
            assert r == pol.explain(base)
    assert any(r.get("status") == "eligible" and r["amount_cny"] > 0 for r in got)  # a paid claim among them


def test_explain_under_a_reform_equals_the_policy_under_those_parameters() -> None:
    claim = json.loads((EXAMPLES / "bj-unemployed-care-worker.json").read_text(encoding="utf-8"))
    pol = get_policy(BJ)
    reform = skillsim.explain(claim, BJ, overrides={BJ: {"a_tier_uplift_pct": 50}})
    assert reform == pol.explain(claim, pol.params({"a_tier_uplift_pct": 50}))
    assert reform["amount_cny"] == 2250 != skillsim.explain(claim, BJ)["amount_cny"]  # tier A level 4: 1500 × 1.5


def test_explain_refuses_an_override_of_a_policy_not_asked_for_and_a_bad_claim() -> None:
    with pytest.raises(PolicyError, match=SH):
        skillsim.explain(BJ_BASE, BJ, overrides={SH: {"rate_employed_pct": 100}})
    with pytest.raises(ContractError, match="cert_level"):
        skillsim.explain({**BJ_BASE, "cert_level": "four"}, BJ)
    with pytest.raises(skillsim.ParameterError, match="no_such_parameter"):
        skillsim.explain(BJ_BASE, BJ, overrides={BJ: {"no_such_parameter": 1}})


# ---------------------------------------------------------------- your own claims

@pytest.fixture(scope="module")
def claims() -> pl.DataFrame:
    with pytest.warns(UserWarning):  # the example file leaves out columns: defaulted
        return skillsim.read_claims(CLAIMS_CSV, defaults=True)


def test_read_claims_is_the_claims_file_reader_and_warns_at_the_callers_line(claims: pl.DataFrame) -> None:
    from skillsim.simulate.claims_file import DefaultedColumns, read_claims
    with pytest.warns(DefaultedColumns):
        assert_frame_equal(claims, read_claims(CLAIMS_CSV, defaults=True))
    assert claims.height > 0 and set(claims["hukou"]) >= {"beijing", "shanghai"}
    with pytest.warns(DefaultedColumns, match="catalog_class") as said:
        skillsim.read_claims(CLAIMS_CSV, defaults=True)
    assert said[0].filename == __file__
    with pytest.raises(skillsim.ClaimsFileError, match="missing"):
        skillsim.read_claims(CLAIMS_CSV)


def _by_claim(df: pl.DataFrame) -> pl.DataFrame:
    keys = ["policy_id", "person_id", "application_date", "cert_issue_date", "occupation_code"]
    return df.sort(keys, nulls_last=True)


@pytest.mark.parametrize("overrides", [None, {BJ: {"a_tier_uplift_pct": 50}, SH: {"rate_employed_pct": 100}}])
def test_evaluate_equals_run_policy_on_the_same_frame(claims: pl.DataFrame, overrides) -> None:
    got = skillsim.evaluate(claims, [BJ, SH], overrides=overrides)
    assert got.filter(pl.col("status") == "eligible").height > 0  # some claims are paid
    for pid in (BJ, SH):
        pol = get_policy(pid)
        expected = runner.run_policy(validate_frame(claims), pid, pol.params((overrides or {}).get(pid)), "rules")
        mine = got.filter(pl.col("policy_id") == pid).select(expected.columns)
        assert_frame_equal(_by_claim(mine), _by_claim(expected))


def test_evaluate_takes_a_path_a_list_of_dicts_or_one_policy_id(claims: pl.DataFrame, tmp_path: Path) -> None:
    from skillsim.simulate.evaluation import evaluate
    expected = evaluate(claims, [BJ])
    claims.write_parquet(tmp_path / "claims.parquet")  # every column: no defaults needed
    assert_frame_equal(skillsim.evaluate(tmp_path / "claims.parquet", BJ), expected)
    assert_frame_equal(skillsim.evaluate(str(tmp_path / "claims.parquet"), [BJ]), expected)
    one = skillsim.evaluate([BJ_BASE], BJ)
    assert one.height == 1 and one["amount_cny"][0] == get_policy(BJ).explain(BJ_BASE)["amount_cny"]
    with pytest.raises(ContractError, match="age"):
        skillsim.evaluate([{**BJ_BASE, "age": "35"}], BJ)
    with pytest.raises(PolicyError, match=SH):  # a reform of a policy not evaluated would change nothing
        skillsim.evaluate([BJ_BASE], BJ, overrides={SH: {"rate_employed_pct": 100}})


def test_evaluate_with_and_without_caps_is_the_evaluation_modules(claims: pl.DataFrame) -> None:
    from skillsim.simulate.evaluation import evaluate
    assert_frame_equal(skillsim.evaluate(claims, [BJ, SH], caps=False), evaluate(claims, [BJ, SH], caps=False))


def test_summarise_and_flatten_are_the_evaluation_modules(claims: pl.DataFrame) -> None:
    from skillsim.simulate.evaluation import flatten, summarise
    results = skillsim.evaluate(claims, [BJ, SH])
    assert_frame_equal(skillsim.summarise(results), summarise(results))
    flat = skillsim.flatten(results)
    assert_frame_equal(flat, flatten(results))
    assert not [c for c, t in flat.schema.items() if t.is_nested()]


# ---------------------------------------------------------------- runs

SMALL = dict(size=3000, replications=2)


@pytest.fixture(scope="module")
def small_run() -> skillsim.RunResult:
    return skillsim.run("reform-example", **SMALL)


def test_run_equals_the_runner_and_report_on_the_same_scenario(small_run: skillsim.RunResult) -> None:
    scen = scenario.load("reform-example").with_changes(by="skillsim.run", **SMALL)
    raw = runner.run(scen)
    assert small_run.scenario == scen
    assert small_run.summary == report.summary(raw)
    assert_frame_equal(small_run.breakdowns, raw.breakdowns)
    assert_frame_equal(small_run.claims, raw.claims)
    assert small_run.summary["policies"][BJ]["budget_cny"]["mean"] > 0
    assert set(small_run.summary["manifest"]["run_changes"]) == {"size", "replications"}


def test_run_takes_a_scenario_file_or_a_loaded_scenario(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    shutil.copy(scenario.resolve("beijing-2026-baseline"), path)
    by_file = skillsim.run(path, size=1000, replications=1, seed=3)
    loaded = scenario.load(str(path)).with_changes(by="skillsim.run", size=1000, replications=1, seed=3)
    assert by_file.summary == skillsim.run(loaded).summary
    assert by_file.summary["seed"] == 3


def test_run_refuses_a_bad_scenario_or_change_naming_it() -> None:
    with pytest.raises(skillsim.ScenarioError, match="no-such-scenario"):
        skillsim.run("no-such-scenario")
    with pytest.raises(skillsim.ScenarioError, match="size"):
        skillsim.run("beijing-2026-baseline", size=0)


def test_write_writes_what_skillsim_run_writes_and_never_a_users_folder(small_run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    doc = small_run.write(out)
    assert doc == small_run.summary
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["policies"].keys() == doc["policies"].keys()
    assert_frame_equal(pl.read_parquet(out / "breakdowns.parquet"), small_run.breakdowns)
    assert pl.read_parquet(out / "claims.parquet").height == small_run.claims.height
    small_run.write(out)  # an earlier output is replaced whole
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(skillsim.OutputError):
        small_run.write(mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_list_scenarios_is_the_ready_scenarios() -> None:
    assert skillsim.list_scenarios() == scenario.ready_scenarios()
    assert "beijing-2026-baseline" in skillsim.list_scenarios()


def test_compare_is_the_comparison_of_the_runs_summaries(small_run, tmp_path: Path) -> None:
    from skillsim.simulate.comparison import compare
    other = skillsim.run("reform-example", **SMALL, seed=1)
    got = skillsim.compare(small_run, other)
    expected = compare(small_run.summary, other.summary)
    assert_frame_equal(got.rows, expected.rows)
    assert got.notes == expected.notes and got.paired == expected.paired
    small_run.write(tmp_path / "a")
    from_folder = skillsim.compare(tmp_path / "a", other)
    assert_frame_equal(from_folder.rows, got.rows)


# ---------------------------------------------------------------- docs/api.md runs

def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_docs_have_the_recipes() -> None:
    code = "\n".join(_blocks())
    for call in ("skillsim.read_claims(", "skillsim.evaluate(", "overrides=", "skillsim.run(", ".breakdowns",
                 "skillsim.compare(", "skillsim.explain("):
        assert call in code, call


@pytest.mark.filterwarnings("ignore:.*columns not in the file")  # the example file's defaulted columns
@pytest.mark.parametrize("index", range(len(_blocks())))
def test_every_code_block_of_docs_api_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    if CLAIMS_CSV.exists():  # the blocks that read it fail without it
        shutil.copy(CLAIMS_CSV, tmp_path / "claims.csv")
    monkeypatch.chdir(tmp_path)
    exec(compile(_blocks()[index], f"docs/api.md block {index + 1}", "exec"), {"__name__": "__docs__"})
