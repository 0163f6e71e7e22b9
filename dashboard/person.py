"""One person (the Explain page): example claims to start from, and the result of one claim
under every policy at once, moved to each policy's city if asked."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from skillsim.policies import PolicyError, all_policies, claims_frame, get_policy, policy_ids, result_dict
from skillsim.simulate.runner import relocate

from . import labels

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def presets() -> dict[str, dict[str, Any]]:
    """The worked examples (examples/*.json) by file name, the one most policies pay first
    (``default_preset``); where that folder is missing, every registered policy's own examples
    (``Policy.examples()``, named "<policy id> · <example>")."""
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*-*.json"))}
    if not found:
        found = {f"{policy.id} · {e['name']}": e["claim"] for policy in all_policies() for e in policy.examples()}
    first = default_preset(tuple((name, json.dumps(claim, sort_keys=True)) for name, claim in found.items()))
    return {first: found[first], **found} if first else found


@lru_cache(maxsize=4)
def default_preset(claims: tuple[tuple[str, str], ...]) -> str | None:
    """The example that the most policies pay, each with the person moved to its city (the
    same person in as many jurisdictions as possible); the first by name on a tie."""
    paid: dict[str, int] = dict.fromkeys((name for name, _ in claims), 0)
    by_home: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, text in claims:
        claim = json.loads(text)
        by_home.setdefault(home_city(claim), []).append((name, claim))
    for home, group in by_home.items():
        try:
            frame = claims_frame([claim for _, claim in group])
        except ValueError:      # an example that breaks the contract is paid by none
            continue
        for policy in all_policies():
            if policy.missing_parameters(policy.parameters):
                continue
            status = policy.evaluate(relocate(frame, home, policy.meta.city), detail="amounts",
                                     validate=False).collect()["status"]
            for (name, _), st in zip(group, status):
                paid[name] += st == "eligible"
    return min(paid, key=lambda n: (-paid[n], n), default=None)


def home_city(claim: dict[str, Any]) -> str:
    city = claim.get("cert_issuer_city")
    known = labels.cities()
    return city if city in known else known[0]


def results(claim: dict[str, Any], home: str | None) -> list[dict[str, Any]]:
    """The claim's result under every policy (``home``: move the person to each policy's city).

    A bad claim raises ContractError (it is bad for every policy); a policy that cannot run
    (a draft whose amounts a scenario must supply) gives a row with its one-line ``error`` instead."""
    frame = claims_frame([claim])
    out = []
    for pid in policy_ids():
        policy = get_policy(pid)
        local = relocate(frame, home, policy.meta.city) if home else frame
        try:
            row = policy.evaluate(local, detail="reasons", validate=False).collect().row(0, named=True)
        except PolicyError as exc:
            out.append({"policy_id": pid, "error": " ".join(str(exc).split())})
            continue
        out.append(result_dict(row))
    return out


def summary_table(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{
        "policy_id": r["policy_id"], "document": get_policy(r["policy_id"]).meta.document,
        "city": get_policy(r["policy_id"]).meta.city, "status": r.get("status", "error"),
        "amount_cny": r.get("amount_cny", 0), "base_amount_cny": r.get("base_amount_cny"), "rate": r.get("rate"),
        "payee": r.get("payee"), "deciding_rule": r.get("deciding_rule"), "error": r.get("error"),
    } for r in rows], schema_overrides={"base_amount_cny": pl.Int64, "rate": pl.Float64, "payee": pl.String,
                                        "deciding_rule": pl.String, "error": pl.String})


def reasons_table(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Every deciding rule of every policy, with its clause and the official text it encodes."""
    items = []
    for r in rows:
        rules = get_policy(r["policy_id"]).rules
        for reason in r.get("reasons", []):
            rule = rules.get(reason["rule"])
            items.append({"policy_id": r["policy_id"], "rule": reason["rule"], "clause": reason["clause"],
                          "message": reason["message"], "text": rule.text if rule else ""})
    return pl.DataFrame(items, schema={k: pl.String for k in ("policy_id", "rule", "clause", "message", "text")})
