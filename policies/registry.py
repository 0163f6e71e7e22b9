"""Policies are discovered through the ``skillsim.policies`` entry-point group, so a
third party adds a city or year by shipping a package, without editing skillsim::

    [project.entry-points."skillsim.policies"]
    hangzhou-2027-upgrade = "mypkg.hangzhou:HangzhouUpgrade2027"

The entry point's name is the policy id; its object is a ``Policy`` subclass.

A policy that cannot be used (its declarations refused by the claim contract, its class
failing to import or to construct) is one warning line naming it and the reason; the
others are served as ever. ``broken_policies()`` lists those left out, and ``get_policy``
of one raises ``BrokenPolicy`` with the reason.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from .claim_schema import REFUSED
from .engine import Policy, PolicyError
from .plugins import GROUP, left_out


class UnknownPolicy(KeyError):
    def __str__(self) -> str:
        return f"unknown policy {self.args[0]!r}; known: {', '.join(policy_ids())}"


@lru_cache(maxsize=None)
def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


class BrokenPolicy(PolicyError):
    """A registered policy that cannot be used; says which and why."""

    def __init__(self, policy_id: str, reason: str):
        self.policy_id, self.reason = policy_id, reason
        super().__init__(f"policy {policy_id!r} cannot be used: {reason}")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


@lru_cache(maxsize=None)
def _load(ep: EntryPoint) -> Policy | str:
    """The policy of an entry point, or the reason it cannot be used (warned once)."""
    if ep.name in REFUSED:  # already warned when the contract left it out
        return REFUSED[ep.name]
    try:
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Policy)):
            raise TypeError(f"{ep.value} is not a Policy subclass")
        policy = cls()
        if policy.id != ep.name:
            raise ValueError(f"the entry point loads policy {policy.id!r}")
    except Exception as exc:  # noqa: BLE001 -- any fault of a plug-in's code is that plug-in's alone
        left_out(ep.name, _one_line(exc))
        return _one_line(exc)
    return policy


def broken_policies() -> dict[str, str]:
    """Registered policies that cannot be used: id -> the reason."""
    return {pid: got for pid, ep in sorted(_entry_points().items()) if isinstance(got := _load(ep), str)}


def policy_ids() -> list[str]:
    """The ids of the registered policies that can be used, sorted."""
    return [pid for pid, ep in sorted(_entry_points().items()) if not isinstance(_load(ep), str)]


@lru_cache(maxsize=None)
def get_policy(policy_id: str) -> Policy:
    ep = _entry_points().get(policy_id)
    if ep is None:
        raise UnknownPolicy(policy_id)
    got = _load(ep)
    if isinstance(got, str):
        raise BrokenPolicy(policy_id, got)
    return got


def all_policies() -> list[Policy]:
    return [get_policy(pid) for pid in policy_ids()]
