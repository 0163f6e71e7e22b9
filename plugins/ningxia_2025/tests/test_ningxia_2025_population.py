"""ningxia-2025-skills-subsidy over many claims: hypothesis properties over claims it pays,
its caps between claims (NX25-L1, NX25-L2) equal to the in-order reading, and the plug-in
standing outside the core (public names only; the core never names it)."""
from __future__ import annotations

import ast
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skillsim_ningxia_2025
from skillsim.plugin import claims_frame, get_policy, policy_ids, result_dict
from skillsim.testing.checks import MIN_PAID, run_counting

PID = "ningxia-2025-skills-subsidy"
NX = get_policy(PID)
P = NX.parameters
CODES = ["6-18-01-07", "4-10-01-05", "4-01-02-01"]
TABLES = {False: {5: 800, 4: 1200, 3: 1600}, True: {5: 1000, 4: 1500, 3: 2000}}   # NX25-A1, NX25-A2
RESULT = ("status", "amount_cny", "deciding_rule")


def _day(lo: dt.date, hi: dt.date):
    return st.dates(min_value=lo, max_value=hi)


@st.composite
def paid_claims(draw, person_id: str | None = None):
    """A claim NX25 pays: an insured employee or a person drawing benefit (NX25-S1), a level
    5–3 qualification or skill-level certificate (C1) of a known shortage class (A1/A2), issued
    in 2025 and claimed within 12 months and by 2025-12-31 (V1); no prior subsidy of its own."""
    issued = draw(_day(dt.date(2025, 1, 1), dt.date(2025, 11, 30)))
    applied = issued + dt.timedelta(days=draw(st.integers(0, (dt.date(2025, 12, 31) - issued).days)))
    claim = {"person_id": person_id or draw(st.sampled_from(["a", "b", "c"])), "hukou": "ningxia",
             "age": draw(st.integers(18, 59)), "sex": draw(st.sampled_from(["female", "male"])),
             "cert_kind": draw(st.sampled_from(["skill_level", "qualification"])),
             "occupation_code": draw(st.sampled_from(CODES)), "cert_level": draw(st.integers(3, 5)),
             "cert_issue_date": issued.isoformat(), "cert_issuer_city": draw(st.sampled_from(["ningxia", "other"])),
             "application_date": applied.isoformat(), "urgent_shortage_occupation": draw(st.booleans())}
    if draw(st.booleans()):
        claim |= {"employment": "employed", "insurance_months": draw(st.integers(12, 120))}
    else:
        claim |= {"employment": "unemployed", "drawing_unemployment_benefit": True,
                  "insurance_months": draw(st.integers(0, 120))}
    return claim


@st.composite
def any_claims(draw):
    """Paid claims with one fact turned at random: every check gets its turn."""
    claim = draw(paid_claims())
    turn = draw(st.sampled_from([{}] * 9 + [{"employment": "flexible"}, {"insurance_months": 11}, {"cert_level": 2},
                                 {"cert_level": None}, {"urgent_shortage_occupation": None},
                                 {"drawing_unemployment_benefit": None}, {"cert_issue_date": "2024-12-01"},
                                 {"cert_kind": "special_ability", "cert_level": None},
                                 {"prior_subsidies": [{"policy_id": PID, "occupation_code": claim["occupation_code"],
                                                       "cert_level": 3, "date": "2025-01-01"}]}]))
    claim = claim | turn
    if claim["cert_issue_date"] > claim["application_date"]:
        claim["application_date"] = claim["cert_issue_date"]
    return claim




def test_a_paid_claim_is_paid_its_table_amount_and_nothing_else():
    def check(claim):
        r = NX.explain(claim)
        assert (r["status"], r["amount_cny"]) == ("eligible", TABLES[claim["urgent_shortage_occupation"]][claim["cert_level"]])
        assert r["deciding_rule"] == ("NX25-A2" if claim["urgent_shortage_occupation"] else "NX25-A1")
        assert r["funding"]["city_cny"] == r["amount_cny"]
        return [r["status"]]
    run_counting(paid_claims(), check)


def test_a_higher_level_never_pays_less_and_a_shortage_occupation_never_less():
    def check(claim):
        amounts = {(lv, s): NX.explain(claim | {"cert_level": lv, "urgent_shortage_occupation": s})["amount_cny"]
                   for lv in (5, 4, 3) for s in (False, True)}
        for s in (False, True):
            assert amounts[(5, s)] < amounts[(4, s)] < amounts[(3, s)]
        assert all(amounts[(lv, True)] > amounts[(lv, False)] for lv in (5, 4, 3))
        return ["eligible"]
    run_counting(paid_claims(), check, n=15)


def test_vectorised_equals_one_claim_and_amounts_follow_status():
    def check(batch):
        frame = NX.evaluate(claims_frame(batch), detail="reasons").collect()
        for row, claim in zip(frame.iter_rows(named=True), batch):
            assert result_dict(row) == NX.explain(claim)
        paid = frame.filter(pl.col("status") == "eligible")
        assert paid["amount_cny"].is_in([a for t in TABLES.values() for a in t.values()]).all()
        assert (frame.filter(pl.col("status") != "eligible")["amount_cny"] == 0).all()
        assert frame["deciding_rule"].str.starts_with("NX25-").all()
        return frame["status"].to_list()
    run_counting(st.lists(any_claims(), min_size=1, max_size=8), check, n=30)


