"""The behavioural checks, each usable on its own from a plug-in's tests.

Every ``check_*`` takes the policy, its parameters and claims, and returns a list of
problems (empty: it holds); each message says what was seen and what to fix. The kit
(``kit.check_policy``) runs them over hypothesis draws; a plug-in's pytest may call them
on claims of its own."""
from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING, Any

import polars as pl

from skillsim.policies import ContractError, claims_frame, result_dict, validate_claim
from skillsim.policies.engine import STATUSES, collect
from skillsim.policies.money import apply_pct
from skillsim.policies.parameters import UNITS

from .oracle import RESULT, in_order_oracle

if TYPE_CHECKING:
    from skillsim.policies import ParameterSet, Policy
    from skillsim.policies.tiers import Tiers

MIN_PAID = 0.3   # a property's draws: at least this share paid, so it never compares only zeros


def run_counting(strategy: Any, check: Any, n: int = 40) -> None:
    """For a plug-in's own properties: run ``check(example) -> statuses`` over ``n`` draws of
    ``strategy`` (hypothesis, shrinking on failure), then assert that at least MIN_PAID of
    the statuses seen were eligible, so the property was not vacuous."""
    from hypothesis import HealthCheck, given, settings

    seen: list[str] = []

    @settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def prop(example: Any) -> None:
        seen.extend(check(example))
    prop()
    share = seen.count("eligible") / max(len(seen), 1)
    assert share >= MIN_PAID, f"only {share:.0%} of {len(seen)} results were eligible: the property was vacuous"
ROW = "kit_row"   # a column of the kit's own, to put results back in the claims' order


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 160 else s[:159] + "…"


# ---------------------------------------------------------------- one claim and many
def check_explain_equals_evaluate(policy: "Policy", claims: list[dict], p: "ParameterSet") -> list[str]:
    """``explain`` of each claim is its row of ``evaluate`` (detail="reasons"), and detail="rules"
    lists the rules of the reasons."""
    frame = claims_frame(claims)
    reasons = collect(policy.evaluate(frame, p, detail="reasons"))
    rules = collect(policy.evaluate(frame, p, detail="rules"))
    problems = []
    for i, (row, claim) in enumerate(zip(reasons.iter_rows(named=True), claims)):
        one, many = policy.explain(claim, p), result_dict(row)
        many |= result_dict_extra(row, one.keys() - many.keys())   # a policy's own result columns
        diff = sorted(k for k in one.keys() | many.keys() if one.get(k) != many.get(k))
        if diff:
            problems.append(f"claim {i} of {len(claims)}: {diff[0]} is {_short(one.get(diff[0]))} alone (explain) "
                            f"but {_short(many.get(diff[0]))} among the others (evaluate): a claim's result must "
                            "not depend on the other rows of the frame")
    if rules["rules"].to_list() != [[r["rule"] for r in rs] for rs in reasons["reasons"].to_list()]:
        problems.append("detail='rules' lists other rules than detail='reasons'")
    return problems


def result_dict_extra(row: dict, names: Any) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items() if k in names}


def check_garbage(policy: "Policy", obj: Any, p: "ParameterSet") -> list[str]:
    """Any JSON value as a claim: a ContractError naming a field on one line, or a result."""
    try:
        result = policy.explain(obj, p)
    except ContractError as e:
        if "\n" in str(e) or not e.field:
            return [f"ContractError {str(e)!r} does not name the field on one line"]
        return []
    except Exception as e:  # noqa: BLE001 -- the point: nothing else may escape
        return [f"{type(e).__name__}: {e} for the claim {_short(obj)}: bad input must give a ContractError "
                "(the contract validates before derive runs; guard derive against the values it allows)"]
    if result.get("status") not in STATUSES:
        return [f"status {result.get('status')!r} is not one of {', '.join(STATUSES)}"]
    return []


def check_result_rows(df: pl.DataFrame) -> list[str]:
    """Every result is explained and no amount is silent: an eligible claim pays > 0 and
    its base and rate give its amount; any other pays 0; every claim has a deciding rule."""
    problems = []
    bad = df.filter(~pl.col("status").is_in(STATUSES))
    if bad.height:
        problems.append(f"status {bad['status'][0]!r} is not one of {', '.join(STATUSES)}")
    if df["deciding_rule"].is_null().any():
        problems.append("a claim has no deciding_rule: every result names the rule that decided it")
    elig = df.filter(pl.col("status") == "eligible")
    zero = elig.filter(pl.col("amount_cny").is_null() | (pl.col("amount_cny") <= 0))
    if zero.height:
        problems.append(f"an eligible claim pays {zero['amount_cny'][0]} (deciding rule {zero['deciding_rule'][0]}): "
                        "a silent zero; a claim that cannot be paid is ineligible or needs_info under a rule")
    other = df.filter((pl.col("status") != "eligible") & (pl.col("amount_cny") != 0))
    if other.height:
        problems.append(f"a {other['status'][0]} claim pays {other['amount_cny'][0]}: only eligible claims pay")
    return problems


