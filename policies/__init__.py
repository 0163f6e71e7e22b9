"""skillsim policies: one calculator per city and year, each citing its clauses.

    from skillsim.policies import get_policy
    get_policy("beijing-2026-key-groups").explain({...claim...})
"""
from .contract import ContractError, claims_frame, validate_claim, validate_frame
from .engine import Check, Note, Policy, PolicyError, result_dict
from .parameters import ParameterError, ParameterSet
from .registry import BrokenPolicy, UnknownPolicy, all_policies, broken_policies, get_policy, policy_ids

__all__ = ["ContractError", "claims_frame", "validate_claim", "validate_frame", "Check", "Note",
           "Policy", "PolicyError", "result_dict", "ParameterError", "ParameterSet", "BrokenPolicy",
           "UnknownPolicy", "all_policies", "broken_policies", "get_policy", "policy_ids"]
