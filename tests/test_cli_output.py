"""The command line's output (simulate/tables.py, cli.py, run_commands.py): every table also as
CSV and JSON with the same rows; nothing cut on a narrow terminal or when piped; --version;
help on every argument; explain --policy all; policies --date per city; the manifest's
record of run's overrides; a light start-up."""
import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from importlib.metadata import version

import polars as pl
import pytest
from rich.cells import cell_len

from skillsim.policies import get_policy, policy_ids
from skillsim.simulate import tables
from skillsim.simulate.cli import build_parser, main

from .conftest import BJ_BASE, BJ_POINT

KG, SH, PT = "beijing-2026-key-groups", "shanghai-2025-skills-upgrade", "beijing-2025-project-training-draft"
LONG = "a_parameter_name_" + "x" * 383  # 400 characters


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a narrow one would."""

    def isatty(self) -> bool:
        return True

    def getvalue(self) -> str:  # the text as seen, without the terminal's styles
        return re.sub(r"\x1b\[[0-9;]*m", "", super().getvalue())


def cells(out: str) -> list[list[str]]:
    """A printed rich table's body lines, split into their cells (one list per line)."""
    return [[c.strip() for c in line.strip().split("│")[1:-1]] for line in out.splitlines()
            if line.strip().startswith("│")]


def column(out: str, i: int) -> str:
    """Column i of a table, its folded pieces joined in order."""
    return "".join(row[i] for row in cells(out))


def formats(capsys, *args: str) -> tuple[str, list[dict], list[dict]]:
    """A command's output as a (piped) table, as CSV rows and as JSON rows."""
    got = []
    for fmt in ("table", "csv", "json"):
        assert main([*args, "--format", fmt]) == 0
        got.append(capsys.readouterr().out)
    return got[0], list(csv.DictReader(io.StringIO(got[1]))), json.loads(got[2])


def shown(v) -> str:
    """A JSON value as the table writes it."""
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def claim_file(tmp_path, claim=BJ_BASE):
    f = tmp_path / "claim.json"
    f.write_text(json.dumps(claim), encoding="utf-8")
    return str(f)


@pytest.mark.parametrize("args", [("policies",), ("policies", "--date", "2025-06-01"),
                                  ("catalog", "--policy", SH), ("parameters", "--policy", KG), ("scenarios",)])
def test_csv_json_and_table_hold_the_same_rows(capsys, args):
    table, rows_csv, rows_json = formats(capsys, *args)
    assert rows_json and len(rows_csv) == len(rows_json) == len(cells(table))
    assert [list(r) for r in rows_csv] == [list(r) for r in rows_json]  # same columns, same order
    for c, j, t in zip(rows_csv, rows_json, cells(table)):
        for (k, v), cell in zip(j.items(), t):
            if isinstance(v, (str, int)) and not isinstance(v, bool):
                assert c[k] == str(v) and cell == shown(v), k  # whole, in every format
            elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                assert json.loads(c[k]) == v and cell == shown(v), k


def test_run_prints_every_figure_with_its_interval_in_each_format(capsys, tmp_path):
    args = ["run", "reform-example", "--size", "100", "--replications", "2", "--out"]
    outs = {}
    for fmt in ("table", "csv", "json"):
        assert main([*args, str(tmp_path / fmt), "--format", fmt]) == 0
        outs[fmt], err = capsys.readouterr()
        assert "wrote" in err and "wrote" not in outs[fmt]
    every = json.loads(outs["json"])  # every printed table's rows, each naming its table
    rows = [r for r in every if r["table"] == "figures"]
    doc = json.loads((tmp_path / "json" / "summary.json").read_text(encoding="utf-8"))
    by = {(r["policy_id"], r["variant"]): r for r in rows}
    for pid, e in doc["policies"].items():
        base, diff = by[pid, "baseline"], by[pid, "reform − baseline"]
        assert (base["budget_cny"], base["budget_cny_p05"], base["budget_cny_p95"]) == (
            e["budget_cny"]["mean"], e["budget_cny"]["p05"], e["budget_cny"]["p95"])
        assert by[pid, "reform"]["coverage"] == e["reform"]["coverage"]["mean"]  # a share, as in summary.json
        assert diff["budget_cny"] == e["difference"]["budget_cny"]["mean"]
    assert [{k: (float(v) if v else None) for k, v in r.items() if k.startswith("budget")}
            for r in csv.DictReader(io.StringIO(outs["csv"]))] == [
           {k: v for k, v in r.items() if k.startswith("budget")} for r in every]
    table = cells(outs["table"].split("budget by calendar year of payment")[0])  # the first table
    assert [r[:4] for r in table] == [[r["run"], r["policy_id"], r["population"], r["variant"]] for r in rows]
    assert all("[" in r[4] and r[4].endswith("]") for r in table)  # mean [p05, p95]
    assert all(r[6].endswith("pp]") for r in table if r[3] == "reform − baseline")  # coverage difference in pp