# ---------------------------------------------------------------- caps between claims: the in-order oracle
def oracle(claims: list[dict[str, Any]]) -> list[tuple]:
    """Written from the reading, not from skillsim's caps: each person's claims in order of
    application (ties: the larger amount alone, then row order), each decided as one claim whose
    prior_subsidies are its own plus the person's earlier paid claims (policy, occupation, level,
    dated the application)."""
    alone = NX.evaluate(claims_frame(claims), detail="amounts").collect()["amount_cny"].to_list()
    queues = defaultdict(list)
    for i, c in enumerate(claims):
        queues[c["person_id"]].append(i)
    out: list[tuple] = [()] * len(claims)
    for q in queues.values():
        paid: list[dict] = []
        for i in sorted(q, key=lambda i: (claims[i]["application_date"], -alone[i], i)):
            c = claims[i]
            r = NX.explain({**c, "prior_subsidies": c.get("prior_subsidies", []) + paid})
            out[i] = tuple(r[f] for f in RESULT)
            if r["status"] == "eligible":
                paid.append({"policy_id": PID, "occupation_code": c["occupation_code"], "cert_level": c["cert_level"],
                             "date": c["application_date"]})
    return out


def capped(claims: list[dict[str, Any]]) -> Counter:
    frame = claims_frame(claims)
    got = NX.population_caps(NX.evaluate(frame, P), P).collect()
    assert got.height == frame.height
    return Counter((repr(r[:-3]), tuple(r[-3:])) for r in got.select(*frame.columns, *RESULT).iter_rows())


def keyed(claims, results) -> Counter:
    frame = claims_frame(claims)
    return Counter((repr(row), res) for row, res in zip(frame.iter_rows(), results))


def test_caps_equal_the_in_order_oracle():
    stats: Counter = Counter()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(1, 3).flatmap(lambda n: st.tuples(*[st.lists(paid_claims(person_id=f"p{i}"), min_size=2,
                                                                     max_size=5) for i in range(n)])))
    def prop(people):
        claims = [c for person in people for c in person]
        want = oracle(claims)
        assert capped(claims) == keyed(claims, want)
        stats["claims"] += len(claims)
        stats["paid"] += sum(w[0] == "eligible" for w in want)
        stats["capped"] += sum(w[0] != "eligible" for w in want)
        stats["by L2"] += sum(w[2] == "NX25-L2" for w in want)
    prop()
    assert stats["paid"] >= MIN_PAID * stats["claims"] and stats["capped"] > 0 and stats["by L2"] > 0, stats


def test_NX25_L1_in_a_population_two_shortage_certificates_then_nothing_more_that_year():
    one = {"person_id": "w", "hukou": "ningxia", "age": 30, "sex": "male", "employment": "employed",
           "insurance_months": 24, "cert_kind": "skill_level", "cert_level": 4, "cert_issue_date": "2025-02-01",
           "cert_issuer_city": "ningxia", "urgent_shortage_occupation": True}
    claims = [one | {"occupation_code": o, "application_date": d}
              for o, d in [("6-18-01-07", "2025-03-01"), ("4-10-01-05", "2025-04-01"), ("4-01-02-01", "2025-05-01")]]
    claims.append(one | {"occupation_code": "6-29-03-02", "urgent_shortage_occupation": False,
                         "application_date": "2025-02-15"})   # another occupation, first: 1200
    got = NX.population_caps(NX.evaluate(claims_frame(claims), P), P).collect().sort("application_date")
    assert list(zip(got["deciding_rule"], got["amount_cny"])) == [
        ("NX25-A1", 1200), ("NX25-A2", 1500), ("NX25-L1", 0), ("NX25-L1", 0)]
    assert capped(claims) == keyed(claims, oracle(claims))


def test_NX25_L2_in_a_population_a_lower_level_after_a_higher_one_is_not_paid():
    one = {"person_id": "w", "hukou": "ningxia", "age": 30, "sex": "male", "employment": "employed",
           "insurance_months": 24, "cert_kind": "skill_level", "occupation_code": "6-18-01-07",
           "cert_issue_date": "2025-02-01", "cert_issuer_city": "ningxia", "urgent_shortage_occupation": True}
    claims = [one | {"cert_level": 3, "application_date": "2025-03-01"},
              one | {"cert_level": 4, "application_date": "2025-04-01"}]
    got = NX.population_caps(NX.evaluate(claims_frame(claims), P), P).collect().sort("application_date")
    assert list(zip(got["deciding_rule"], got["amount_cny"])) == [("NX25-A2", 2000), ("NX25-L2", 0)]


# ---------------------------------------------------------------- outside the core
PUBLIC = {"__future__", "pathlib", "polars", "skillsim.plugin"}   # skillsim only through its plug-in interface


def test_the_plugin_imports_only_skillsims_public_policy_names():
    tree = ast.parse(Path(skillsim_ningxia_2025.__file__).read_text(encoding="utf-8"))
    used = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert used <= PUBLIC, used - PUBLIC
    assert all(n.level == 0 for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))


ROOT = Path(__file__).resolve().parents[3]
CORE = ("policies", "simulate", "dashboard", "api")
NAMES = re.compile(r"ningxia|宁夏|NX25", re.IGNORECASE)


def test_the_core_names_no_ningxia():
    found = [f"{p.relative_to(ROOT)}:{n}" for d in CORE for p in sorted((ROOT / d).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if NAMES.search(line)]
    assert (ROOT / "policies" / "engine.py").is_file()     # the scan reads the core, not an empty folder
    assert not found, f"the core names the plug-in: {found}"


def test_it_is_registered_beside_the_builtin_policies():
    assert PID in policy_ids() and "beijing-2026-key-groups" in policy_ids()
    assert NX.meta.city == "ningxia" and NX.meta.rule_prefix == "NX25"
    assert set(NX.rules) == {f"NX25-{r}" for r in ("S1", "C1", "A1", "A2", "L1", "L2", "V1", "F1")}
