"""`skillsim new-policy NAME` (issue 13, item 6): a package skeleton that installs, registers
and passes the conformance kit before its author writes a rule; bad input is one line, exit 2,
nothing written.

The install is a user's, without touching this venv: pip --target a temporary folder, then
the commands run with it first on PYTHONPATH."""
from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import skillsim.templates as templates
from skillsim.simulate.cli import main

from .test_plugin_interface import skillsim_imports

NAME = "testcity-2031-upgrade"
PREFIX = "TE31"   # the default: two letters of the city, two digits of the year
A1 = f"{PREFIX}-A1"   # the template's example rule


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("new")
    assert main(["new-policy", NAME, "--dir", str(out)]) == 0
    return out / NAME


def test_the_skeleton_is_a_package_of_the_policy(skeleton: Path) -> None:
    package = "skillsim_testcity_2031_upgrade"
    assert _files(skeleton) == sorted(["README.md", "pyproject.toml", "tests", "tests/test_conformance.py", package,
                                       *[f"{package}/{f}" for f in ("__init__.py", "claim_fields.toml", "examples.json",
                                                                    "messages.zh.toml", "parameters.toml",
                                                                    "policy.toml", "rules.toml", "text.txt")]])
    project = tomllib.loads((skeleton / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == f"skillsim-{NAME}"
    assert project["project"]["entry-points"]["skillsim.policies"] == {NAME: f"{package}:Testcity2031Upgrade"}
    meta = tomllib.loads((skeleton / package / "policy.toml").read_text(encoding="utf-8"))
    assert (meta["id"], meta["city"], meta["rule_prefix"], meta["year"]) == (NAME, "testcity", PREFIX, 2031)
    assert tomllib.loads((skeleton / package / "claim_fields.toml").read_text(encoding="utf-8")) == {}  # comments
    rules = tomllib.loads((skeleton / package / "rules.toml").read_text(encoding="utf-8"))
    assert list(rules) == [A1] and "template's example" in rules[A1]["title"]
    params = tomllib.loads((skeleton / package / "parameters.toml").read_text(encoding="utf-8"))
    amount = params["flat_amount"]
    assert (amount["value"], amount["unit"], amount["bounds"]) == (templates.EXAMPLE_AMOUNT, "CNY", [0, 10000])
    assert amount["kind"] == "assumption" and amount["source"].startswith("illustrative")
    (example,) = json.loads((skeleton / package / "examples.json").read_text(encoding="utf-8"))
    assert example["expected"] == {"status": "eligible", "amount_cny": templates.EXAMPLE_AMOUNT,
                                   "deciding_rule": A1}
    readme = (skeleton / "README.md").read_text(encoding="utf-8")
    assert A1 in readme and "replace it" in readme
    for f in skeleton.rglob("*"):   # every field filled in, and the code built on the interface only
        if f.is_file():
            assert "${" not in f.read_text(encoding="utf-8"), f
            if f.suffix == ".py":
                ast.parse(f.read_text(encoding="utf-8"))
                assert skillsim_imports(f.read_text(encoding="utf-8")) == [], f


def test_options_set_the_jurisdiction_prefix_and_year(tmp_path: Path) -> None:
    assert main(["new-policy", "regionx-pilot", "--dir", str(tmp_path), "--city", "region_x", "--prefix", "RX9",
                 "--year", "2029"]) == 0
    meta = tomllib.loads((tmp_path / "regionx-pilot" / "skillsim_regionx_pilot" / "policy.toml").read_text("utf-8"))
    assert (meta["city"], meta["rule_prefix"], meta["year"], meta["certificates_until"].isoformat()) == \
        ("region_x", "RX9", 2029, "2029-12-31")


@pytest.mark.parametrize("args, message", [
    (["Bad_Name"], "NAME: 'Bad_Name' is not a policy id"),
    (["onlyoneword"], "NAME: 'onlyoneword' is not a policy id"),
    (["beijing-2026-key-groups"], "NAME: 'beijing-2026-key-groups' is already a registered policy id"),
    (["testcity-upgrade"], "--year: NAME 'testcity-upgrade' names no year"),
    (["testcity-2031-x", "--year", "1850"], "--year: 1850 is not a year from 1990 to 2100"),
    (["testcity-2031-x", "--year", "31"], "argument --year: '31' is not a year YYYY"),
    (["testcity-2031-x", "--city", "other"], "--city: 'other' is not a jurisdiction name"),
    (["testcity-2031-x", "--city", "Test City"], "--city: 'Test City' is not a jurisdiction name"),
    (["testcity-2031-x", "--prefix", "te31"], "--prefix: 'te31' is not a rule prefix"),
    (["testcity-2031-x", "--prefix", "BJKG"], "--prefix: BJKG is the rule prefix of beijing-2026-key-groups"),
    (["testcity-2031-x", "--dir", "no-such-folder"], "--dir: 'no-such-folder' is not a folder"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, monkeypatch, capsys, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["new-policy", *args])
    except SystemExit as exc:   # argparse's own refusals (a --year that is no YYYY)
        code = exc.code
    err = capsys.readouterr()
    assert code == 2 and err.out == "" and len(err.err.splitlines()) == 1 and message in err.err, err.err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused_and_left_as_it_was(tmp_path, capsys) -> None:
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "mine.txt").write_text("the author's", encoding="utf-8")
    assert main(["new-policy", NAME, "--dir", str(tmp_path)]) == 2
    assert "already exists; nothing written" in capsys.readouterr().err
    assert _files(tmp_path) == [NAME, f"{NAME}/mine.txt"]


def test_a_failure_midway_leaves_nothing(tmp_path, monkeypatch) -> None:
    real = templates._render

    def half(source, target, fields, package):   # writes a file, then fails
        (target / "pyproject.toml").write_text("half", encoding="utf-8")
        raise OSError("disk full")
    monkeypatch.setattr(templates, "_render", half)
    with pytest.raises(OSError, match="disk full"):
        templates.new_policy(NAME, tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(templates, "_render", real)
    assert templates.new_policy(NAME, tmp_path) == tmp_path / NAME   # and then it writes


def _run(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)


def test_the_skeleton_installs_registers_and_passes_the_kit(skeleton: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    installed = _run(site, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                     "--no-build-isolation", "--no-index", "--target", str(site), str(skeleton))
    assert installed.returncode == 0, installed.stderr[-2000:]
    checked = _run(site, "-m", "skillsim.simulate.cli", "check-policy", NAME, "--max-examples", "20")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{NAME}: conforms" in checked.stdout and checked.stderr == ""
    # the starter messages.zh.toml translates what the skeleton says: no warning
    assert re.search(r"^ok +messages in Chinese +\d+ distinct messages .* every one translated$", checked.stdout, re.M)
    listed = _run(site, "-m", "skillsim.simulate.cli", "policies", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(listed.stdout))}
    assert (rows[NAME]["city"], rows[NAME]["year"], rows[NAME]["status"]) == ("testcity", "2031", "in force")
    assert "beijing-2026-key-groups" in rows
    paid = _run(site, "-c", "import json, skillsim_testcity_2031_upgrade as m, skillsim.plugin as sp; "
                            "pol = sp.get_policy(m.Testcity2031Upgrade().id); "
                            "print(json.dumps(pol.explain(pol.examples()[0]['claim'])))")
    assert paid.returncode == 0, paid.stderr
    result = json.loads(paid.stdout)
    assert (result["status"], result["amount_cny"], result["deciding_rule"]) == \
        ("eligible", templates.EXAMPLE_AMOUNT, A1)
    assert [r["rule"] for r in result["reasons"]] == [A1]
