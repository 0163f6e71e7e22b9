"""The plug-in interface: everything a policy package may import from skillsim.

A policy of another city or year is a package of its own that registers a ``Policy``
subclass under the entry-point group ``skillsim.policies`` (docs/plugin-interface.md; a
skeleton: ``skillsim new-policy NAME``). Its code imports skillsim through this module
only, and its tests through this module and ``skillsim.testing`` (the conformance kit),
so the core can change behind these names without breaking a plug-in
(tests/test_plugin_interface.py holds plugins/ to it).

    from skillsim.plugin import Check, Note, ParameterSet, Policy, fmt

What a policy must define, and what it may override, is on ``Policy`` (``REQUIRED_HOOKS``
and each hook's docstring). Money is whole yuan; a percentage is applied by ``apply_pct``.
"""
from __future__ import annotations

from skillsim.policies.caps import cap_total, in_order, settle
from skillsim.policies.catalogs import CatalogError, load_catalog
from skillsim.policies.cohort_lines import Attribute, CohortLines, Draws, Line, Places, Wording
from skillsim.policies.contract import ContractError, claims_frame, validate_claim
from skillsim.policies.engine import (REQUIRED_HOOKS, Check, ClassMaps, Note, Policy, PolicyError, by_distinct,
                                      cap_claims, col_in, fmt, prior, result_dict)
from skillsim.policies.levels import LEVEL_NAMES, LEVELS
from skillsim.policies.money import apply_pct, pct_text
from skillsim.policies.parameters import ParameterError, ParameterSet
from skillsim.policies.registry import get_policy, policy_ids

__all__ = [
    # the calculator: a subclass of Policy, what it returns from its hooks, its parameters
    "Policy", "REQUIRED_HOOKS", "Check", "Note", "ClassMaps", "ParameterSet", "PolicyError", "ParameterError",
    # expressions for derive, checks and notes (vectorised: polars, never a Python if on a claim)
    "fmt", "col_in", "prior", "by_distinct", "apply_pct", "pct_text", "LEVEL_NAMES", "LEVELS",
    # catalogs (CSV, a source on every row)
    "load_catalog", "CatalogError",
    # caps between the claims of a population (Policy.population_caps)
    "in_order", "cap_total", "cap_claims", "settle",
    # funding lines drawn as cohorts of training places (Policy.cohort_lines)
    "CohortLines", "Line", "Attribute", "Wording", "Places", "Draws",
    # for a plug-in's own tests: its registered policy, claims as the contract reads them, results as explain gives them
    "get_policy", "policy_ids", "claims_frame", "validate_claim", "ContractError", "result_dict",
]
