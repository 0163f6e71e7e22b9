"""One person (the Explain page): example claims to start from, and the result of one claim
under every policy at once, moved to each policy's city if asked."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from skillsim.policies import PolicyError, claims_frame, get_policy, policy_ids, result_dict
from skillsim.simulate.runner import relocate

from . import amounts, labels

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEFAULT_PRESET = "bj-unemployed-care-worker"   # eligible in Beijing and, moved, in Shanghai


def presets() -> dict[str, dict[str, Any]]:
    """The worked examples (examples/*.json) by file name; built-in people if they are not there."""
    files = sorted(EXAMPLES.glob("*-*.json"), key=lambda p: (p.stem != DEFAULT_PRESET, p.stem))
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in files}
    return found or {"beijing": {**amounts.BJ_PERSON, "cert_level": 4},
                     "shanghai": {**amounts.SH_PERSON, "cert_level": 3, "catalog_class": "B"}}


def home_city(claim: dict[str, Any]) -> str:
    city = claim.get("cert_issuer_city")
    known = labels.cities()
    return city if city in known else known[0]


def results(claim: dict[str, Any], home: str | None) -> list[dict[str, Any]]:
    """The claim's result under every policy (``home``: move the person to each policy's city).

    A bad claim raises ContractError (it is bad for every policy); a policy that cannot run
    (the draft without amounts, BJPT-2) gives a row with its one-line ``error`` instead."""
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
