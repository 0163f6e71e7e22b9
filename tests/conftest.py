"""Shared helpers: a base claim per policy that is eligible, and one-call explain."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skillsim.policies import get_policy

BJ = "beijing-2026-key-groups"
SH = "shanghai-2025-skills-upgrade"

# beijing-2026-baseline as it was before it was grounded (point values, 2,000,000 people at take-up
# 0.3): for tests that pin its figures or need its many claims at a small size. Loaded by path.
BJ_POINT = Path(__file__).with_name("data") / "scenarios" / "beijing-2026-point.toml"

# A registered-unemployed Beijing worker with a tier-B level-4 certificate: eligible, 1500.
BJ_BASE: dict[str, Any] = {
    "person_id": "bj-1", "hukou": "beijing", "age": 35, "sex": "female", "employment": "unemployed",
    "registered_unemployed": True, "cert_kind": "skill_level", "occupation_code": "4-03-02-01",  # 中式烹调师, B
    "cert_level": 4, "cert_issue_date": "2026-03-01", "cert_issuer_city": "beijing",
    "application_date": "2026-03-20",
}

# A flexibly employed Shanghai worker with a class-B level-3 certificate: eligible, 2700 × 100 %.
SH_BASE: dict[str, Any] = {
    "person_id": "sh-1", "hukou": "shanghai", "age": 35, "sex": "male", "employment": "flexible",
    "cert_kind": "skill_level", "occupation_code": "4-03-02-01", "catalog_class": "B", "cert_level": 3,
    "cert_issue_date": "2026-03-01", "cert_issuer_city": "shanghai", "application_date": "2026-03-20",
    "district": "徐汇区",
}


def explain(policy_id: str, base: dict[str, Any], overrides: dict[str, Any] | None = None,
            **changes: Any) -> dict[str, Any]:
    claim = {**base, **changes}
    claim = {k: v for k, v in claim.items() if v is not ...}  # `field=...` drops a field
    policy = get_policy(policy_id)
    return policy.explain(claim, policy.params(overrides))


def rules_of(result: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in result["reasons"]]


@pytest.fixture
def bj():
    return lambda overrides=None, **kw: explain(BJ, BJ_BASE, overrides, **kw)


@pytest.fixture
def sh():
    return lambda overrides=None, **kw: explain(SH, SH_BASE, overrides, **kw)


@pytest.fixture(autouse=True, scope="session")
def _dashboard_cache(tmp_path_factory):
    """The dashboard's disk cache (dashboard/cache.py) in a folder of the test session's, never
    the user's (servers the tests start inherit it)."""
    import os

    old = os.environ.get("SKILLSIM_CACHE_DIR")
    os.environ["SKILLSIM_CACHE_DIR"] = str(tmp_path_factory.mktemp("skillsim-cache"))
    yield
    if old is None:
        os.environ.pop("SKILLSIM_CACHE_DIR", None)
    else:
        os.environ["SKILLSIM_CACHE_DIR"] = old


@pytest.fixture(autouse=True)
def _main_module_restored():
    """Streamlit's AppTest runs a page as __main__ and leaves it there; a process started by
    spawn afterwards (the local executor's workers) would re-run that vanished script as its
    main module and die. Each test ends with the real __main__ back."""
    import sys

    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
