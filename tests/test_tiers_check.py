"""The conformance kit's "tiers" check: a policy's [tiers] declaration (policy.toml) must read
with the reader the dashboard's Tiers page uses (skillsim.policies.tiers), and every probe claim
it names must be a claim the policy pays under a rule the declaration lists; `skillsim
check-policy` says so, naming the key, or the value, level and variant of the probe."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from skillsim.policies import get_policy, policy_ids
from skillsim.simulate.cli import main
from skillsim.testing import Report
from skillsim.testing.kit import check_tiers, example_parameters

BJ = "beijing-2026-key-groups"
BASE = {"example": "base claim of the tests", "levels": [5, 4], "rules": ["BJKG-A1"]}
HEAD = f"{BJ}: policy.toml [tiers]: "


def with_tiers(raw):
    """The Beijing key-groups policy declaring ``raw`` as its [tiers] (a subclass: nothing else changes)."""
    return type("WithTiers", (type(get_policy(BJ)),), {"tier_probes": lambda self: raw})()


def tiers_finding(policy):
    report = Report(policy.id)
    p, problems = example_parameters(policy)
    assert not problems
    check_tiers(policy, p, report)
    [finding] = report.findings
    assert finding.check == "tiers" and finding.message.strip() and "\n" not in finding.message
    return finding


@pytest.mark.parametrize("pid", policy_ids())
def test_every_registered_policy_passes(pid):
    policy = get_policy(pid)
    finding = tiers_finding(policy)
    assert finding.ok, finding.message
    if policy.tier_probes() is None:
        assert finding.message == "no [tiers]: amounts not by level"
    else:
        assert "every one paid under the rules listed" in finding.message


def test_the_built_in_declarations_are_counted():
    assert {"beijing-2026-key-groups", "shanghai-2025-skills-upgrade", "beijing-2026-high-skill-training",
            "beijing-2019-skills-action", "beijing-2025-project-training-draft"} <= set(policy_ids())
    messages = {pid: tiers_finding(get_policy(pid)).message for pid in (BJ, "shanghai-2025-skills-upgrade",
                                                                        "beijing-2019-skills-action")}
    assert messages[BJ].startswith("12 probes (2 values of catalog_class × 6 levels)")
    assert messages["shanghai-2025-skills-upgrade"].startswith("54 probes (3 values of catalog_class × 6 levels × "
                                                               "3 variants)")
    assert messages["beijing-2019-skills-action"].startswith("5 probes (5 levels)")


def test_a_good_declaration_passes():
    finding = tiers_finding(with_tiers({**BASE, "field": "catalog_class", "values": ["A", "B"]}))
    assert finding.ok and finding.message.startswith("4 probes (2 values of catalog_class × 2 levels)")


@pytest.mark.parametrize("raw, says", [
    # the declaration does not read: the dashboard's one line, naming the key
    ({**BASE, "example": "nobody"}, HEAD + "example 'nobody' is not an example of examples.json"),
    ({**BASE, "example": ["nobody"]}, HEAD + "example ['nobody'] is not an example of examples.json"),
    ({**BASE, "level": [5]}, HEAD + "unknown key 'level'"),
    ({**BASE, "rules": ["BJKG-A1", "BJKG-Z9"]}, HEAD + "rules: 'BJKG-Z9' is not a rule of rules.toml"),
    ({**BASE, "rules": [["BJKG-A1"]]}, HEAD + "rules: ['BJKG-A1'] is not a rule of rules.toml"),
    ({**BASE, "levels": [5, 6]}, HEAD + "levels must be distinct levels"),
    ({**BASE, "variants": ["x"]}, HEAD + "variants must be tables"),
    # it reads, but a probe is no claim of the contract
    ({**BASE, "field": "catalog_class", "values": ["A", "Z"]},
     "[tiers] probe catalog_class = 'Z', level 5: catalog_class: 'Z' is not one of"),
    # a level the policy does not pay: an ungraded skill-level certificate
    ({**BASE, "levels": [5, "ungraded"], "ungraded": {"cert_kind": "skill_level"}},
     "[tiers] probe level ungraded: needs_info under BJKG-A1 (a skill-level certificate needs its cert_level"),
    # a variant the policy does not pay: no key group
    ({**BASE, "variants": {"now": {"label": "now", "claim": {}},
                           "no_group": {"label": "no group", "claim": {"registered_unemployed": False}}}},
     "[tiers] probe level 5, variant no_group: ineligible under BJKG-G1 (not in any of the 4 key groups"),
    # paid, but under a rule the declaration does not list
    ({**BASE, "rules": ["BJKG-A2"]}, "[tiers] probe level 5: paid under BJKG-A1, which [tiers] rules (BJKG-A2) "
                                     "does not list"),
])
def test_a_bad_declaration_fails_naming_what_is_wrong(raw, says):
    finding = tiers_finding(with_tiers(raw))
    assert not finding.ok
    assert says in finding.message, finding.message


def test_check_policy_reports_it(capsys, monkeypatch):
    """`skillsim check-policy` runs the check: exit 1, the one failed check named with the probe."""
    import skillsim.policies
    bad = with_tiers({**BASE, "levels": [5, 4, 3, 2, 1, "ungraded"], "ungraded": {"cert_kind": "skill_level"}})
    monkeypatch.setattr(skillsim.policies, "get_policy", lambda pid: bad)
    assert main(["check-policy", BJ, "--max-examples", "5", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    failed = [f for f in out["findings"] if not f["ok"]]
    assert [f["check"] for f in failed] == ["tiers"]
    assert failed[0]["message"].startswith("[tiers] probe level ungraded: needs_info under BJKG-A1")


def test_the_reader_needs_no_dashboard():
    code = ("import sys, skillsim.policies.tiers; "
            "print(sorted(m for m in sys.modules if m.startswith(('streamlit', 'skillsim.dashboard', "
            "'skillsim.simulate'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
