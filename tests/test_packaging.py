"""A normal (non-editable) install, as `pip install git+…` gives: the wheel owns one import
name, `skillsim`, and carries its ready scenarios, examples, catalogs and policy texts, so
every command works without the repository beside it.

The wheel is built from a copy of the project's files and unpacked into a folder that is put
first on PYTHONPATH (its dependencies come from this venv); commands run in an empty folder."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("api", "policies", "simulate", "dashboard", "scenarios", "examples", "setup.py", "pyproject.toml",
           "README.md")
GENERIC = ("policies", "simulate", "dashboard", "scenarios", "examples", "tests", "api")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(out), str(src)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (whl,) = out.glob("skillsim-*.whl")
    return whl


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_wheel_owns_only_the_skillsim_import_name(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        tops = {n.split("/")[0] for n in z.namelist()}
        entry_points = next(z.read(n).decode() for n in z.namelist() if n.endswith("entry_points.txt"))
    assert tops == {"skillsim", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}
    # every entry point (command, policies, sub-commands) names a module inside skillsim
    targets = [line.split("=", 1)[1].strip() for line in entry_points.splitlines() if "=" in line]
    assert targets and all(t.startswith("skillsim.") for t in targets), targets


def test_the_wheel_carries_scenarios_examples_catalogs_and_texts(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for folder, pattern in (("scenarios", "*.toml"), ("examples", "*.json")):
        for f in (ROOT / folder).glob(pattern):
            assert f"skillsim/{folder}/{f.name}" in names
    for f in (ROOT / "policies").rglob("*"):
        if f.suffix in (".toml", ".csv", ".txt") and "__pycache__" not in f.parts:
            assert "skillsim/policies/" + f.relative_to(ROOT / "policies").as_posix() in names
    assert "skillsim/py.typed" in names
    # the plug-in interface, and the skeleton `skillsim new-policy` writes (templates, not modules)
    templates = list((ROOT / "api" / "templates").rglob("*.tmpl"))
    assert "skillsim/plugin.py" in names and templates
    for f in templates:
        assert "skillsim/templates/" + f.relative_to(ROOT / "api" / "templates").as_posix() in names


def test_every_command_works_from_the_installed_wheel(site: Path, tmp_path: Path) -> None:
    cli = ("-m", "skillsim.simulate.cli")
    where = _run(site, tmp_path, "-c", "import skillsim, skillsim.policies as p; print(p.__file__)")
    assert where.returncode == 0 and where.stdout.startswith(str(site)), where.stdout + where.stderr
    listed = _run(site, tmp_path, *cli, "scenarios")
    assert listed.returncode == 0, listed.stderr
    for f in (ROOT / "scenarios").glob("*.toml"):
        assert f.stem in listed.stdout
    ran = _run(site, tmp_path, *cli, "run", "beijing-2026-baseline", "--size", "400", "--replications", "1",
               "--out", "o")
    assert ran.returncode == 0, ran.stderr
    assert json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["scenario"] == "beijing-2026-baseline"
    example = next((ROOT / "examples").glob("bj-*.json"))
    explained = _run(site, tmp_path, *cli, "explain", "--policy", "beijing-2026-key-groups", "--claim",
                     str(example))
    assert explained.returncode == 0, explained.stderr
    rules = _run(site, tmp_path, *cli, "parameters", "--policy", "shanghai-2025-skills-upgrade", "--format", "csv")
    assert rules.returncode == 0 and "clause" in rules.stdout.splitlines()[0], rules.stderr
    # the dashboard's worked examples are the shipped ones, not its built-in fallback people
    presets = _run(site, tmp_path, "-c", "from skillsim.dashboard import person; print(sorted(person.presets()))")
    assert presets.returncode == 0, presets.stderr
    assert example.stem in presets.stdout
    # a plug-in's skeleton, from the templates the wheel carries
    made = _run(site, tmp_path, *cli, "new-policy", "testcity-2031-wheel")
    assert made.returncode == 0 and (tmp_path / "testcity-2031-wheel" / "skillsim_testcity_2031_wheel" /
                                     "policy.toml").is_file(), made.stderr


def test_no_generic_top_level_name_is_imported() -> None:
    """Nothing in skillsim imports `policies`, `simulate`, … as top-level names (in a repository
    checkout they would resolve to the folders, and a second copy of every class would load)."""
    code = ("import sys, skillsim, skillsim.simulate.cli, skillsim.simulate.runner, skillsim.dashboard.person;"
            "skillsim.simulate.cli.build_parser();"
            f"print([m for m in sys.modules if m.split('.')[0] in {GENERIC!r}])")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
