"""Output folders (simulate/outputs.py, report.write, `skillsim run`/`compare`): refused before
anything is computed unless absent, empty or ours; swapped in whole; several scenarios all or
none; leftovers of killed runs cleaned; a lock against a second run; `compare` on damaged
summaries; names printed as text; error lines one line."""
from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from skillsim.simulate import comparison, outputs, report, run_commands, runner, scenario
from skillsim.simulate.cli import LINE, main
from skillsim.simulate.tables import show

RUN = ["--size", "100", "--replications", "1"]
BJ_RUN = ["run", "beijing-2026-baseline", *RUN]


@pytest.fixture(scope="module")
def result():
    return runner.run(scenario.load("beijing-2026-baseline").with_changes(size=100, replications=1))


@pytest.fixture
def no_compute(monkeypatch):
    """A refusal must come before the run: computing fails the test."""
    def boom(*a, **k):
        raise AssertionError("computed before the output folder was checked")
    monkeypatch.setattr(runner, "with_progress", boom)


def siblings(folder: Path) -> set[str]:
    return {p.name for p in folder.parent.iterdir()} if folder.parent.exists() else set()


def one_error_line(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    return err


# ------------------------------------------------------------------ refusals, before the run

def test_a_user_folder_holding_summary_json_is_refused_and_kept(tmp_path, capsys, no_compute):
    d = tmp_path / "d"
    d.mkdir()
    (d / "summary.json").write_text("{}")
    (d / "notes.txt").write_text("keep")
    assert main([*BJ_RUN, "--out", str(d)]) == 2
    assert "not an earlier skillsim output" in one_error_line(capsys)
    assert {p.name for p in d.iterdir()} == {"summary.json", "notes.txt"}
    assert siblings(d) == {"d"}


@pytest.mark.parametrize("case", ["under a file", "symlink", "dot", "cwd ancestor", "file"])
def test_unusable_targets_exit_2_before_computing(tmp_path, monkeypatch, capsys, no_compute, case):
    (tmp_path / "f").write_text("x")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "sub" / "deeper")
    out = {"under a file": str(tmp_path / "f" / "out"), "symlink": str(tmp_path / "link"), "dot": ".",
           "cwd ancestor": str(tmp_path / "sub"), "file": str(tmp_path / "f")}[case]
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main([*BJ_RUN, "--out", out]) == 2
    assert "--out" in one_error_line(capsys)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_two_scenarios_of_one_name_are_refused_before_computing(tmp_path, capsys, no_compute):
    assert main(["run", "beijing-2026-baseline", "beijing-2026-baseline", *RUN, "--out", str(tmp_path / "o")]) == 2
    assert "two scenarios named beijing-2026-baseline" in one_error_line(capsys)
    assert not (tmp_path / "o").exists()


@given(st.text(max_size=30))
def test_only_slugs_name_an_output_folder(name):
    slug = bool(name) and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    if slug:
        assert outputs.check_name(name) == name
    else:
        with pytest.raises(outputs.OutputError, match="only letters, digits"):
            outputs.check_name(name)


def test_not_enough_free_space_is_refused_before_computing(tmp_path, monkeypatch, capsys, no_compute):
    monkeypatch.setattr(run_commands, "output_bytes", lambda scens: 10**18)
    assert main([*BJ_RUN, "--out", str(tmp_path / "a" / "b")]) == 2
    assert "bytes free" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []  # the parents it made are gone again


def test_a_second_run_into_a_locked_folder_is_refused(tmp_path, capsys, no_compute):
    with outputs.Target(tmp_path / "o"):
        assert main([*BJ_RUN, "--out", str(tmp_path / "o")]) == 2
    assert "another skillsim run is writing it" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []  # the lock file goes with its run


# ------------------------------------------------------------------ writing

