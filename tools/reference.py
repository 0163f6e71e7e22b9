"""The reference population a mutant's results are compared on, and those results.

Built once from the unmutated tree (``build``): per policy, every worked example and test
base claim, a derandomised sample of the policy's paid-claim strategy (tests/strategies.py)
and of the any-claim strategy, on a few shared person ids so the caps between claims bite;
and *boundary claims* (``boundaries``): a few paid claims moved onto each of the policy's
limits, read from its parameters by unit (a date parameter: each claim date on the day,
the day before and after; years, months, days: a field in that unit at the value ± 1, and
one claim date that far after another ± 1 day; hours, age, a count: the field at the value
± 1), with each choice and flag of the contract set to each of its other values, and with
one more prior subsidy: the claim itself as the policy paid it, its flags, level, occupation
and date varied (so a prior's null or boundary field shows). ``results`` evaluates it (one claim at a time and as a population, with every reason)
in whatever tree is first on the path, under the baseline parameters and under an *odd*
variant (``odd_overrides``: amounts odd, percentages with a half), so a rounding mutant
shows: a mutant that changes none of these results is *equivalent*.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the draft (BJPT-2) runs only with amounts a scenario supplies
OVERRIDES = {"beijing-2025-project-training-draft": {"training_base_per_trainee_cny": 1500,
                                                      "project_training_per_trainee_cny": 1000,
                                                      "district_programme_per_trainee_cny": 600}}
SAMPLE = 120
SEEDS = 10       # paid claims per policy moved onto its limits (the first of each kind of payment)
ODD = "@odd"     # results key suffix: the policy under its odd parameter variant


def _sample(strategy, n: int) -> list[Any]:
    from hypothesis import HealthCheck, Phase, given, settings

    out: list[Any] = []

    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(x):
        out.append(x)
    draw()
    return out


def _bases() -> list[dict]:
    """The base claims the policies' tests vary (tests/conftest.py and the test modules)."""
    import importlib
    found = []
    for module, names in (("tests.conftest", ("BJ_BASE", "SH_BASE")),
                          ("tests.test_beijing_2019_skills_action", ("SA_BASE",)),
                          ("tests.test_beijing_2026_high_skill_training", ("HS_BASE",)),
                          ("tests.test_beijing_2025_project_training_draft", ("PT_BASE",))):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        found += [getattr(mod, n) for n in names if isinstance(getattr(mod, n, None), dict)]
    return found