def test_run_manifest_records_every_override(capsys, tmp_path):
    assert main(["run", str(BJ_POINT), "--size", "100", "--replications", "1", "--seed", "5",
                 "--out", str(tmp_path / "o")]) == 0
    changes = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["manifest"]["run_changes"]
    assert {k: c["to"] for k, c in changes.items()} == {"size": 100, "replications": 1, "seed": 5}
    assert all(c["by"] == "the command line" for c in changes.values())
    assert changes["size"]["from"] == {"beijing": 2_000_000}


def test_run_without_overrides_records_none(capsys, tmp_path, monkeypatch):
    small = tmp_path / "small.toml"  # the point-valued baseline with its own size and replications small
    text = BJ_POINT.read_text(encoding="utf-8")
    text = text.replace("replications = 10", "replications = 1").replace("value = 2000000", "value = 100")
    small.write_text(text, encoding="utf-8")
    assert main(["run", str(small), "--out", str(tmp_path / "o")]) == 0
    manifest = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["manifest"]
    assert manifest["run_changes"] == {}


@pytest.mark.parametrize("piped", [True, False])
def test_a_400_character_parameter_name_is_printed_whole(capsys, monkeypatch, piped):
    policy = get_policy(KG)
    rows = policy.parameters.table()
    monkeypatch.setattr(type(policy.parameters), "table",
                        lambda self: [*rows, {**rows[0], "name": LONG, "value": 123_456_789_012}])
    monkeypatch.setenv("COLUMNS", "40")
    out = io.StringIO() if piped else Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["parameters", "--policy", KG]) == 0
    text = out.getvalue()
    if piped:  # one line a row, so grep finds it
        assert column(text, 0) == "".join(r["name"] for r in rows) + LONG
        assert any(LONG in line and "123456789012" in line for line in text.splitlines())
    else:  # ten columns do not fit in 40: a row is field | value lines, folded to the terminal's width
        assert max(cell_len(line) for line in text.splitlines()) <= 40
        assert LONG in column(text, 1) and "123456789012" in [r[1] for r in cells(text)]
        names = [r[1] for r in cells(text) if r[0] == "name"]
        assert len(names) == len(rows) + 1 and all(r["name"] in column(text, 1) for r in rows)


def test_a_narrow_table_folds_text_but_never_breaks_a_number(monkeypatch):
    name = "p" * 400
    big = tables.Figure(123_456_789, 100_000_000, 150_000_000, "yuan")
    for width in (60, 40, 20):  # a grid at 60; field | value lines at 40; at 20, wider rather than cut
        monkeypatch.setenv("COLUMNS", str(width))
        out = Terminal()
        tables.show([{"id": name, "budget_cny": big, "n": 9_876_543_210}], file=out)
        text = out.getvalue()
        assert max(cell_len(line) for line in text.splitlines()) <= max(width, 30)
        grid = cells(text)[0][0].startswith("p")
        assert (column(text, 0) if grid else column(text, 1)).startswith(name)
        words = " ".join(c for row in cells(text) for c in row).split()
        assert {"123,456,789", "[100,000,000,", "150,000,000]", "9876543210"} <= set(words)


def test_skillsim_policies_in_a_narrow_terminal_shows_every_id_whole():
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "COLUMNS": "40", "LINES": "200", "NO_COLOR": "1", "TERM": "xterm"}
    p = subprocess.Popen([sys.executable, "-m", "skillsim.simulate.cli", "policies"], stdout=child_fd,
                         stderr=subprocess.PIPE, env=env)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert p.wait(timeout=60) == 0, p.stderr.read()
    os.close(main_fd)
    text = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode("utf-8").replace("\r", ""))
    assert max(cell_len(line) for line in text.splitlines()) <= 40
    ids = [row[1] for row in cells(text) if row[0] == "id"]  # eleven columns: a row is field | value lines
    assert len(ids) == len(policy_ids()) and all(pid in column(text, 1) for pid in policy_ids())


def test_piped_policies_are_whole_lines_for_grep():
    p = subprocess.run([sys.executable, "-m", "skillsim.simulate.cli", "policies"], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "COLUMNS": "40"})
    assert p.returncode == 0
    line = next(line for line in p.stdout.splitlines() if PT in line)
    assert "征求意见稿" in line and "2027-12-31" in line


def test_json_has_no_nan_and_a_table_no_nan_text():
    rows = [{"id": "a", "x": float("nan"), "y": tables.Figure(float("inf"), 1.0, None, "percent")}]
    data = json.loads(buf := _shown(rows, "json"))
    assert data == [{"id": "a", "x": None, "y": None, "y_p05": 1.0, "y_p95": None}] and "NaN" not in buf
    table = _shown(rows, "table")
    assert "nan" not in table.lower() and "inf" not in table.lower() and "—" in table
    assert list(csv.reader(io.StringIO(_shown(rows, "csv")))) == [["id", "x", "y", "y_p05", "y_p95"],
                                                                  ["a", "", "", "1.0", ""]]


def _shown(rows, fmt) -> str:
    out = io.StringIO()
    tables.show(rows, fmt, file=out)
    return out.getvalue()


