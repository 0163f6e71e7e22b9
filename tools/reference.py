"""The reference population a mutant's results are compared on, and those results.

Built once from the unmutated tree (``build``): per policy, every worked example and test
base claim, a derandomised sample of the policy's paid-claim strategy (tests/strategies.py)
and of the any-claim strategy, on a few shared person ids so the caps between claims bite.
``results`` evaluates it (one claim at a time and as a population, with every reason) in
whatever tree is first on the path: a mutant that changes none of them is *equivalent*.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the draft (BJPT-2) runs only with amounts a scenario supplies
OVERRIDES = {"beijing-2025-project-training-draft": {"training_base_per_trainee_cny": 1500,
                                                      "project_training_per_trainee_cny": 1000,
                                                      "district_programme_per_trainee_cny": 600}}
SAMPLE = 120


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


def build() -> dict[str, list[dict]]:
    """policy id -> claims (JSON objects)."""
    from policies import policy_ids
    from tests import strategies

    examples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))
                if p.name != "expected.json"]
    ref = {}
    for pid in policy_ids():
        paid = _sample(strategies.paid_claims(pid), SAMPLE) if pid in strategies.PAID else []
        ref[pid] = examples + _bases() + paid + _sample(strategies.claims(), SAMPLE // 2)
    return ref


def results(ref: dict[str, list[dict]], only: list[str] | None = None) -> dict[str, Any]:
    """policy id -> {"missing": …, "single": [row, …], "population": sorted rows} or {"error": …}."""
    import polars as pl

    from policies import claims_frame, get_policy
    from policies.engine import collect

    out: dict[str, Any] = {}
    for pid, claims in ref.items():
        if only and pid not in only:
            continue
        try:
            policy = get_policy(pid)
            missing = policy.missing_parameters(policy.parameters)
            params = policy.params(OVERRIDES.get(pid))
            frame = claims_frame(claims)
            single = collect(policy.evaluate(frame, params, detail="reasons"))
            population = collect(policy.population_caps(single.lazy(), params))
            rows = lambda df: [json.dumps(r, sort_keys=True, default=str, ensure_ascii=False)  # noqa: E731
                               for r in df.drop(pl.selectors.starts_with("skillsim_")).iter_rows(named=True)]
            out[pid] = {"missing": missing, "single": rows(single), "population": sorted(rows(population))}
        except Exception as e:  # a mutant that breaks loading or evaluating changes every result
            out[pid] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
    return out


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
