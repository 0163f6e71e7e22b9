"""Every rule id cited anywhere in the project exists, and no file leans on the shared folder
that sat beside the checkout during development (written below without its literal path):
the texts and notes a user needs are in the repository."""
from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given, strategies as st

from skillsim.policies import all_policies
from skillsim.simulate.rules_doc import CITED_ID, ROOT, SUFFIXES

SCANNED = ("policies", "simulate", "dashboard", "scenarios", "docs", "examples", "tests")
KNOWN = {rid for p in all_policies() for rid in p.rules}

# Ids that are not rules, cited on purpose by the tests named (and listed here).
NOT_RULES = {
    "BJSA-12": {"tests/test_calibration.py"},  # a 2019 plan line that does not exist: refused
    "BJKG-Z9": {"tests/test_rule_docs.py", "tests/test_dashboard.py", "tests/test_tiers_check.py"},  # not a rule: refused
    # a plug-in's rules as docs/plugin-interface.md writes them, for a policy that is not here
    **{rid: {"docs/plugin-interface.md"} for rid in ("MY27-A1", "MY27-S1", "MY27-V1")},
}
THIS = "tests/test_rule_ids.py"


def _files():
    for d in SCANNED:
        for path in sorted((ROOT / d).rglob("*")):
            rel = path.relative_to(ROOT)
            if path.suffix in SUFFIXES and path.is_file() and not any(
                    p.startswith(".") or p == "__pycache__" for p in rel.parts):
                yield path
    yield ROOT / "README.md"


def test_every_cited_rule_id_exists():
    unknown = {}
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        for rid in CITED_ID.findall(path.read_text(encoding="utf-8", errors="replace")):
            if rid not in KNOWN and rel not in NOT_RULES.get(rid, set()) | {THIS}:
                unknown.setdefault(rid, set()).add(rel)
    assert not unknown, "rule ids that no rules.toml defines: " + "; ".join(
        f"{rid} in {', '.join(sorted(files))}" for rid, files in sorted(unknown.items()))


@given(rid=st.sampled_from(sorted(KNOWN)),
       before=st.text(alphabet=" (,;:“\"'`/\n申请BJ", max_size=5).filter(lambda s: not s.endswith(("B", "J"))),
       after=st.text(alphabet=" ),;:.”\"'`/\n申请", max_size=5))
def test_an_id_is_found_whole_wherever_it_is_cited(rid, before, after):
    assert CITED_ID.findall(f"{before}{rid}{after}") == [rid]


@pytest.mark.parametrize("text", ["YYYY-MM-DD", "UTF-8", "RULE-ID", "SHA-256", "BJSA_4", "bjkg-c2"])
def test_words_that_are_not_ids_are_not_read_as_ids(text):
    assert CITED_ID.findall(text) == []


# ---- no file refers to the shared folder ----------------------------------------------------
SHARED = re.compile(r"(\.\.|/work)/share[d]")  # [d]: so that this line does not match itself
def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [f for f in out.splitlines() if not f.startswith(".ci/")]


def _referring(paths) -> list[str]:
    found = []
    for rel in paths:
        path = ROOT / rel
        if path.is_file():
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if SHARED.search(line):
                    found.append(f"{rel}:{n}")
    return found


def test_no_file_refers_to_shared():
    found = _referring(_tracked())
    assert not found, f"files that refer to the shared folder (bring what they cite into the project): {found}"


def test_every_rule_has_a_title_in_chinese():
    """The dashboard shows a rule's title in the chosen language (rules.toml's title_zh)."""
    missing = [rid for p in all_policies() for rid, rule in p.rules.items() if not rule.title_zh]
    assert not missing, missing
    rule = next(iter(all_policies()[0].rules.values()))
    assert (rule.title_in("zh"), rule.title_in("en")) == (rule.title_zh, rule.title)


def test_a_title_zh_that_is_not_text_is_refused(tmp_path):
    from skillsim.policies.rulebook import load_rules
    path = tmp_path / "rules.toml"
    path.write_text('["AB-A1"]\nclause = "一"\ntitle = "A"\ntitle_zh = " "\nsummary = "s"\ntext = "t"\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match="AB-A1: title_zh is not a line of text"):
        load_rules(path)