def test_a_frame_with_nested_columns_writes_csv():
    df = pl.DataFrame({"id": ["a", "b"], "rules": [["R-1", "R-2"], []]})
    assert list(csv.reader(io.StringIO(_shown(df, "csv")))) == [["id", "rules"], ["a", '["R-1", "R-2"]'], ["b", "[]"]]


def test_version():
    p = subprocess.run([sys.executable, "-m", "skillsim.simulate.cli", "--version"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == f"skillsim {version('skillsim')}"


def _subparsers(parser):
    import argparse
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_subcommand_has_a_description_and_every_argument_help():
    parser = build_parser()
    subs = dict(_subparsers(parser))
    assert {"policies", "explain", "catalog", "parameters", "rules", "run", "compare", "scenarios"} <= set(subs)
    for name, sub in subs.items():
        assert sub.description, f"skillsim {name} has no description"
        for action in sub._actions:
            assert action.help, f"skillsim {name} {'/'.join(action.option_strings) or action.dest} has no help"
    for action in parser._actions:
        assert action.help or action.dest == "command"


def test_policy_help_lists_every_policy_id():
    subs = dict(_subparsers(build_parser()))
    for name in ("explain", "catalog", "parameters", "rules"):
        policy = next(a for a in subs[name]._actions if "--policy" in a.option_strings)
        assert all(pid in policy.help for pid in policy_ids()), name


def test_help_and_version_start_without_the_heavy_modules():
    code = ("import sys, skillsim.simulate.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('polars', 'pydantic', 'numpy', 'skillsim.policies') if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr


def test_an_error_of_a_module_loaded_late_still_exits_2(capsys):
    assert main(["parameters", "--policy", "no-such-policy"]) == 2
    assert "--policy" in capsys.readouterr().err
    assert main(["run", "no-such-scenario"]) == 2
    assert "no scenario file" in capsys.readouterr().err


def test_explain_all_shows_the_claim_under_every_policy(capsys, tmp_path):
    f = claim_file(tmp_path)
    table, rows_csv, results = formats(capsys, "explain", "--policy", "all", "--claim", f)
    assert [r["policy_id"] for r in results] == sorted(policy_ids())
    assert [r["policy_id"] for r in rows_csv] == [r[0] for r in cells(table)] == sorted(policy_ids())
    kg = next(r for r in results if r["policy_id"] == KG)
    assert kg == json.loads(_main_out(capsys, "explain", "--policy", KG, "--claim", f))  # the full result
    row = next(r for r in rows_csv if r["policy_id"] == KG)
    assert (row["status"], int(row["amount_cny"])) == (kg["status"], kg["amount_cny"])
    assert json.loads(row["rules"]) == list(dict.fromkeys(r["rule"] for r in kg["reasons"]))
    draft = next(r for r in results if r["policy_id"] == PT)
    assert draft["status"] == "not evaluated" and "--set NAME=VALUE" in draft["error"]
    assert next(r for r in rows_csv if r["policy_id"] == PT)["reason"] == draft["error"]


def _main_out(capsys, *args) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_explain_all_refuses_set_and_a_bad_claim(capsys, tmp_path):
    assert main(["explain", "--policy", "all", "--claim", claim_file(tmp_path), "--set", "x=1"]) == 2
    assert "--set" in capsys.readouterr().err
    assert main(["explain", "--policy", "all", "--claim", claim_file(tmp_path, {**BJ_BASE, "cert_level": 9})]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "cert_level" in err


def test_the_drafts_message_names_set_and_set_makes_it_evaluate(capsys, tmp_path):
    f = claim_file(tmp_path)
    assert main(["explain", "--policy", PT, "--claim", f]) == 2
    assert "--set NAME=VALUE" in capsys.readouterr().err
    amounts = [n for n in get_policy(PT).missing_parameters(get_policy(PT).parameters)]
    assert main(["explain", "--policy", PT, "--claim", f, *[a for n in amounts for a in ("--set", f"{n}=1000")]]) == 0


@pytest.mark.parametrize("date, governs", [
    ("2020-03-01", {"beijing": "beijing-2019-skills-action"}),
    ("2025-04-30", {"beijing": "beijing-2026-key-groups"}),
    ("2025-05-01", {"beijing": "beijing-2026-key-groups", "shanghai": SH}),
    ("2028-04-30", {"shanghai": SH}),
    ("2028-05-01", {}),
])
def test_policies_date_shows_one_policy_per_city(capsys, date, governs):
    out = _main_out(capsys, "policies", "--date", date, "--format", "json")
    ours = {r["city"]: r["id"] for r in json.loads(out) if r["city"] in ("beijing", "shanghai")}  # not a plug-in's
    assert ours == governs


def test_policies_date_says_which_cities_have_none(capsys):
    assert main(["policies", "--date", "2020-03-01", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "no encoded shanghai policy governs a certificate issued on 2020-03-01" in err
    assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == ["beijing-2019-skills-action"]
