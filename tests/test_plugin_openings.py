"""The core's openings for policies from outside: rule ids of any prefix (each policy's own),
declarations read without importing a plug-in, declared claim fields and jurisdictions in
the one contract, and a plug-in that fails to load breaking nothing else.

The plug-ins here are made in a temporary folder (prefix TCX, city "testcity"); none is a
real policy."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from skillsim.policies import BrokenPolicy, PolicyError, get_policy, registry
from skillsim.policies.claim_schema import FIELDS, accept_declared
from skillsim.policies.engine import Policy, PolicyMeta
from skillsim.policies.parameters import RULE_ID
from skillsim.policies.plugins import GROUP, PluginWarning, read_all

BJ_FOLDER = Path(get_policy("beijing-2026-key-groups").folder)


# ---------------------------------------------------------------- a. rule ids: PREFIX-ID, the policy's own
@pytest.mark.parametrize("rid", ["TCX-S1", "AB-1", "HZ2027-L2", "ABCDEFGH-10", "TCX-K"])
def test_a_rule_id_of_any_prefix_is_a_rule_id(rid):
    assert RULE_ID.match(rid)


@pytest.mark.parametrize("rid", ["A1", "bjkg-A1", "B-A1", "TOOLONGPREFIX-A1", "BJKG-", "BJKG-a1", "1BJ-A1"])
def test_what_is_not_a_rule_id(rid):
    assert not RULE_ID.match(rid)


def _policy_in(tmp_path: Path, prefix: str) -> type[Policy]:
    folder = tmp_path / "pol"
    shutil.copytree(BJ_FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    meta = folder / "policy.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('rule_prefix = "BJKG"', f'rule_prefix = "{prefix}"'),
                    encoding="utf-8")
    return type("Copy", (Policy,), {"folder": folder})


def test_a_policy_whose_rules_lack_its_prefix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"rule BJKG-\w+ of rules.toml lacks the policy's prefix BJKX-"):
        _policy_in(tmp_path, "BJKX")()


def test_a_parameter_citing_another_prefix_is_refused(tmp_path):
    cls = _policy_in(tmp_path, "BJKG")
    params = cls.folder / "parameters.toml"
    params.write_text(re.sub(r'rule = "BJKG-(\w+)"', r'rule = "SHSU-\1"', params.read_text(encoding="utf-8"), 1),
                      encoding="utf-8")
    with pytest.raises(ValueError, match=r"parameter notice_effective cites SHSU-\w+, not a rule of prefix BJKG-"):
        cls()


def test_the_prefix_itself_is_checked(tmp_path):
    with pytest.raises(ValueError, match="rule_prefix 'bjkg' is not"):
        PolicyMeta.load(_policy_in(tmp_path, "bjkg").folder / "policy.toml")


def test_every_builtin_policy_declares_its_prefix():
    for pid in registry.policy_ids():
        pol = get_policy(pid)
        assert all(rid.startswith(pol.meta.rule_prefix + "-") for rid in pol.rules)


# ---------------------------------------------------------------- b. declarations, read without importing
POLICY_TOML = 'id = "{id}"\ncity = "{city}"\nrule_prefix = "TCX"\n'
FIELDS_TOML = textwrap.dedent('''
    [on_benefit]
    kind = "bool"
    nullable = true
    rule = "TCX-S1"
    meaning = "draws unemployment benefit"

    [grade]
    kind = "enum"
    choices = ["x", "y"]
    default = "x"
    rule = "TCX-A1"
    meaning = "a grade"
''')


def _package(root: Path, module: str, policy_id: str, *, city: str = "testcity", fields: str | None = FIELDS_TOML,
             code: str = 'raise RuntimeError("the plug-in\'s code was run")\n') -> EntryPoint:
    pkg = root / module
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(code, encoding="utf-8")
    (pkg / "policy.toml").write_text(POLICY_TOML.format(id=policy_id, city=city), encoding="utf-8")
    if fields is not None:
        (pkg / "claim_fields.toml").write_text(fields, encoding="utf-8")
    return EntryPoint(policy_id, f"{module}:Pol", GROUP)


def test_declarations_are_read_without_running_the_plugins_code(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = _package(tmp_path, "tcx_reads", "testcity-2030-a")
    found, refused = read_all([ep])
    assert refused == {} and "tcx_reads" not in sys.modules
    d = found["testcity-2030-a"]
    assert (d.city, d.rule_prefix) == ("testcity", "TCX")
    assert {f.name: (f.kind, f.nullable, f.default) for f in d.fields} == {
        "on_benefit": ("bool", True, None), "grade": ("enum", False, "x")}


@pytest.mark.parametrize("fields, reason", [
    ('[on_benefit]\nkind = "float"\nrule = "TCX-S1"\nmeaning = "m"\n', "kind 'float' is not one of"),
    ('[on_benefit]\nkind = "bool"\nrule = "OTHER-S1"\nmeaning = "m"\n', "rule 'OTHER-S1' is not a rule id of prefix TCX-"),
    ('[on_benefit]\nkind = "bool"\nrule = "TCX-S1"\n', "meaning is missing"),
    ('[n]\nkind = "int"\nrule = "TCX-S1"\nmeaning = "m"\n', "bounds = .low, high. go with kind int"),
    ('[n]\nkind = "int"\nbounds = [0, 5]\ndefault = 9\nrule = "TCX-S1"\nmeaning = "m"\n', "default 9 is not a valid"),
    ('[e]\nkind = "enum"\nrule = "TCX-S1"\nmeaning = "m"\nnullable = true\n', "choices"),
    ('[Bad-Name]\nkind = "bool"\nrule = "TCX-S1"\nmeaning = "m"\n', "lower-case letters"),
    ('[on_benefit]\nkind = "bool"\nrule = "TCX-S1"\nmeaning = "m"\ncolour = 1\n', "unknown key 'colour'"),
    ('[on_benefit\n', "claim_fields.toml: "),
    ('[on_benefit]\nkind = "bool"\nrule = "TCX-S1"\nmeaning = "m"\nlabel = { zh = "领取" }\n', "label is"),
    ('[on_benefit]\nkind = "bool"\nrule = "TCX-S1"\nmeaning = "m"\nlabel = "on benefit"\n', "label is"),
])
def test_a_plugin_whose_declarations_cannot_be_read_is_one_warning_and_left_out(tmp_path, monkeypatch, fields, reason):
    monkeypatch.syspath_prepend(str(tmp_path))
    good = _package(tmp_path, "tcx_good", "testcity-2030-good", fields=None)
    bad = _package(tmp_path, "tcx_bad", "testcity-2030-bad", fields=fields)
    with pytest.warns(PluginWarning) as caught:
        found, refused = read_all([bad, good])
    assert list(found) == ["testcity-2030-good"] and list(refused) == ["testcity-2030-bad"]
    assert len(caught) == 1
    line = str(caught[0].message)
    assert "\n" not in line and "'testcity-2030-bad' is left out" in line
    assert re.search(reason, line), line


def test_a_plugin_whose_module_or_metadata_is_missing_is_left_out(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = _package(tmp_path, "tcx_other_id", "testcity-2030-x")
    (tmp_path / "tcx_other_id" / "policy.toml").write_text(POLICY_TOML.format(id="other", city="testcity"))
    with pytest.warns(PluginWarning, match="module 'no_such_module_tcx' cannot be found"):
        _, refused = read_all([EntryPoint("testcity-2030-gone", "no_such_module_tcx:Pol", GROUP)])
    assert list(refused) == ["testcity-2030-gone"]
    with pytest.warns(PluginWarning, match="id 'other' is not the entry point's name"):
        assert read_all([ep])[0] == {}


# ---------------------------------------------------------------- c. declared fields in the contract
def _decls(tmp_path, monkeypatch, *specs):
    monkeypatch.syspath_prepend(str(tmp_path))
    return read_all([_package(tmp_path, f"tcx_{i}", pid, fields=f) for i, (pid, f) in enumerate(specs)])[0]


def test_declared_fields_join_the_contract_in_their_own_group(tmp_path, monkeypatch):
    fields, refused = accept_declared(FIELDS, _decls(tmp_path, monkeypatch, ("testcity-2030-a", FIELDS_TOML)))
    assert refused == {}
    assert {f.name: (f.kind, f.nullable, f.default, f.group) for f in fields} == {
        "on_benefit": ("bool", True, None, "declared by testcity-2030-a"),
        "grade": ("enum", False, "x", "declared by testcity-2030-a")}


def test_a_declared_field_s_label_reaches_the_contract(tmp_path, monkeypatch):
    labelled = FIELDS_TOML.replace('meaning = "a grade"', 'meaning = "a grade"\nlabel = { zh = "等级", en = "Grade" }')
    fields, _ = accept_declared(FIELDS, _decls(tmp_path, monkeypatch, ("testcity-2030-a", labelled)))
    assert {f.name: f.label for f in fields} == {"on_benefit": None, "grade": ("等级", "Grade")}


def test_a_field_clashing_with_the_core_refuses_that_plugin(tmp_path, monkeypatch):
    clash = '[age]\nkind = "int"\nbounds = [0, 9]\nrule = "TCX-S1"\nmeaning = "m"\n'
    fields, refused = accept_declared(FIELDS, _decls(tmp_path, monkeypatch, ("testcity-2030-a", FIELDS_TOML),
                                                     ("testcity-2030-b", clash)))
    assert refused == {"testcity-2030-b": "claim field 'age' is a core field of the contract"}
    assert [f.name for f in fields] == ["on_benefit", "grade"]


def test_two_plugins_share_a_field_only_if_they_define_it_alike(tmp_path, monkeypatch):
    same = '[on_benefit]\nkind = "bool"\nnullable = true\nrule = "TCX-L1"\nmeaning = "other words"\n'
    other = '[on_benefit]\nkind = "bool"\nrule = "TCX-L1"\nmeaning = "m"\n'   # not nullable
    decls = _decls(tmp_path, monkeypatch, ("testcity-2030-a", FIELDS_TOML), ("testcity-2030-b", same),
                   ("testcity-2030-c", other))
    fields, refused = accept_declared(FIELDS, decls)
    assert list(refused) == ["testcity-2030-c"] and "declared differently by testcity-2030-a" in refused["testcity-2030-c"]
    assert [f.name for f in fields] == ["on_benefit", "grade"]


CONTRACT_SCRIPT = r"""
import json, warnings
warnings.simplefilter("always")
from skillsim.policies import claim_schema, contract, registry, ContractError
out = {"cities": list(claim_schema.CITIES), "declared": [f.name for f in claim_schema.DECLARED_FIELDS],
       "groups": [g for g in claim_schema.GROUPS if g.startswith("declared")],
       "ids": registry.policy_ids(), "broken": registry.broken_policies()}
