"""The plug-in interface (issue 13, item 1): ``skillsim.plugin`` is all a plug-in imports.

Every .py of plugins/*/ (its code and its tests) imports skillsim only through
``skillsim.plugin`` and ``skillsim.testing`` (a plug-in's tests may also ``import skillsim``, the
documented Python API: skillsim.run, skillsim.list_scenarios …); a Policy subclass without a required hook is
refused by name; every hook a policy may override says what it is for and its default; and
docs/plugin-interface.md names every hook and every name the module exports, its Python
blocks parse and import only the interface.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import skillsim.plugin as plugin
from skillsim.plugin import REQUIRED_HOOKS, Policy, PolicyError, get_policy
from skillsim.policies import registry
from skillsim.policies.plugins import PluginWarning

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
DOC = ROOT / "docs" / "plugin-interface.md"
ALLOWED = ("skillsim.plugin", "skillsim.testing")
# the hooks a policy may override, each with a default (Policy's docstrings, the doc's table)
MAY_HOOKS = ("category", "tier", "payee", "population_caps", "as_prior", "missing_parameters", "examples",
             "class_maps", "catalog", "known_codes", "cohort_lines")


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


def skillsim_imports(source: str, facade: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every import of skillsim outside the plug-in interface (``facade``:
    ``import skillsim`` itself, the public API, is allowed too: a plug-in's tests)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.split(".")[0] == "skillsim" and not _allowed(a.name)
                      and not (facade and a.name == "skillsim" and a.asname is None)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "skillsim":   # from skillsim import plugin: the submodule it names
                found += [(node.lineno, f"skillsim.{a.name}") for a in node.names if not _allowed(f"skillsim.{a.name}")]
            elif node.module.split(".")[0] == "skillsim" and not _allowed(node.module):
                found.append((node.lineno, node.module))
    return found


def plugin_sources() -> list[Path]:
    skip = {"build", ".venv", "__pycache__"}
    return sorted(f for f in PLUGINS.glob("*/**/*.py")
                  if not skip & set(f.relative_to(PLUGINS).parts) and ".egg-info" not in str(f))


@pytest.mark.parametrize("code, bad", [
    ("from skillsim.plugin import Policy, fmt", []),
    ("import skillsim.plugin as sp\nfrom skillsim.testing.checks import MIN_PAID", []),
    ("from skillsim.testing import assert_conforms\nfrom skillsim import plugin", []),
    ("from skillsim.policies import Check", ["skillsim.policies"]),
    ("from skillsim.policies.caps import in_order", ["skillsim.policies.caps"]),
    ("import skillsim.policies.engine as e", ["skillsim.policies.engine"]),
    ("import skillsim", ["skillsim"]),
    ("from skillsim import policies, plugin", ["skillsim.policies"]),
    ("def f():\n    from skillsim.simulate import runner", ["skillsim.simulate"]),
    ("import skillsimx\nfrom . import sibling\nimport polars", []),
])
def test_the_import_scan_tells_the_interface_from_the_core(code, bad):
    assert [m for _, m in skillsim_imports(code)] == bad
    assert [m for _, m in skillsim_imports("import skillsim\nimport skillsim.simulate", facade=True)] == \
        ["skillsim.simulate"]   # a plug-in's tests: the public API, not the core behind it


def test_plugins_hold_policy_packages_and_their_tests():
    files = plugin_sources()
    packages = [f for f in files if f.name == "__init__.py" and (f.parent / "policy.toml").is_file()]
    assert packages and any("tests" in f.relative_to(PLUGINS).parts for f in files)   # their code and their tests
    for f in packages:   # each policy package is built on the interface
        tree = ast.parse(f.read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.ImportFrom) and n.module == "skillsim.plugin" for n in ast.walk(tree)), f


@pytest.mark.parametrize("path", plugin_sources(), ids=lambda f: str(f.relative_to(PLUGINS)))
def test_a_plugin_imports_skillsim_only_through_the_interface(path):
    tests = "tests" in path.relative_to(PLUGINS).parts
    offenders = [f"line {line}: {module}"
                 for line, module in skillsim_imports(path.read_text(encoding="utf-8"), facade=tests)]
    assert not offenders, (f"{path.relative_to(ROOT)} imports skillsim beyond skillsim.plugin / skillsim.testing: "
                           + "; ".join(offenders))


def test_the_interface_exports_what_plugins_use():
    assert set(plugin.__all__) <= set(dir(plugin))
    # the helpers the built-in policies import from the core are all there
    for name in ("Policy", "ParameterSet", "Check", "Note", "ClassMaps", "PolicyError", "fmt", "col_in", "prior",
                 "by_distinct", "in_order", "cap_total", "cap_claims", "settle", "LEVEL_NAMES", "apply_pct",
                 "pct_text", "load_catalog", "claims_frame", "validate_claim", "result_dict"):
        assert name in plugin.__all__, name


def _half_policy(**hooks):
    """A Policy subclass over Beijing's data files defining only ``hooks``."""
    folder = Path(type(get_policy("beijing-2026-key-groups")).folder)
    return type("Half", (Policy,), {"folder": folder, **hooks})


