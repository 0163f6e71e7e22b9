"""The law beside the code: each policy's official text travels with it, each rule's passage
is in that text, and docs/rules/ (simulate/rules_doc.py) is current."""
from __future__ import annotations

import json
import re
import shutil
import unicodedata

import pytest

from skillsim.policies import get_policy
from skillsim.policies.engine import PolicyMeta
from skillsim.simulate import rules_doc
from skillsim.simulate.cli import main

BJ = "beijing-2026-key-groups"
IN_TREE = [p.id for p in rules_doc.in_tree_policies()]


def test_rule_pages_are_current():
    behind = rules_doc.stale()
    assert not behind, f"docs/rules/ is stale ({', '.join(behind)}): run `{rules_doc.REGENERATE}` and commit"


def test_stale_pages_are_found_and_rewritten(tmp_path):
    assert set(rules_doc.write(tmp_path)) == {f"{pid}.md" for pid in IN_TREE} | {"README.md"}
    assert rules_doc.stale(tmp_path) == []
    page = tmp_path / f"{BJ}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("BJKG-C2 · ", "BJKG-C2 ~ "), encoding="utf-8")
    (tmp_path / "gone-policy.md").write_text("# a policy no longer registered\n", encoding="utf-8")
    (tmp_path / "README.md").unlink()
    assert rules_doc.stale(tmp_path) == ["README.md", f"{BJ}.md", "gone-policy.md"]
    rules_doc.write(tmp_path)
    assert rules_doc.stale(tmp_path) == [] and not (tmp_path / "gone-policy.md").exists()


def _plain(text: str) -> str:
    """Text as converted from PDF or HTML compares equal whatever its line breaks,
    full- or half-width punctuation, or the <…> around a link."""
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("policy_id", IN_TREE)
def test_each_rule_quotes_its_official_text_verbatim(policy_id):
    policy = get_policy(policy_id)
    body = _plain((policy.folder / policy.meta.source_file).read_text(encoding="utf-8"))
    missing = [f"{rid}: {part.strip()[:40]}…" for rid, rule in policy.rules.items()
               for part in rule.text.split("……") if _plain(part) not in body]
    assert not missing, f"{policy_id}: passages not in {policy.meta.source_file}: {missing}"


@pytest.mark.parametrize("policy_id", IN_TREE)
def test_each_official_text_opens_with_its_source(policy_id):
    policy = get_policy(policy_id)
    first = (policy.folder / policy.meta.source_file).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("[Source: ") and first.endswith("]")
    assert _plain(policy.meta.title) in _plain(first)
    if "〔" in policy.meta.document:  # a numbered document: its number too
        assert policy.meta.document in first


def test_a_policy_without_its_text_is_refused(tmp_path):
    folder = get_policy(BJ).folder
    shutil.copy(folder / "policy.toml", tmp_path / "policy.toml")
    with pytest.raises(ValueError, match="source_file 'text.txt'"):
        PolicyMeta.load(tmp_path / "policy.toml")
    (tmp_path / "text.txt").write_text("[Source: …]\n", encoding="utf-8")
    assert PolicyMeta.load(tmp_path / "policy.toml").source_file == "text.txt"


@pytest.mark.parametrize("policy_id", IN_TREE)
def test_every_parameter_is_shown_under_its_rule(policy_id):
    policy = get_policy(policy_id)
    shown = {(v.id, p.name) for v in rules_doc.rule_views(policy) for p in v.parameters}
    assert shown == {(policy.parameters.meta(n).rule, n) for n in policy.parameters}


def test_citations_read_whole_ids_and_skip_the_pages(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "a.toml").write_text('source = "BJSA-10, SHSU-M; not YYYY-MM"\n', encoding="utf-8")
    (tmp_path / "docs" / "rules").mkdir(parents=True)
    (tmp_path / "docs" / "rules" / "x.md").write_text("BJKG-A1\n", encoding="utf-8")
    (tmp_path / "docs" / "a.md").write_text("BJKG-A1\n", encoding="utf-8")
    (tmp_path / "policies" / ".hidden").mkdir(parents=True)
    (tmp_path / "policies" / ".hidden" / "b.py").write_text("'BJKG-A2'\n", encoding="utf-8")
    assert rules_doc.citations(tmp_path) == {"BJSA-10": {"scenarios/a.toml"}, "SHSU-M": {"scenarios/a.toml"},
                                             "BJKG-A1": {"docs/a.md"}}


def test_tests_are_found_by_source_name_and_short_code(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_beijing_2026_key_groups.py").write_text('''
import pytest

def test_G1_short_code_of_this_policy():
    pass

@pytest.mark.parametrize("rule", ["BJKG-C2"])
def test_id_in_a_decorator(rule):
    pass

def test_BJSA_10_in_the_name():
    pass

class TestGroup:
    def test_method(self):
        assert "SHSU-R5"

def helper():
    return "BJKG-A2"
''', encoding="utf-8")
    named = rules_doc.tests_naming(tmp_path, [get_policy(BJ)])
    f = "tests/test_beijing_2026_key_groups.py"
    assert named == {"BJKG-G1": [f"{f}::test_G1_short_code_of_this_policy"],
                     "BJKG-C2": [f"{f}::test_id_in_a_decorator"],
                     "BJSA-10": [f"{f}::test_BJSA_10_in_the_name"],
                     "SHSU-R5": [f"{f}::TestGroup::test_method"]}


# ---- skillsim rules ----------------------------------------------------------------------------
def test_cli_rules_json_is_the_rule_beside_its_parameters_code_and_tests(capsys):
    assert main(["rules", "--policy", BJ, "--rule", "BJKG-C2", "--format", "json"]) == 0
    (view,) = json.loads(capsys.readouterr().out)
    assert (view["id"], view["clause"]) == ("BJKG-C2", "一(三)")
    assert "2025年4月1日至2027年12月31日" in view["text"]
    assert {"name": "issue_window_start", "value": "2025-04-01", "unit": "date"} in view["parameters"]
    assert "policies/beijing_2026_key_groups/__init__.py" in view["cited_in"]
    assert "policies/beijing_2026_key_groups/rules.toml" not in view["cited_in"]
    assert "tests/test_beijing_2026_key_groups.py::test_C2_issue_window_boundaries" in view["tests"]


def test_cli_rules_markdown_is_the_page_section(capsys):
    assert main(["rules", "--policy", BJ, "--rule", "BJKG-L3", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('## <a id="BJKG-L3"></a>BJKG-L3')
    assert out in (rules_doc.ROOT / "docs" / "rules" / f"{BJ}.md").read_text(encoding="utf-8")


def test_cli_rules_table_shows_every_rule_of_the_policy(capsys):
    assert main(["rules", "--policy", BJ]) == 0
    out = capsys.readouterr().out
    assert all(rid in out for rid in get_policy(BJ).rules)


@pytest.mark.parametrize("argv, field", [
    (["rules", "--policy", BJ, "--rule", "BJKG-Z9"], "--rule"),
    (["rules", "--policy", BJ, "--rule", "SHSU-R5"], "--rule"),
    (["rules", "--policy", "no-such-policy"], "--policy"),
])
def test_cli_rules_bad_input_is_one_line_exit_2(capsys, argv, field):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and field in captured.err