base = {"person_id": "p", "hukou": "testcity", "age": 30, "sex": "male", "employment": "employed",
        "cert_kind": "skill_level", "cert_issue_date": "2026-03-01", "cert_issuer_city": "testcity",
        "application_date": "2026-03-02"}
out["defaults"] = {k: contract.validate_claim(base)[k] for k in ("on_benefit", "grade")}
for bad in ({**base, "on_benefit": "yes"}, {**base, "grade": "z"}, {**base, "hukou": "clashcity"}):
    try:
        contract.validate_claim(bad)
        out.setdefault("errors", []).append(None)
    except ContractError as e:
        out.setdefault("errors", []).append(str(e))
frame = contract.claims_frame([{**base, "on_benefit": True}])
try:
    contract.validate_frame(frame.with_columns(frame["grade"].replace("x", "z")))
except ContractError as e:
    out["frame_error"] = str(e)
out["schema_has"] = "on_benefit" in claim_schema.json_schema()["properties"]
out["doc_has"] = all(s in claim_schema.field_tables() for s in ("**Declared by testcity-2030-a**", "| on_benefit | bool or null |"))
print(json.dumps(out))
"""


def test_end_to_end_a_registered_plugin_extends_cities_and_fields_and_a_broken_one_breaks_nothing(tmp_path):
    """In a fresh interpreter with two plug-ins on the path: one whose code raises on import
    (its declarations still count; the registry marks it broken) and one whose field clashes
    with the core (left out entirely: no city, no field)."""
    _package(tmp_path, "tcx_a", "testcity-2030-a")
    _package(tmp_path, "tcx_b", "clashcity-2030-b", city="clashcity",
             fields='[age]\nkind = "int"\nbounds = [0, 9]\nrule = "TCX-S1"\nmeaning = "m"\n')
    dist = tmp_path / "tcx_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tcx-plugins\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\ntestcity-2030-a = tcx_a:Pol\nclashcity-2030-b = tcx_b:Pol\n")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", CONTRACT_SCRIPT], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert "testcity" in out["cities"] and "clashcity" not in out["cities"] and out["cities"][-1] == "other"
    assert out["cities"][:-1] == sorted(out["cities"][:-1])
    # (other installed plug-ins may declare fields of their own)
    assert {"on_benefit", "grade"} <= set(out["declared"]) and "declared by testcity-2030-a" in out["groups"]
    assert out["defaults"] == {"on_benefit": None, "grade": "x"}
    assert out["errors"] == ["on_benefit: 'yes' is not true or false", "grade: 'z' is not one of x, y",
                             "hukou: 'clashcity' is not one of " + ", ".join(out["cities"])]
    assert out["frame_error"] == "grade: 'z' is not one of x, y (row 0)"
    assert out["schema_has"] and out["doc_has"]
    assert "beijing-2026-key-groups" in out["ids"] and "testcity-2030-a" not in out["ids"]
    assert out["broken"] == {"clashcity-2030-b": "claim field 'age' is a core field of the contract",
                             "testcity-2030-a": "RuntimeError: the plug-in's code was run"}
    # one line each, nothing else on stderr
    assert sorted(run.stderr.splitlines()) == [
        "skillsim:0: PluginWarning: policy 'clashcity-2030-b' is left out: claim field 'age' is a core field "
        "of the contract",
        "skillsim:0: PluginWarning: policy 'testcity-2030-a' is left out: RuntimeError: the plug-in's code was run"]


# ---------------------------------------------------------------- d. load isolation in the registry
@pytest.fixture
def entry_points(tmp_path, monkeypatch):
    """The registry's entry points replaced: the built-in ones plus those a test adds."""
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = dict(registry._entry_points())
    monkeypatch.setattr(registry, "_entry_points", lambda: eps)
    registry.get_policy.cache_clear()
    yield eps
    registry.get_policy.cache_clear()
    registry._load.cache_clear()


