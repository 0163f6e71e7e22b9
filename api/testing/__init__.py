"""The conformance kit: what every skillsim policy (built-in or plug-in) must satisfy.

    from skillsim.testing import check_policy
    report = check_policy("my-city-2027-policy", max_examples=50)
    assert report.ok, report

``skillsim check-policy ID`` runs the same from the command line. docs/conformance.md
says what each check means. The pieces (``checks``: one function per invariant; ``draws``:
hypothesis strategies of claims the policy pays, drawn from its ``examples.json``;
``in_order_oracle``) can be called from a plug-in's own tests. ``draws`` and the
property checks need hypothesis (the ``test`` extra); it is imported only when used.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Loaded on first use: `skillsim check-policy` is an entry point of the command line, which
# imports this package at every start; the checks pull in polars, pydantic and the policies.
_FROM = {"Finding": "findings", "Report": "findings", "check_policy": "kit", "in_order_oracle": "oracle",
         **{name: "checks" for name in ("check_amounts_in_tables", "check_caps_oracle", "check_deterministic",
                                         "check_explain_equals_evaluate", "check_garbage", "check_level_monotone",
                                         "check_nulls", "check_result_rows", "check_tier_probes", "declared_amounts",
                                         "run_counting")}}

if TYPE_CHECKING:
    from .checks import (check_amounts_in_tables, check_caps_oracle, check_deterministic,
                         check_explain_equals_evaluate, check_garbage, check_level_monotone, check_nulls,
                         check_result_rows, check_tier_probes, declared_amounts, run_counting)
    from .findings import Finding, Report
    from .kit import check_policy
    from .oracle import in_order_oracle


def __getattr__(name: str):
    if name in _FROM:
        return getattr(importlib.import_module(f".{_FROM[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def assert_conforms(policy_or_id, **kw) -> "Report":
    """``check_policy``, raising AssertionError with the report when a check fails (for pytest)."""
    from .kit import check_policy
    report = check_policy(policy_or_id, **kw)
    assert report.ok, f"\n{report}"
    return report


__all__ = ["Finding", "Report", "assert_conforms", "check_amounts_in_tables", "check_caps_oracle",
           "check_deterministic", "check_explain_equals_evaluate", "check_garbage", "check_level_monotone",
           "check_nulls", "check_policy", "check_result_rows", "check_tier_probes", "declared_amounts",
           "in_order_oracle", "run_counting"]