@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_an_earlier_output_is_replaced_whole_with_the_users_permissions(tmp_path, result, umask):
    out = tmp_path / "o"
    old = os.umask(umask)
    try:
        report.write(result, out)
        (out / "stale.txt").write_text("from the earlier run")
        report.write(result, out)
    finally:
        os.umask(old)
    assert {p.name for p in out.iterdir()} == {".skillsim-output", "summary.json", "breakdowns.parquet",
                                                "claims.parquet"}
    assert outputs.is_ours(out) and siblings(out) == {"o"}
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
    assert (out / "summary.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_without_an_atomic_exchange_the_swap_still_lands_whole(tmp_path, result, monkeypatch):
    monkeypatch.setattr(outputs, "_RENAMEAT2", None)
    out = tmp_path / "o"
    report.write(result, out)
    report.write(result, out)
    assert outputs.is_ours(out) and (out / "claims.parquet").is_file() and siblings(out) == {"o"}


def test_several_scenarios_land_all_or_none(tmp_path, capsys, monkeypatch):
    out = tmp_path / "o"
    args = ["run", "beijing-2026-baseline", "shanghai-2025-baseline", *RUN, "--out", str(out)]
    assert main(args) == 0
    first = {p.name: (p / "summary.json").read_bytes() for p in out.iterdir() if p.is_dir()}
    assert set(first) == {"beijing-2026-baseline", "shanghai-2025-baseline"}
    capsys.readouterr()
    real, calls = report.write_files, []

    def second_fails(res, folder):
        calls.append(folder)
        if len(calls) == 2:
            raise outputs.OutputError(f"{folder.name}: cannot write (No space left on device)")
        return real(res, folder)
    monkeypatch.setattr(report, "write_files", second_fails)
    assert main([*args, "--seed", "7"]) == 2
    one_error_line(capsys)
    assert {p.name: (p / "summary.json").read_bytes() for p in out.iterdir() if p.is_dir()} == first
    assert siblings(out) == {"o"}


def test_leftovers_of_a_killed_run_are_cleaned_and_an_output_set_aside_is_put_back(tmp_path, result):
    out = tmp_path / "o"
    report.write(result, out)
    os.rename(out, tmp_path / ".o.skillsim-old-123")                 # killed between the two renames
    staged = tmp_path / ".o.skillsim-tmp-123-abc"                    # killed while staging
    staged.mkdir()
    (staged / outputs.MARKER).write_text('{"skillsim_output": 1}')
    (tmp_path / ".o.skillsim-tmp-124-def").mkdir()                   # killed right after mkdtemp
    (tmp_path / ".o.skillsim-trash-125").mkdir()                     # killed while deleting the old
    (tmp_path / ".o.skillsim-tmp-126-ghi").mkdir()                   # not ours (no marker, not empty)
    (tmp_path / ".o.skillsim-tmp-126-ghi" / "mine.txt").write_text("keep")
    with outputs.Target(out):
        assert outputs.is_ours(out)
    assert siblings(out) == {"o", ".o.skillsim-tmp-126-ghi"}


# ------------------------------------------------------------------ file-system faults (root: a tmpfs)

def mount_tmpfs(where: Path, options: str) -> None:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a tmpfs")
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")


@pytest.mark.parametrize("options, words", [("size=32k", "No space left on device"),
                                            ("ro,size=64k", "not writable")])
def test_a_full_or_read_only_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, options, words):
    mnt = tmp_path / "mnt"
    mount_tmpfs(mnt, options)
    try:
        assert main([*BJ_RUN, "--out", str(mnt / "o")]) == 2
        assert words in one_error_line(capsys)
        assert list(mnt.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


# ------------------------------------------------------------------ compare

@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, result):
    out = tmp_path_factory.mktemp("runs") / "bj"
    report.write(result, out)
    return out


def damaged(tmp_path: Path, content: bytes) -> Path:
    d = tmp_path / "bad"
    d.mkdir(exist_ok=True)
    (d / "summary.json").write_bytes(content)
    return d


def set_at(doc, path, value):
    d = copy.deepcopy(doc)
    node = d
    for k in path[:-1]:
        node = node[k]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(d).encode()


@pytest.mark.parametrize("case", ["no folder", "no summary", "unreadable", "not utf-8", "not json", "NaN",
                                  "Infinity", "a list", "no policies", "string mean", "bool claims",
                                  "missing coverage", "policies a list", "by_population a number"])
def test_compare_on_a_damaged_summary_names_the_file_and_key(tmp_path, run_dir, capsys, case):
    doc = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    pid = next(iter(doc["policies"]))
    contents = {
        "not utf-8": b"\xff\xfe{}", "not json": b"{", "a list": b"[]",
        "NaN": (run_dir / "summary.json").read_bytes().replace(b'"claims": ', b'"claims": NaN, "x": ', 1),
        "Infinity": set_at(doc, ["policies", pid, "budget_cny", "mean"], 123.456).replace(b"123.456", b"Infinity"),
        "no policies": set_at(doc, ["policies"], ...),
        "string mean": set_at(doc, ["policies", pid, "budget_cny", "mean"], "5"),
        "bool claims": set_at(doc, ["policies", pid, "claims"], True),
        "missing coverage": set_at(doc, ["policies", pid, "coverage"], ...),
        "policies a list": set_at(doc, ["policies"], []),
        "by_population a number": set_at(doc, ["policies", pid, "by_population"], 3),
    }
    if case == "no folder":
        bad, key = tmp_path / "missing", "no such folder"
    elif case == "no summary":
        bad, key = tmp_path, "no summary.json"
    elif case == "unreadable":
        bad = damaged(tmp_path, b"{}")
        (bad / "summary.json").unlink()
        (bad / "summary.json").mkdir()  # a folder by that name: unreadable, even for root
        bad, key = bad, "no summary.json"
    else:
        bad = damaged(tmp_path, contents[case])
        key = {"no policies": "policies", "string mean": "budget_cny.mean", "bool claims": "claims",
               "missing coverage": "coverage", "policies a list": "policies",
               "by_population a number": "by_population"}.get(case, "summary.json")
    assert main(["compare", str(run_dir), str(bad)]) == 2
    err = one_error_line(capsys)
    assert key in err and (case in ("no folder", "no summary", "unreadable") or str(bad / "summary.json") in err)