BROKEN_CODE = {
    "import": ("import no_such_dependency_tcx\n", "ModuleNotFoundError: No module named 'no_such_dependency_tcx'"),
    "construct": ("from skillsim.policies import Policy\nclass Pol(Policy):\n    def __init__(self):\n"
                  "        raise KeyError('catalog.csv')\n", "KeyError: 'catalog.csv'"),
    "not a policy": ("Pol = 42\n", "TypeError: tcx_not_a_policy:Pol is not a Policy subclass"),
}


@pytest.mark.parametrize("how", list(BROKEN_CODE))
def test_a_plugin_that_fails_to_load_is_one_warning_and_the_others_are_served(tmp_path, entry_points, how):
    code, reason = BROKEN_CODE[how]
    module = "tcx_" + how.replace(" ", "_")
    entry_points["testcity-2030-broken"] = _package(tmp_path, module, "testcity-2030-broken", code=code)
    with pytest.warns(PluginWarning) as caught:
        ids = registry.policy_ids()
    assert [str(w.message) for w in caught] == [f"policy 'testcity-2030-broken' is left out: {reason}"]
    assert "testcity-2030-broken" not in ids and "beijing-2026-key-groups" in ids
    assert [p.id for p in registry.all_policies()] == ids
    assert registry.broken_policies() == {"testcity-2030-broken": reason}
    with pytest.raises(BrokenPolicy, match=f"policy 'testcity-2030-broken' cannot be used: {reason}") as exc:
        registry.get_policy("testcity-2030-broken")
    assert isinstance(exc.value, PolicyError)   # the CLI's exit 2


def test_an_entry_point_that_loads_another_id_is_broken(entry_points):
    entry_points["testcity-2030-alias"] = EntryPoint(
        "testcity-2030-alias", "skillsim.policies.beijing_2026_key_groups:BeijingKeyGroups2026", GROUP)
    with pytest.warns(PluginWarning, match="loads policy 'beijing-2026-key-groups'"):
        assert "testcity-2030-alias" in registry.broken_policies()
    assert get_policy("beijing-2026-key-groups").id == "beijing-2026-key-groups"


def test_skillsim_policies_marks_a_broken_plugin_and_lists_the_others(tmp_path, entry_points, capsys):
    import json

    from skillsim.simulate.cli import main
    code, reason = BROKEN_CODE["construct"]
    entry_points["testcity-2030-broken"] = _package(tmp_path, "tcx_listed", "testcity-2030-broken", code=code)
    with pytest.warns(PluginWarning):
        assert main(["policies", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["testcity-2030-broken"]["status"] == "broken" and rows["testcity-2030-broken"]["title"] == reason
    assert rows["beijing-2026-key-groups"]["status"] == "in force"
