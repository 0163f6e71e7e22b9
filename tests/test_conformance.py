"""The conformance kit (skillsim.testing): the built-in policies pass it, and a policy broken in
one way fails it with that check named (so the kit can fail)."""
from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from skillsim.policies import get_policy
from skillsim.policies.engine import cap_claims
from skillsim.simulate.cli import main
from skillsim.testing import Report, check_policy

BUILT_IN = ["beijing-2026-key-groups", "shanghai-2025-skills-upgrade", "beijing-2026-high-skill-training",
            "beijing-2019-skills-action", "beijing-2025-project-training-draft"]
BJ = "beijing-2026-key-groups"


@pytest.mark.parametrize("pid", BUILT_IN)
def test_built_in_policies_pass_the_kit(pid):
    report = check_policy(pid, max_examples=30)
    assert report.ok, f"\n{report}"
    names = {f.check for f in report.findings}
    assert {"structure: rules", "examples", "explain equals evaluate", "caps equal the in-order oracle",
            "determinism", "amounts within tables", "garbage gives contract errors", "messages in Chinese"} <= names
    assert not [f for f in report.findings if f.warning]        # every message translated (messages.zh.toml)
    level = next(f for f in report.findings if f.check == "level monotonicity")
    assert ("skipped" in level.message) == (pid not in ("beijing-2026-key-groups", "shanghai-2025-skills-upgrade"))


# ---------------------------------------------------------------- broken on purpose
def broken(changes: dict[str, Any], after=None):
    """The Beijing key-groups policy with some methods replaced (a subclass, so nothing else changes)."""
    base = type(get_policy(BJ))
    policy = type("Broken", (base,), changes)()
    if after:
        after(policy)
    return policy


def _derive_plus_one(self, lf, p):   # one yuan more than the table
    return type(self).__mro__[1].derive(self, lf, p).with_columns(pl.col("_base") + 1)


def _derive_counts_rows(self, lf, p):   # a claim's amount depends on the other claims of the frame
    return type(self).__mro__[1].derive(self, lf, p).with_columns(pl.col("_base") + 100 * (pl.len() - 1))


def _caps_by_row(self, results, p):   # turns down each person's first claim in row order
    return cap_claims(results, pl.int_range(pl.len()).over("person_id") == 0, "BJKG-L1")


def _explain_raises(self, claim, params=None):   # bad input that is no claim: a TypeError, not a ContractError
    if not isinstance(claim, dict):
        raise TypeError("not a dict")
    return type(self).__mro__[1].explain(self, claim, params)


def _no_level_check(self, p):   # drops the needs_info of a skill-level claim without its level
    return [c for c in type(self).__mro__[1].checks(self, p) if not (c.rule == "BJKG-A1" and c.status == "needs_info")]


def _level_falls(self, lf, p):   # level 1 pays less than level 5
    return type(self).__mro__[1].derive(self, lf, p).with_columns(
        pl.when(pl.col("cert_level") == 1).then(pl.lit(800)).otherwise(pl.col("_base")).alias("_base"))


def _drop_rule(policy):
    del policy.rules["BJKG-C2"]


BROKEN = {
    "a rule removed": ({}, _drop_rule, "structure: rules"),
    "an amount out of its table": ({"derive": _derive_plus_one}, None, "amounts within tables"),
    "a result that depends on the other rows": ({"derive": _derive_counts_rows}, None, "explain equals evaluate"),
    "caps by row order": ({"population_caps": _caps_by_row}, None, "determinism"),
    "caps that differ from the in-order reading": ({"population_caps": _caps_by_row}, None,
                                                    "caps equal the in-order oracle"),
    "a crash on bad input": ({"explain": _explain_raises}, None, "garbage gives contract errors"),
    "a null level paid as nothing": ({"checks": _no_level_check}, None, "nulls give needs_info or a reason"),
    "a higher level paying less": ({"derive": _level_falls, "level_monotone": True}, None, "level monotonicity"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_policy_fails_the_kit_with_the_check_named(case):
    changes, after, check = BROKEN[case]
    report = check_policy(broken(changes, after), max_examples=20)
    assert not report.ok
    failed = {f.check: f.message for f in report.failed}
    assert check in failed, f"\n{report}"
    assert failed[check].strip() and "\n" not in failed[check]


def test_a_policy_without_examples_is_told_to_add_them():
    report = check_policy(broken({"examples": lambda self: []}))
    assert [f.check for f in report.failed] == ["examples", "claims"]
    assert "examples.json" in report.failed[0].message


# ---------------------------------------------------------------- the command
def test_check_policy_command_exit_codes(capsys, monkeypatch):
    assert main(["check-policy", "beijing-2025-project-training-draft", "--max-examples", "5",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["policy_id"] == "beijing-2025-project-training-draft"
    assert all(f["ok"] for f in out["findings"])

    assert main(["check-policy", "no-such-policy"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "no-such-policy" in captured.err and len(captured.err.splitlines()) == 1

    import skillsim.policies
    monkeypatch.setattr(skillsim.policies, "get_policy", lambda pid: broken({"derive": _derive_plus_one}))
    assert main(["check-policy", BJ, "--max-examples", "5"]) == 1
    assert "FAIL  amounts within tables" in capsys.readouterr().out


def test_report_reads_as_a_table_and_as_json():
    report = Report("x")
    report.add("a", [], "fine")
    report.add("b", ["one", "two", "three", "four"], "")
    assert not report.ok and [f.check for f in report.failed] == ["b"]
    assert report.failed[0].message == "one; two; three (and 1 more)"
    assert "FAIL  b" in str(report) and json.loads(report.to_json())["findings"][0] == {
        "check": "a", "ok": True, "message": "fine"}
