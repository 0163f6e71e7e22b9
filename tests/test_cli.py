"""`skillsim` command line: explain's contract (docs/claim-contract.md), policies, catalog."""
import json
import subprocess
import sys

from skillsim.simulate.cli import main

from .conftest import BJ_BASE


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "skillsim.simulate.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_explain_from_stdin_prints_json_and_exits_0():
    p = run("explain", "--policy", "beijing-2026-key-groups", "--claim", "-", stdin=json.dumps(BJ_BASE))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["amount_cny"] == 1500 and out["policy_id"] == "beijing-2026-key-groups"


def test_explain_ineligible_claim_still_exits_0(tmp_path, capsys):
    f = tmp_path / "c.json"
    f.write_text(json.dumps({**BJ_BASE, "disabled": True}), encoding="utf-8")
    assert main(["explain", "--policy", "beijing-2026-key-groups", "--claim", str(f)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ineligible"


def test_contract_error_exits_2_with_one_line_and_no_stdout():
    for bad, field in [({**BJ_BASE, "cert_level": 7}, "cert_level"),
                       ({**BJ_BASE, "cert_issue_date": "2026-13-01"}, "cert_issue_date"),
                       ({**BJ_BASE, "hukou": "mars"}, "hukou")]:
        p = run("explain", "--policy", "shanghai-2025-skills-upgrade", "--claim", "-", stdin=json.dumps(bad))
        assert p.returncode == 2 and p.stdout == ""
        assert len(p.stderr.strip().splitlines()) == 1 and field in p.stderr


def test_not_json_and_unknown_policy_exit_2(capsys, tmp_path):
    p = run("explain", "--policy", "beijing-2026-key-groups", "--claim", "-", stdin="{not json")
    assert p.returncode == 2 and p.stdout == "" and "claim: not valid JSON" in p.stderr
    assert main(["explain", "--policy", "nowhere-2030", "--claim", "-"]) == 2
    assert "unknown policy 'nowhere-2030'" in capsys.readouterr().err
    assert main(["explain", "--policy", "beijing-2026-key-groups", "--claim", str(tmp_path / "none.json")]) == 2
    assert main(["explain", "--policy", "beijing-2026-key-groups", "--claim", "-", "--set", "x=1"]) == 2


def test_policies_lists_ids_and_documents(capsys):
    assert main(["policies", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = {r["id"]: r for r in rows}
    assert ids["beijing-2026-key-groups"]["document"] == "京人社能发〔2026〕2号"
    assert ids["shanghai-2025-skills-upgrade"]["document"] == "沪人社规〔2025〕7号"


def test_catalog_table(capsys):
    assert main(["catalog", "--policy", "beijing-2026-key-groups", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 + 98 and lines[0].startswith("kind,seq,code,name,tier")


def test_explain_with_reform_override(tmp_path, capsys):
    f = tmp_path / "c.json"
    f.write_text(json.dumps({**BJ_BASE, "occupation_code": "4-10-01-05", "cert_level": 5}), encoding="utf-8")
    assert main(["explain", "--policy", "beijing-2026-key-groups", "--claim", str(f),
                 "--set", "a_tier_uplift_pct=30"]) == 0
    assert json.loads(capsys.readouterr().out)["amount_cny"] == 1300
