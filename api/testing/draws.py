"""Hypothesis strategies built from a policy's own worked examples (``Policy.examples()``).

``paid_claims`` varies an example where the policy still pays most of the time: who
claims (person_id, for the caps), the dates moved together, the application a few days
later, the level, the age, and one field taken from another example of the same kind of
certificate. Each property that draws from it asserts that at least ``checks.MIN_PAID`` of what
it saw was paid, so no property holds only because every amount was zero.

hypothesis is a test dependency (``pip install 'skillsim[test]'``); this module imports it."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from skillsim.policies.contract import FIELDS

if TYPE_CHECKING:
    from skillsim.policies import Policy

PEOPLE = ("p1", "p2", "p3", "p4", "p5")
DATES = [f.name for f in FIELDS if f.kind == "date"]
FIELD_NAMES = [f.name for f in FIELDS]


def example_claims(policy: "Policy") -> list[dict[str, Any]]:
    return [e["claim"] for e in policy.examples()]


def _shift(claim: dict[str, Any], days: int, names: list[str]) -> dict[str, Any]:
    out = dict(claim)
    for n in names:
        if isinstance(out.get(n), str):
            try:
                out[n] = (dt.date.fromisoformat(out[n]) + dt.timedelta(days=days)).isoformat()
            except ValueError:
                pass
    return out


@st.composite
def _variant(draw, examples: list[dict[str, Any]], kind: str | None):
    """One example, a few of its facts varied (each change one time in three)."""
    pool = [c for c in examples if kind is None or c.get("cert_kind") == kind] or examples
    claim = dict(draw(st.sampled_from(pool)))
    claim["person_id"] = draw(st.sampled_from(PEOPLE))
    sometimes = st.integers(0, 2).map(lambda i: i == 0)
    if draw(sometimes):
        claim = _shift(claim, draw(st.integers(-30, 30)), DATES)                 # every date moved together
    if draw(sometimes):
        claim = _shift(claim, draw(st.integers(1, 10)), ["application_date"])    # applied a little later
    if claim.get("cert_level") is not None and draw(sometimes):
        claim["cert_level"] = draw(st.integers(1, 5))
    if isinstance(claim.get("age"), int) and draw(sometimes):
        claim["age"] = min(120, max(0, claim["age"] + draw(st.integers(-3, 3))))
    same_kind = [c for c in pool if c.get("cert_kind") == claim.get("cert_kind")]
    donor = draw(st.sampled_from(same_kind or pool))
    shared = sorted((set(donor) & set(claim)) - {"person_id", "cert_kind", *DATES})
    if shared and draw(sometimes):                       # one fact of another example of its kind
        name = draw(st.sampled_from(shared))
        claim[name] = donor[name]
    return claim


def paid_claims(policy: "Policy", kind: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Claims the policy pays most of the time, drawn from its examples (``kind``: only
    examples of that cert_kind, if it has any). Empty examples: a strategy that draws nothing."""
    examples = example_claims(policy)
    if not examples:
        return st.nothing()
    return _variant(examples, kind)


JSON_SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                | st.text(max_size=12))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
ODD = st.sampled_from(["2026-02-30", "2026-01-01", "A", "beijing", "other", 0, 7, -1, 10**30, ""])


@st.composite
def garbage_claims(draw, policy: "Policy"):
    """An example claim with one to three fields replaced by anything JSON holds, dropped, or
    misspelled; sometimes not a claim at all."""
    claim = dict(draw(paid_claims(policy)))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        name = draw(st.sampled_from(FIELD_NAMES))
        if action == "replace":
            claim[name] = draw(JSON | ODD)
        elif action == "drop":
            claim.pop(name, None)
        else:
            claim[draw(st.text(min_size=1, max_size=10))] = draw(JSON)
    return draw(st.sampled_from([claim, claim, claim, [claim], "claim", None]))


def populations(policy: "Policy", people: tuple[int, int] = (1, 3),
                claims: tuple[int, int] = (2, 5)) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Several people, each with several claims drawn from ``paid_claims`` (for the caps)."""
    def person(i: int):
        return st.lists(paid_claims(policy), min_size=claims[0], max_size=claims[1]).map(
            lambda cs: [{**c, "person_id": f"p{i}"} for c in cs])
    return st.integers(*people).flatmap(lambda n: st.tuples(*[person(i) for i in range(n)])).map(
        lambda ps: [c for p in ps for c in p])


def nullable_fields() -> list[str]:
    return [f.name for f in FIELDS if f.nullable]