def build() -> dict[str, Any]:
    """{"claims": policy id -> claims (JSON objects), "odd": policy id -> its odd overrides}."""
    from skillsim.policies import policy_ids
    from tests import strategies

    examples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))
                if p.name != "expected.json"]
    ref = {}
    for pid in policy_ids():
        paid = _sample(strategies.paid_claims(pid), SAMPLE) if pid in strategies.PAID else []
        claims = examples + _bases() + paid + _sample(strategies.claims(), SAMPLE // 2)
        claims = json.loads(json.dumps(claims, default=str))  # dates as the JSON text a claim file holds
        ref[pid] = claims + boundaries(pid, claims)
    return {"claims": ref, "odd": {pid: odd_overrides(pid) for pid in ref}}


def _seeds(pid: str, claims: list[dict]) -> list[dict]:
    """Up to SEEDS claims the policy pays, one per (deciding rule, category, tier)."""
    from skillsim.policies import claims_frame, get_policy
    from skillsim.policies.engine import collect

    policy = get_policy(pid)
    got = collect(policy.evaluate(claims_frame(claims), policy.params(OVERRIDES.get(pid))))
    seen, out = set(), []
    for claim, row in zip(claims, got.iter_rows(named=True)):
        kind = (row["deciding_rule"], row.get("category"), row.get("tier"))
        if row["status"] == "eligible" and kind not in seen:
            seen.add(kind)
            out.append(claim)
    return out[:SEEDS]


def _field_unit(name: str) -> str | None:
    """The unit of a claim's number field, by its name (as the parameters' units go)."""
    for unit in ("months", "years", "hours", "days"):
        if name.endswith(unit) or f"_{unit}_" in name:
            return unit
    return "age" if name == "age" else "count" if name.endswith("level") else None


def _shift(day: dt.date, unit: str, n: int) -> dt.date | None:
    """``day`` plus ``n`` years, months or days (the same day of the month, or the month's last)."""
    import calendar
    if unit == "days":
        return day + dt.timedelta(days=n)
    months = n * 12 if unit == "years" else n
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1900 < y < 2200:
        return None
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def boundaries(pid: str, claims: list[dict]) -> list[dict]:
    """The policy's paid claims moved onto each limit its parameters set (see the module's
    docstring); the ones the claim contract refuses are left out."""
    from skillsim.policies import get_policy
    from skillsim.policies.contract import ContractError, FIELDS, validate_claim

    params = get_policy(pid).parameters
    dates = [f.name for f in FIELDS if f.kind == "date"]
    numbers = [f for f in FIELDS if f.kind in ("int", "number") and _field_unit(f.name)]
    choices = {f.name: [*(f.choices if f.kind == "enum" else (True, False)), *([None] if f.nullable else [])]
               for f in FIELDS if f.kind in ("enum", "bool")}
    out: list[dict] = []
    for seed in _seeds(pid, claims):
        def put(**change):
            out.append({**seed, **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in change.items()}})
        for name, values in choices.items():
            for v in values:
                put(**{name: v})
        paid = {"policy_id": pid, "occupation_code": seed.get("occupation_code"), "cert_level": seed.get("cert_level"),
                "special_ability_item": seed.get("special_ability_item"), "date": seed["application_date"]}
        level = seed.get("cert_level")
        for change in [{"as_employed": v} for v in (True, False, None)] + [{"as_student": v} for v in (True, False)] \
                + [{"cert_level": v} for v in ((level - 1, level + 1) if level else (3,))] \
                + [{"occupation_code": None}, {"date": str(int(paid["date"][:4]) - 1) + paid["date"][4:]}]:
            put(prior_subsidies=[*(seed.get("prior_subsidies") or []), {**paid, **change}])
        have = {d: dt.date.fromisoformat(seed[d]) for d in dates if seed.get(d)}
        for name in params:
            unit, value = params.meta(name).unit, params[name]
            if unit == "date":
                for day in (value - dt.timedelta(days=1), value, value + dt.timedelta(days=1)):
                    for d, was in have.items():
                        put(**{d: day})                                     # this date alone
                        put(**{e: v + (day - was) for e, v in have.items()})  # every date, gaps kept
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            for f in numbers:
                if _field_unit(f.name) == unit:
                    for v in (value - 1, value, value + 1):
                        put(**{f.name: int(v) if f.kind == "int" else v})
            if unit in ("years", "months", "days") and float(value).is_integer():
                for a, day in have.items():
                    for b in have:
                        end = _shift(day, unit, int(value))
                        if b != a and end:
                            for k in (-1, 0, 1):
                                put(**{b: end + dt.timedelta(days=k)})
    valid, seen = [], set()
    for c in out:
        key = json.dumps(c, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        try:
            validate_claim(c)
        except ContractError:
            continue
        valid.append({**c, "person_id": f"boundary-{len(valid)}"})  # alone: no cap between them
    return valid


def odd_overrides(pid: str) -> dict[str, Any]:
    """A parameter variant whose amounts are odd and percentages have a half (each kept only
    if the policy accepts it), so a rounding that differs shows in the results."""
    from skillsim.policies import get_policy

    policy = get_policy(pid)
    params = policy.params(OVERRIDES.get(pid))
    odd = lambda v: v + 1 if v % 2 == 0 else v  # noqa: E731

    def table(v):
        return {k: table(x) for k, x in v.items()} if isinstance(v, dict) else odd(v)
    chosen = dict(OVERRIDES.get(pid, {}))
    for name in params:
        unit, value = params.meta(name).unit, params[name]
        cand = (odd(value) if unit == "CNY" else table(value) if unit == "CNY table" and value
                else value + 0.5 if unit == "percent" and value else None)
        if cand is None or cand == value:
            continue
        try:
            policy.params({**chosen, name: cand})
        except ValueError:
            continue
        chosen[name] = cand
    return chosen


def results(ref: dict[str, Any], only: list[str] | None = None) -> dict[str, Any]:
    """policy id (and policy id + ODD) -> {"missing": …, "single": [row, …], "population":
    sorted rows} or {"error": …}."""
    import polars as pl

    from skillsim.policies import claims_frame, get_policy
    from skillsim.policies.engine import collect

    out: dict[str, Any] = {}
    for pid, claims in ref["claims"].items():
        if only and pid not in only:
            continue
        for key, overrides in ((pid, OVERRIDES.get(pid)), (pid + ODD, ref["odd"][pid])):
            try:
                policy = get_policy(pid)
                missing = policy.missing_parameters(policy.parameters)
                params = policy.params(overrides)
                frame = claims_frame(claims)
                single = collect(policy.evaluate(frame, params, detail="reasons"))
                population = collect(policy.population_caps(single.lazy(), params))
                rows = lambda df: [json.dumps(r, sort_keys=True, default=str, ensure_ascii=False)  # noqa: E731
                                   for r in df.drop(pl.selectors.starts_with("skillsim_")).iter_rows(named=True)]
                out[key] = {"missing": missing, "single": rows(single), "population": sorted(rows(population)),
                            "governs": _governs(policy)}
            except Exception as e:  # a mutant that breaks loading or evaluating changes every result
                out[key] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
    return out


def _governs(policy) -> list[str]:
    """Which certificate days the policy governs (``skillsim policies --date``), around each of
    its dates: the days of its metadata ± 1 day."""
    m = policy.meta
    days = sorted({d + dt.timedelta(days=k) for d in (m.certificates_from, m.certificates_until, m.in_force_from,
                                                       m.in_force_until) if isinstance(d, dt.date) for k in (-1, 0, 1)})
    return [f"{d} {m.governs(d)}" for d in days]


def first_difference(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """One line naming the first result that differs, or None if all are the same."""
    for pid, want in before.items():
        got = after.get(pid)
        if got is None or got == want:
            continue
        if "error" in got or "error" in want:
            return f"{pid}: {want.get('error', 'runs')} -> {got.get('error', 'runs')}"
        if got["missing"] != want["missing"]:
            return f"{pid}: missing parameters {want['missing']} -> {got['missing']}"
        if got.get("governs") != want.get("governs"):
            return f"{pid}: the certificate days it governs {want.get('governs')} -> {got.get('governs')}"
        for view in ("single", "population"):
            for i, (a, b) in enumerate(zip(want[view], got[view])):
                if a != b:
                    return f"{pid} ({view}) claim {i}: {_brief(a)} -> {_brief(b)}"
    return None


def _brief(row: str) -> str:
    r = json.loads(row)
    rules = [x["rule"] for x in r.get("reasons") or []]
    return (f"{r.get('status')} {r.get('amount_cny')} {r.get('deciding_rule')} month={r.get('payment_month')} "
            f"tier={r.get('tier')} cat={r.get('category')} fund={(r.get('funding') or {}).get('source')} rules={rules}")