# ---------------------------------------------------------------- nulls
def check_nulls(policy: "Policy", cases: list[tuple[dict, str]], p: "ParameterSet") -> list[tuple[list[str], str]]:
    """For each (paid claim, field), the field set to null: the result is unchanged,
    needs_info, or a decision under a rule with its reason (the contract says what null means
    there); never a crash or a silent zero. Per case: (problems, what happened: "same" |
    "needs_info naming" (the field) | "needs_info" | "decided" | "crash")."""
    claims = [c for c, _ in cases] + [{**c, f: None} for c, f in cases]
    try:   # one pass over them all; on a crash, one claim at a time to find which
        rows: list[Any] = [result_dict(r) for r in
                           collect(policy.evaluate(claims_frame(claims), p, detail="reasons")).iter_rows(named=True)]
    except Exception:  # noqa: BLE001
        rows = []
        for c in claims:
            try:
                rows.append(policy.explain(c, p))
            except Exception as e:  # noqa: BLE001
                rows.append(e)
    n = len(cases)
    return [_null_outcome(f, base, got) for (_, f), base, got in zip(cases, rows[:n], rows[n:])]


def _null_outcome(field: str, base: Any, got: Any) -> tuple[list[str], str]:
    if isinstance(base, Exception):
        return [f"the claim crashes before {field} is touched: {type(base).__name__}: {base}"], "crash"
    if isinstance(got, Exception):
        return [f"{field} = null crashes: {type(got).__name__}: {got}; a null fact a rule needs gives needs_info "
                "naming it (a Check with status='needs_info')"], "crash"
    if (got["status"], got["amount_cny"]) == (base["status"], base["amount_cny"]):
        return [], "same"
    problems = check_result_rows(pl.DataFrame([{k: got[k] for k in ("status", "amount_cny", "deciding_rule")}]))
    if not got["reasons"]:
        problems.append(f"{got['status']} with no reason: name the rule and what is missing")
    problems = [f"{field} = null on a paid claim: {x}" for x in problems]
    if got["status"] == "needs_info":
        named = any(field in (r.get("message") or "") for r in got["reasons"])
        return problems, "needs_info naming" if named else "needs_info"
    return problems, "decided"


# ---------------------------------------------------------------- amounts
def _flat(v: Any):
    if isinstance(v, dict):
        for x in v.values():
            yield from _flat(x)
    else:
        yield v


def declared_amounts(p: "ParameterSet") -> set[int]:
    """Every amount the parameters declare (money and amount tables), also as scaled by a
    declared percentage (a rate, or an uplift on top: 1500 × (100 + 20) %)."""
    money, pct = set(), set()
    for name in p:
        m = p.meta(name)
        kind = UNITS[m.unit].kind if m.unit in UNITS else None
        if kind in ("money", "money table"):
            money |= {int(x) for x in _flat(m.value) if isinstance(x, (int, float)) and x > 0}
        elif m.unit == "percent" and isinstance(m.value, (int, float)):
            pct.add(m.value)
    out = set(money)
    for a in money:
        for r in pct:
            for factor in (r, 100 + r):
                out.add(_pct(a, factor))
    return out


def _pct(amount: int, pct: float) -> int:
    return pl.select(apply_pct(pl.lit(amount, pl.Int64), pl.lit(pct, pl.Float64))).item()


def check_amounts_in_tables(df: pl.DataFrame, allowed: set[int]) -> list[str]:
    """An eligible claim's base amount is one the parameters declare (``declared_amounts``)."""
    elig = df.filter(pl.col("status") == "eligible")
    out = sorted(set(elig["base_amount_cny"].to_list()) - allowed, key=lambda x: (x is None, x))
    if not out:
        return []
    row = elig.filter(pl.col("base_amount_cny") == out[0]) if out[0] is not None else elig.filter(
        pl.col("base_amount_cny").is_null())
    return [f"base amount {out[0]} (deciding rule {row['deciding_rule'][0]}) is in no amount table of the "
            f"parameters: every amount paid comes from a declared money parameter (CNY or CNY table), "
            "possibly scaled by a declared percentage"]


# ---------------------------------------------------------------- level
def check_level_monotone(policy: "Policy", claim: dict, p: "ParameterSet") -> tuple[list[str], list[int], list[str]]:
    """The claim at levels 5 (lowest) … 1 (highest): the amount never falls as the level rises."""
    variants = [{**claim, "cert_level": lvl} for lvl in (5, 4, 3, 2, 1)]
    df = collect(policy.evaluate(claims_frame(variants), p, detail="amounts"))
    amounts = df["amount_cny"].to_list()
    problems = [] if amounts == sorted(amounts) else [
        f"levels 5…1 pay {amounts} for {claim.get('cert_kind')} {claim.get('occupation_code') or ''}: a higher "
        "level pays less (the policy declares level_monotone = True)"]
    return problems, amounts, df["status"].to_list()


