"""Does every message a policy can produce have a Chinese translation (``messages.zh.toml``)?

``varied_claims`` turns the policy's worked examples into a population that reaches every
status: each example with one field changed at a time (null, each choice, the other
truth value, small and large numbers, dates years before and after, a prior subsidy of
the same kind, another example's text or an unknown code), and with three such changes at
once; three claims a person and shared enterprise, project and host ids, so the caps
between claims fire too. ``produced_messages`` runs it through ``evaluate`` with
reasons and the population caps; ``translation_problems`` lists each message no template
matches and each translation still holding English words (ids, code names and numbers
aside). The conformance kit reports them as a warning: translation is optional."""
from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

import polars as pl

from skillsim.policies import ContractError, claims_frame, validate_claim
from skillsim.policies.claim_schema import FIELDS
from skillsim.policies.engine import collect
from skillsim.policies.messages import english_words

if TYPE_CHECKING:
    from skillsim.policies import ParameterSet, Policy

SHARED = ("employer_id", "project_id", "host_id")   # the groups of the caps between claims
YEARS = (-5, -3, -1, 1, 3, 5)
MIXED = 30     # claims an example gives with three fields changed at once (seeded)


def _numbers(f) -> list[Any]:
    lo = 0 if f.lo is None else f.lo
    hi = 10_000 if f.hi is None else f.hi
    cast = int if f.kind == "int" else float
    return [cast(x) for x in sorted({lo, min(hi, lo + 1), min(hi, 3), min(hi, 12), min(hi, 30), hi})]


def _shifted(text: str, years: int) -> str:
    d = dt.date.fromisoformat(text)
    return d.replace(year=d.year + years, day=min(d.day, 28)).isoformat()


def _changes(claim: dict[str, Any], policy_id: str, seen: dict[str, list[Any]]) -> list[tuple[str, Any]]:
    """Every (field, value) that changes one field of ``claim``; ``seen``: the values the
    other examples give each field."""
    out = []
    for f in FIELDS:
        given = claim.get(f.name)
        if f.kind == "str":
            out += [(f.name, v) for v in [*seen.get(f.name, []), "X-00"] if v != given]
            continue
        if f.kind == "prior_list":
            same = {"policy_id": policy_id, "occupation_code": claim.get("occupation_code"),
                    "special_ability_item": claim.get("special_ability_item"), "cert_level": claim.get("cert_level"),
                    "date": claim.get("application_date") or claim.get("cert_issue_date")}
            values: list[Any] = [[], [same], [same] * 4]
        elif f.kind == "enum":
            values = list(f.choices)
        elif f.kind == "bool":
            values = [True, False]
        elif f.kind in ("int", "number"):
            values = _numbers(f)
        elif f.kind == "date" and isinstance(given, str):
            values = [_shifted(given, y) for y in YEARS]
        else:
            values = []
        values += [None] if f.nullable else []
        out += [(f.name, v) for v in values if v != given]
    return out


def _variants(claim: dict[str, Any], policy_id: str, seen: dict[str, list[Any]],
              rng: random.Random) -> list[dict[str, Any]]:
    """``claim`` with each change alone, then ``MIXED`` times with three at once."""
    changes = _changes(claim, policy_id, seen)
    out = [{**claim, name: v} for name, v in changes]
    for _ in range(MIXED if len(changes) >= 3 else 0):
        out.append({**claim, **dict(rng.sample(changes, 3))})
    return out


def varied_claims(policy: "Policy", more: list[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The examples (and ``more`` claims), and each with fields changed (claims the contract
    refuses left out), three claims a person; every claim shares its enterprise, project
    and host."""
    claims, rng = [], random.Random(0)
    given = [e["claim"] for e in policy.examples()] + list(more)
    seen: dict[str, list[Any]] = {}
    for c in given:
        for name, v in c.items():
            if isinstance(v, str) and v not in seen.setdefault(name, []):
                seen[name].append(v)
    for claim in given:
        for c in [claim, *_variants(claim, policy.id, seen, rng)]:
            try:
                validate_claim(c)
            except ContractError:
                continue
            claims.append(dict(c))
    for i, c in enumerate(claims):
        c["person_id"] = f"p{i // 3}"
        for name in SHARED:
            if c.get(name) is not None:
                c[name] = name
    return claims


def produced_messages(policy: "Policy", p: "ParameterSet", more: list[dict[str, Any]] = ()) -> dict[str, str]:
    """Every distinct message of the varied claims' reasons, with a rule that gave it."""
    claims = varied_claims(policy, more)
    if not claims:
        return {}
    alone = collect(policy.evaluate(claims_frame(claims), p, detail="reasons", validate=False))
    capped = collect(policy.population_caps(alone.lazy(), p))
    both = (pl.concat([frame.select(pl.col("reasons").explode()) for frame in (alone, capped)])
            .select(pl.col("reasons").struct.unnest())
            .drop_nulls("message").unique("message", keep="first", maintain_order=True))
    return dict(both.select("message", "rule").iter_rows())


def translation_problems(policy: "Policy", messages: dict[str, str]) -> list[str]:
    """Each message without a translation, and each translation left with English words."""
    book = policy.messages
    problems = []
    for message, rule in messages.items():
        zh = book.translate(message)
        if zh is None:
            problems.append(f"{rule}: no translation of {message!r}")
        elif english_words(zh):
            problems.append(f"{rule}: {message!r} translates to {zh!r}, English left: {', '.join(english_words(zh))}")
    return problems