NOT_FINITE = re.compile(r"(?<![a-z_])(nan|inf)(?![a-z_])", re.IGNORECASE)


def test_compare_never_prints_nan_or_inf(tmp_path, run_dir, capsys):
    doc = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    pid = next(iter(doc["policies"]))
    zero = copy.deepcopy(doc)
    zero["policies"][pid]["budget_cny"] = {"mean": 0.0, "p05": 0.0, "p95": 0.0}
    big = copy.deepcopy(doc)
    big["policies"][pid]["beneficiaries"] = {"mean": -1.7e308, "p05": 0.0, "p95": 0.0}
    huge = copy.deepcopy(doc)
    huge["policies"][pid]["beneficiaries"] = {"mean": 1.7e308, "p05": 0.0, "p95": 0.0}
    for i, d in enumerate([zero, big, huge]):
        (tmp_path / f"r{i}").mkdir()
        (tmp_path / f"r{i}" / "summary.json").write_text(json.dumps(d))
    for a, b in [("r0", "r0"), ("r1", "r2"), ("r0", "r2")]:
        assert main(["compare", str(tmp_path / a), str(tmp_path / b)]) == 0
        out = capsys.readouterr().out
        bad = NOT_FINITE.search(out)
        assert not bad, out[bad.start() - 80:bad.end() + 20]
        assert "—" in out
    rows = comparison.compare(zero, doc).rows.to_dicts()
    assert all(r["relative"] is None or math.isfinite(r["relative"]) for r in rows)
    assert next(r for r in rows if r["metric"] == "budget_cny")["relative"] is None  # against 0


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=5), lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.text(max_size=5), kids, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["top", "policy", "figure", "mean", "by_population"]), value=JSON)
def test_compare_on_any_reshaped_summary_is_a_table_or_one_line(tmp_path, run_dir, capsys, where, value):
    doc = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    pid = next(iter(doc["policies"]))
    path = {"top": ["policies"], "policy": ["policies", pid], "figure": ["policies", pid, "coverage"],
            "mean": ["policies", pid, "budget_cny", "mean"], "by_population": ["policies", pid, "by_population"]}
    bad = damaged(tmp_path, set_at(doc, path[where], value))
    code = main(["compare", str(run_dir), str(bad)])
    out, err = capsys.readouterr()
    assert code in (0, 2)
    if code == 2:
        assert out == "" and len(err.strip().splitlines()) == 1 and len(err) < LINE + 40
    else:
        assert not NOT_FINITE.search(out)


# ------------------------------------------------------------------ names are text; one-line errors

def test_markup_in_names_is_printed_as_text(tmp_path, run_dir, capsys):
    odd = tmp_path / "x[/]" / "[bold]y"   # (the "/" makes a folder "x[" holding "]")
    odd.parent.mkdir(parents=True)
    shutil.copytree(run_dir, odd)
    assert main(["compare", str(odd), str(run_dir)]) == 0
    assert "[bold]y" in capsys.readouterr().out.replace("\n", "").replace(" ", "")
    show(pl.DataFrame({"[red]c[/]": ["x[/]", "[link=http://e]z"]}), "table", "t[/]")
    out = capsys.readouterr().out
    assert "x[/]" in out and "[link=http://e]z" in out and "[red]c[/]" in out and "t[/]" in out


def test_error_lines_are_cut_and_have_no_newline(capsys, tmp_path):
    assert main(["compare", str(tmp_path / ("x" * 5000 + "\nsecond line")), str(tmp_path)]) == 2
    err = one_error_line(capsys)
    assert len(err.rstrip("\n")) <= LINE + len("skillsim compare: ") and err.rstrip("\n").endswith("…")
    with pytest.raises(SystemExit) as exit_:
        main(["policies", "--city", "y" * 10000])
    assert exit_.value.code == 2
    err = one_error_line(capsys)
    assert err.startswith("skillsim policies: ") and len(err) <= LINE + 40


def test_an_unexpected_error_is_one_line_exit_1_and_a_traceback_on_request(run_dir, capsys, monkeypatch):
    monkeypatch.setattr(comparison, "compare", lambda a, b, **kw: 1 / 0)
    assert main(["compare", str(run_dir), str(run_dir)]) == 1
    err = one_error_line(capsys)
    assert "internal error: ZeroDivisionError: division by zero" in err and "SKILLSIM_DEBUG" in err
    monkeypatch.setenv("SKILLSIM_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["compare", str(run_dir), str(run_dir)])