def test_a_policy_without_a_required_hook_is_refused_naming_it():
    defined = {h: getattr(type(get_policy("beijing-2026-key-groups")), h) for h in REQUIRED_HOOKS}
    cls = _half_policy(**{h: f for h, f in defined.items() if h not in ("checks", "amount_rule")})
    with pytest.raises(PolicyError, match=r"Half must define checks, amount_rule \(docs/plugin-interface.md\)"):
        cls()
    assert _half_policy(**defined)().id == "beijing-2026-key-groups"   # with all of them it constructs


def test_a_registered_plugin_without_a_required_hook_is_one_warning_line(monkeypatch, tmp_path):
    from importlib.metadata import EntryPoint
    eps = dict(registry._entry_points())
    monkeypatch.setattr(registry, "_entry_points", lambda: eps)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "tcx_half.py").write_text(
        "from skillsim.plugin import Policy\n"
        "from skillsim.policies.beijing_2026_key_groups import BeijingKeyGroups2026 as B\n"
        "class Half(Policy):\n    folder = B.folder\n    derive, notes, funding = B.derive, B.notes, B.funding\n",
        encoding="utf-8")
    eps["testcity-2030-half"] = EntryPoint("testcity-2030-half", "tcx_half:Half", "skillsim.policies")
    registry.get_policy.cache_clear()
    try:
        with pytest.warns(PluginWarning) as caught:
            broken = registry.broken_policies()
        assert broken == {"testcity-2030-half": "PolicyError: beijing-2026-key-groups: Half must define checks, "
                                                "amount_rule, payment_month (docs/plugin-interface.md)"}
        assert [str(w.message) for w in caught] == [f"policy 'testcity-2030-half' is left out: "
                                                    f"{broken['testcity-2030-half']}"]
        assert "testcity-2030-half" not in registry.policy_ids() and "beijing-2026-key-groups" in registry.policy_ids()
    finally:
        registry.get_policy.cache_clear()
        registry._load.cache_clear()


@pytest.mark.parametrize("hook", MAY_HOOKS)
def test_every_optional_hook_says_what_it_is_for_and_its_default(hook):
    attr = Policy.__dict__[hook]
    doc = (getattr(attr, "func", attr).__doc__ or "")
    assert re.search(r"\bDefault\b|\bdefault\b", doc), f"Policy.{hook}'s docstring names no default"
    assert re.search(r"[a-z]+-\d{4}-[a-z-]+|Every (built-in )?policy", doc), f"Policy.{hook} names no built-in user"


def test_required_hooks_are_what_the_base_leaves_undefined():
    for hook in REQUIRED_HOOKS:
        assert "Required." in (getattr(Policy, hook).__doc__ or ""), hook


def test_the_doc_names_every_hook_and_every_export():
    text = DOC.read_text(encoding="utf-8")
    for name in (*REQUIRED_HOOKS, *MAY_HOOKS, "cap_groups", "level_monotone", "second_payments", "tier_probes",
                 *plugin.__all__):
        assert f"`{name}" in text, f"docs/plugin-interface.md does not name {name}"


def test_the_docs_python_blocks_parse_and_use_only_the_interface():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        assert skillsim_imports(block) == [] and "skillsim.plugin" in block