# ---------------------------------------------------------------- tiers
def check_tier_probes(policy: "Policy", tiers: "Tiers", p: "ParameterSet") -> list[str]:
    """Every probe claim of a read [tiers] declaration (each tier value, level and variant) is
    a claim of the contract the policy pays (eligible, more than 0 yuan) under one of the rules
    the declaration lists."""
    problems, valid, where = [], [], []
    for variant in [v.key for v in tiers.variants] or [None]:
        for value, level, claim in tiers.probes(variant):
            at = ", ".join(x for x in (f"{tiers.field} = {value!r}" if tiers.field else "",
                                       f"level {'ungraded' if level is None else level}",
                                       f"variant {variant}" if variant else "") if x)
            try:
                validate_claim(claim)
            except ContractError as e:
                problems.append(f"[tiers] probe {at}: {e}: the example's claim with these fields is no claim")
                continue
            valid.append(claim)
            where.append(at)
    if not valid:
        return problems
    rows = collect(policy.evaluate(claims_frame(valid), p, detail="reasons"))
    for at, row in zip(where, rows.iter_rows(named=True)):
        if row["status"] == "eligible" and (row["amount_cny"] or 0) > 0:
            if row["deciding_rule"] not in tiers.rules:
                problems.append(f"[tiers] probe {at}: paid under {row['deciding_rule']}, which [tiers] rules "
                                f"({', '.join(tiers.rules)}) does not list: list every rule that sets the amounts")
            continue
        reasons = row["reasons"] or []
        why = next((r for r in reasons if r.get("rule") == row["deciding_rule"]), reasons[0] if reasons else {})
        problems.append(f"[tiers] probe {at}: {row['status']} under {row['deciding_rule']} "
                        f"({why.get('message') or 'no reason given'}), paying {row['amount_cny']}: a probe must be "
                        "a claim the policy pays (change the example, levels, values or variant claim)")
    return problems


# ---------------------------------------------------------------- caps and determinism
def with_caps(policy: "Policy", claims: list[dict], p: "ParameterSet") -> pl.DataFrame:
    """``evaluate`` then ``population_caps`` over the claims as one population, in the claims' order."""
    frame = claims_frame(claims).with_row_index(ROW)
    out = collect(policy.population_caps(policy.evaluate(frame, p, detail="rules", validate=False), p))
    return out.sort(ROW)


def check_caps_oracle(policy: "Policy", claims: list[dict], p: "ParameterSet") -> tuple[list[str], list[tuple]]:
    want = in_order_oracle(policy, claims, p)
    got = with_caps(policy, claims, p)
    if got.height != len(claims):
        return [f"population_caps returns {got.height} rows for {len(claims)} claims"], want
    problems = []
    for i, (w, g) in enumerate(zip(want, got.select(RESULT).iter_rows())):
        if tuple(g) != w:
            problems.append(f"claim {i} (person {claims[i]['person_id']}, applied {claims[i]['application_date']}): "
                            f"population_caps gives {tuple(g)}, the in-order reading {w}: a cap between claims "
                            "must decide each claim as explain does with the person's earlier paid claims as "
                            "prior_subsidies (use skillsim.policies.caps.in_order and Policy.as_prior)")
            break
    return problems, want


def untied(claims: list[dict]) -> list[dict]:
    """The claims less any that tie with an earlier one of the same person on the application date:
    full ties are the one order the caps' result may depend on (caps.py)."""
    seen, out = set(), []
    for c in claims:
        key = (c["person_id"], c["application_date"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def check_deterministic(policy: "Policy", claims: list[dict], p: "ParameterSet", seed: int = 0,
                        twice: bool = True) -> tuple[list[str], list[str]]:
    """The same population twice (``twice``), and shuffled: the same result for every claim.
    Returns (problems, statuses after the caps)."""
    cols = ["status", "amount_cny", "deciding_rule", "base_amount_cny", "payee", "payment_month", "rules"]
    first = with_caps(policy, claims, p).select(cols)
    seen = first["status"].to_list()
    if twice and not first.equals(with_caps(policy, claims, p).select(cols)):
        return ["the same claims twice give different results: no randomness or clock in a policy"], seen
    order = list(range(len(claims)))
    random.Random(seed).shuffle(order)
    shuffled = with_caps(policy, [claims[i] for i in order], p).select(cols)
    back = shuffled.with_columns(pl.Series("_pos", order)).sort("_pos").drop("_pos")
    if not first.equals(back):
        diff = next(i for i in range(len(claims)) if first.row(i) != back.row(i))
        return [f"claim {diff} gives {first.row(diff)[:3]} in one order and {back.row(diff)[:3]} in another: "
                "caps must order claims by application date and amount, not by their row"], seen
    return [], seen


def statuses(df: pl.DataFrame) -> list[str]:
    return df["status"].to_list()


def share_paid(seen: list[str]) -> float:
    return Counter(seen)["eligible"] / max(len(seen), 1)
