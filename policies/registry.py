"""Policies are discovered through the ``skillsim.policies`` entry-point group, so a
third party adds a city or year by shipping a package, without editing skillsim::

    [project.entry-points."skillsim.policies"]
    hangzhou-2027-upgrade = "mypkg.hangzhou:HangzhouUpgrade2027"

The entry point's name is the policy id; its object is a ``Policy`` subclass.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from .engine import Policy

GROUP = "skillsim.policies"


class UnknownPolicy(KeyError):
    def __str__(self) -> str:
        return f"unknown policy {self.args[0]!r}; known: {', '.join(policy_ids())}"


@lru_cache(maxsize=None)
def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def policy_ids() -> list[str]:
    return sorted(_entry_points())


@lru_cache(maxsize=None)
def get_policy(policy_id: str) -> Policy:
    ep = _entry_points().get(policy_id)
    if ep is None:
        raise UnknownPolicy(policy_id)
    cls = ep.load()
    policy = cls()
    if policy.id != policy_id:
        raise ValueError(f"entry point {policy_id!r} loads policy {policy.id!r}")
    return policy


def all_policies() -> list[Policy]:
    return [get_policy(pid) for pid in policy_ids()]
