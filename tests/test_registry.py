"""Policies are discovered through entry points: a third party adds one without editing skillsim."""
import sys
import textwrap

import pytest

from skillsim.policies import registry


def test_builtin_policies_are_registered():
    ids = registry.policy_ids()
    assert {"beijing-2026-key-groups", "shanghai-2025-skills-upgrade"} <= set(ids)
    for pid in ids:
        pol = registry.get_policy(pid)
        assert pol.id == pid and pol.meta.document and pol.meta.title and pol.rules


def test_unknown_policy():
    with pytest.raises(registry.UnknownPolicy, match="unknown policy 'atlantis'"):
        registry.get_policy("atlantis")


def test_third_party_policy_plugs_in(tmp_path, monkeypatch):
    """A package that only ships an entry point (and reuses a calculator) is found."""
    pkg = tmp_path / "thirdparty_city"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from skillsim.policies.beijing_2026_key_groups import BeijingKeyGroups2026
        from skillsim.policies.engine import PolicyMeta
        class Clone(BeijingKeyGroups2026):
            def __init__(self):
                super().__init__()
                import dataclasses
                self.meta = dataclasses.replace(self.meta, id="testcity-2030-clone", city="testcity")
                self.id = self.meta.id
        '''))
    dist = tmp_path / "thirdparty_city-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-city\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[skillsim.policies]\ntestcity-2030-clone = thirdparty_city:Clone\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._entry_points.cache_clear()
    registry.get_policy.cache_clear()
    try:
        assert "testcity-2030-clone" in registry.policy_ids()
        assert registry.get_policy("testcity-2030-clone").meta.city == "testcity"
    finally:
        sys.modules.pop("thirdparty_city", None)
        registry._entry_points.cache_clear()
        registry.get_policy.cache_clear()
