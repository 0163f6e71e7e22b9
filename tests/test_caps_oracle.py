"""Population caps equal the in-order reading (README): each person's claims taken in order of
application (ties: the larger amount as evaluated alone, then row order), each decided as one
claim whose prior_subsidies are its own plus the person's earlier claims that were paid.

The oracle below is written from that sentence, not from policies/caps.py: it evaluates each
person's k-th claim with the paid ones before it as prior items built here (policy id,
occupation, item, level, the application date, and each policy's flags)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillsim.policies import claims_frame, get_policy
from skillsim.simulate.runner import run_policy

from .conftest import BJ, BJ_BASE, SH, SH_BASE

SA = "beijing-2019-skills-action"
HS = "beijing-2026-high-skill-training"
RESULT = ("status", "amount_cny", "deciding_rule")


def prior_item(pid: str, claim: dict[str, Any], result: dict[str, Any], p) -> dict[str, Any] | None:
    """A paid claim as the prior subsidy the texts make it (None: it does not count as one)."""
    item = {"policy_id": pid, "occupation_code": claim.get("occupation_code"),
            "special_ability_item": claim.get("special_ability_item"), "cert_level": claim.get("cert_level"),
            "date": claim["application_date"]}
    rule = result["deciding_rule"]
    if pid == SH:   # SHSU-L1: paid as employed (R1, or X1 "as hukou employed"); SHSU-R3: as a vocational student
        item["as_employed"] = rule in ("SHSU-R1", "SHSU-X1")
        item["as_student"] = rule == "SHSU-R3" and claim.get("student_final_year") == "vocational"
    if pid == SA:   # BJSA-L1 counts a worker's subsidies, not a studio project's; BJSA-5's certificate is a condition
        if rule in p["l1_exempt_lines"]:
            return None
        if rule in p["same_level_exempt_lines"] or claim["cert_kind"] == "training_only":
            item["occupation_code"] = item["cert_level"] = None
    return item


def oracle(pid: str, claims: list[dict[str, Any]], p) -> list[tuple]:
    pol = get_policy(pid)
    alone = pol.evaluate(claims_frame(claims), p, detail="amounts").collect()["amount_cny"].to_list()
    queues = defaultdict(list)
    for i, c in enumerate(claims):
        queues[c["person_id"]].append(i)
    for q in queues.values():
        q.sort(key=lambda i: (claims[i]["application_date"], -alone[i], i))
    paid: dict[str, list] = defaultdict(list)
    out: list[tuple] = [()] * len(claims)
    for k in range(max(map(len, queues.values()))):     # every person's k-th claim, one row each
        step = [q[k] for q in queues.values() if len(q) > k]
        rows = [{**claims[i], "prior_subsidies": claims[i].get("prior_subsidies", []) + paid[claims[i]["person_id"]]}
                for i in step]
        for i, r in zip(step, pol.evaluate(claims_frame(rows), p, detail="amounts").collect().iter_rows(named=True)):
            out[i] = tuple(r[f] for f in RESULT)
            item = prior_item(pid, claims[i], r, p) if r["status"] == "eligible" else None
            if item:
                paid[claims[i]["person_id"]].append(item)
    return out


def keyed(frame: pl.DataFrame, results: list[tuple]) -> Counter:
    """(claim, result) pairs as a multiset: identical claims may sit anywhere among themselves."""
    cols = [c for c in frame.columns]
    return Counter((repr(row), res) for row, res in zip(frame.select(cols).iter_rows(), results))


def check(pid: str, claims: list[dict[str, Any]], stats: Counter, overrides=None) -> None:
    pol = get_policy(pid)
    p = pol.params(overrides)
    frame = claims_frame(claims)
    want = oracle(pid, claims, p)
    got = run_policy(frame, pid, p)
    assert got.height == frame.height
    assert keyed(got.select(frame.columns), [tuple(r) for r in got.select(RESULT).iter_rows()]) == keyed(frame, want)
    alone = pol.evaluate(frame, p, detail="amounts").collect()
    stats["claims"] += len(claims)
    stats["eligible alone"] += int((alone["status"] == "eligible").sum())
    stats["paid"] += sum(w[0] == "eligible" for w in want)
    stats["capped"] += sum(a == "eligible" and w[0] != "eligible" for a, w in zip(alone["status"], want))
    stats["re-routed"] += sum(a == "eligible" and w[0] == "eligible" and rule != w[2]     # paid under another route
                              for a, rule, w in zip(alone["status"], alone["deciding_rule"], want))


def people(claim: st.SearchStrategy, n_people=(1, 3), n_claims=(2, 5)) -> st.SearchStrategy:
    def person(i: int):
        return st.lists(claim, min_size=n_claims[0], max_size=n_claims[1]).map(
            lambda cs: [{**c, "person_id": f"p{i}"} for c in cs])
    return st.integers(*n_people).flatmap(lambda n: st.tuples(*[person(i) for i in range(n)])).map(
        lambda ps: [c for p in ps for c in p])


def day(start: dt.date, days: int) -> st.SearchStrategy:
    return st.integers(0, days).map(lambda d: (start + dt.timedelta(days=d)).isoformat())


# ------------------------------------------------------------------ Shanghai
@st.composite
def sh_claim(draw):
    issued = dt.date.fromisoformat(draw(day(dt.date(2025, 5, 1), 1000)))
    kind = draw(st.sampled_from(["skill_level", "skill_level", "qualification", "special_ability"]))
    employment = draw(st.sampled_from(["employed", "employed", "flexible", "unemployed", "student", "other"]))
    claim = {**SH_BASE, "employment": employment, "cert_kind": kind,
             "occupation_code": draw(st.sampled_from(["4-03-02-01", "6-18-01-07"])),
             "cert_level": draw(st.integers(2, 4)) if kind == "skill_level" else draw(st.none() | st.integers(3, 4)),
             "cert_issue_date": issued.isoformat(),
             "application_date": (issued + dt.timedelta(days=draw(st.integers(0, 330)))).isoformat(),
             "employed_at_application": draw(st.booleans()),
             "months_employed_after_cert": draw(st.sampled_from([12, 12, 3])),
             "registered_unemployed": draw(st.booleans()), "xiebao": draw(st.booleans()),
             "disabled": draw(st.booleans())}
    if kind == "special_ability":
        claim.update(occupation_code=None, cert_level=None,
                     special_ability_item=draw(st.sampled_from(["母婴照护", "茶艺"])))
    if employment == "student" or (employment == "employed" and draw(st.booleans())):
        claim.update(student_final_year=draw(st.sampled_from(["vocational", "vocational", "college"])),
                     school_city="shanghai")
    if draw(st.integers(0, 5)) == 0:   # an elderly-care worker (SHSU-X1, paid as employed)
        claim.update(occupation_code="4-10-01-05", cert_kind="skill_level", cert_level=draw(st.integers(3, 5)),
                     special_ability_item=None, care_sector_post=True, care_post_start_months=0, hukou="other")
    if draw(st.integers(0, 6)) == 0:
        claim["prior_subsidies"] = [{"policy_id": SH, "occupation_code": "4-03-02-01", "cert_level": 3,
                                     "date": claim["application_date"], "as_employed": draw(st.booleans())}]
    return claim


def test_shanghai_caps_equal_the_in_order_oracle():
    stats: Counter = Counter()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(claims=people(sh_claim()))
    def run(claims):
        check(SH, claims, stats)
    run()
    assert stats["eligible alone"] >= 0.3 * stats["claims"], stats
    assert stats["capped"] > 0, stats


# the audit's kind of case: a claim turned down by re-routing blocks nothing (SHSU-R7 runs in order)
EMPLOYED = {"employment": "employed", "months_employed_after_cert": 12}


def test_SHSU_R7_a_claim_turned_down_by_L1_rerouting_does_not_block_a_later_one():
    claims = [
        {**SH_BASE, **EMPLOYED, "occupation_code": "6-18-01-07", "application_date": "2026-03-10"},  # paid, R1
        {**SH_BASE, **EMPLOYED, "application_date": "2026-03-20"},     # L1: the year's one as employed is taken
        {**SH_BASE, "cert_level": 4, "application_date": "2026-04-01"},  # flexible, level 4 of the same occupation
    ]
    got = {r["application_date"].isoformat(): (r["status"], r["deciding_rule"], r["amount_cny"])
           for r in run_policy(claims_frame(claims), SH, get_policy(SH).parameters).iter_rows(named=True)}
    assert got["2026-03-20"] == ("ineligible", "SHSU-L1", 0)
    assert got["2026-04-01"] == ("eligible", "SHSU-R2", 2000)     # not SHSU-R7: the level-3 claim was not paid
    check(SH, claims, Counter())


def test_SHSU_R3_once_then_the_next_best_route_SHSU_M():
    student = {**SH_BASE, **EMPLOYED, "student_final_year": "vocational", "school_city": "shanghai",
               "employed_at_application": True}
    claims = [{**student, "occupation_code": "6-18-01-07", "application_date": "2026-03-05"},  # R3 employed: 100 %
              {**student, "application_date": "2026-03-10"},   # R3 once: the employed route, 80 %
              {**student, "cert_level": 2, "hukou": "other", "employed_at_application": False,
               "months_employed_after_cert": 3, "application_date": "2026-03-15"}]   # R3 gone, R1 too short
    got = run_policy(claims_frame(claims), SH, get_policy(SH).parameters)
    rules = dict(zip(got["application_date"].dt.to_string(), zip(got["deciding_rule"], got["amount_cny"])))
    assert rules == {"2026-03-05": ("SHSU-R3", 2700), "2026-03-10": ("SHSU-R1", 2160),
                     "2026-03-15": ("SHSU-R1", 0)}
    check(SH, claims, Counter())


# ------------------------------------------------------------------ Beijing key groups
@st.composite
def bj_claim(draw):
    issued = dt.date.fromisoformat(draw(day(dt.date(2026, 2, 14), 300)))
    group = draw(st.sampled_from([{}, {}, {"registered_unemployed": False, "employment_difficulty": True},
                                  {"registered_unemployed": False, "employment": "employed"}]))
    return {**BJ_BASE, **group, "occupation_code": draw(st.sampled_from(["4-03-02-01", "4-10-01-05"])),
            "cert_level": draw(st.none() | st.integers(2, 5)) if draw(st.integers(0, 5)) == 0
            else draw(st.integers(2, 5)),
            "cert_issue_date": issued.isoformat(), "disabled": draw(st.integers(0, 8)) == 0,
            "application_date": (issued + dt.timedelta(days=draw(st.integers(0, 380)))).isoformat()}


def test_beijing_key_groups_caps_equal_the_in_order_oracle():
    stats: Counter = Counter()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(claims=people(bj_claim()))
    def run(claims):
        check(BJ, claims, stats)
    run()
    assert stats["eligible alone"] >= 0.3 * stats["claims"], stats
    assert stats["capped"] > 0, stats


# ------------------------------------------------------------------ many people: results back on their rows
@pytest.mark.parametrize("pid", [BJ, SH])
def test_caps_over_many_interleaved_people_put_each_result_back_on_its_row(pid):
    """The caps take out only the rows of people with an eligible claim and another, and put
    their results back by position: with dozens of people, one to five claims each, the rows
    shuffled so that a person's claims lie apart, every row's result is the oracle's for that
    very row, and the claims come back as given, in their order."""
    p = get_policy(pid).params()
    capped = Counter()

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
    @given(claims=people(bj_claim() if pid == BJ else sh_claim(), n_people=(30, 50), n_claims=(1, 5))
           .flatmap(st.permutations))
    def run(claims):
        frame = claims_frame(claims)
        got = run_policy(frame, pid, p)
        assert got.select(frame.columns).equals(frame)
        want = oracle(pid, claims, p)
        assert [tuple(r) for r in got.select(RESULT).iter_rows()] == want
        alone = get_policy(pid).evaluate(frame, p, detail="amounts").collect()["status"]
        capped["rows"] += sum(a == "eligible" and w[0] != "eligible" for a, w in zip(alone, want))
    run()
    assert capped["rows"] > 0, capped


# ------------------------------------------------------------------ Beijing 2019 skills action (BJSA-L1)
@st.composite
def sa_claim(draw):
    issued = dt.date.fromisoformat(draw(day(dt.date(2019, 1, 1), 1000)))
    line = draw(st.sampled_from([None, None, None, "BJSA-3", "BJSA-5", "BJSA-6", "BJSA-10"]))
    claim = {"hukou": "beijing", "age": 30, "sex": "male", "employment": "employed", "insurance_months": 12,
             "cert_kind": draw(st.sampled_from(["skill_level", "qualification"])),
             "occupation_code": draw(st.sampled_from(["6-18-01-07", "4-10-01-05"])), "cert_level": draw(st.integers(2, 3)),
             "cert_issue_date": issued.isoformat(), "cert_issuer_city": "beijing", "employer_id": "e1",
             "application_date": (issued + dt.timedelta(days=draw(st.integers(0, 200)))).isoformat(),
             "subsidy_line": line}
    if line == "BJSA-3":
        claim.update(cert_kind="special_operation", cert_level=None)
    if line == "BJSA-6":
        claim.update(project_id=str(draw(st.uuids())))   # BJSA-6's cap is per project, not per person
    if line == "BJSA-10":
        claim.update(cert_kind="training_only", industry="domestic_service", domestic_training="pre_job",
                     training_hours=draw(st.sampled_from([80, None])))
    return claim


def test_beijing_skills_action_L1_equals_the_in_order_oracle():
    stats: Counter = Counter()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(claims=people(sa_claim(), n_claims=(2, 6)))
    def run(claims):
        check(SA, claims, stats)
    run()
    assert stats["eligible alone"] >= 0.3 * stats["claims"], stats
    assert stats["capped"] > 0, stats


# ------------------------------------------------------------------ Beijing high-skill training (BJHS-T1)
HS_BASE = {"hukou": "beijing", "age": 40, "sex": "male", "employment": "employed", "cert_kind": "skill_level",
           "occupation_code": "6-18-01-07", "cert_level": 2, "cert_issue_date": "2024-05-01",
           "cert_issuer_city": "beijing", "host_id": "h1", "front_line_post": True,
           "insurance_months_at_training": 24, "in_2025_programme": False, "programme_hours": 80,
           "programme_seminar_hours": 16}


@st.composite
def hs_claim(draw):
    end = dt.date.fromisoformat(draw(day(dt.date(2026, 6, 1), 150)))
    return {**HS_BASE, "programme_end_date": end.isoformat(),
            "application_date": (end + dt.timedelta(days=draw(st.integers(0, 16)))).isoformat(),
            "programme_hours": draw(st.sampled_from([80, 80, 60, None]))}


def test_beijing_high_skill_once_per_person_equals_the_in_order_oracle():
    stats: Counter = Counter()

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(claims=people(hs_claim()))
    def run(claims):
        check(HS, claims, stats)
    run()
    assert stats["eligible alone"] >= 0.3 * stats["claims"], stats
    assert stats["capped"] > 0, stats


# ------------------------------------------------------------------ the caps between claims, rule by rule
def _run(pid: str, claims: list[dict[str, Any]]) -> dict[str, tuple]:
    got = run_policy(claims_frame(claims), pid, get_policy(pid).parameters)
    return {r["application_date"].isoformat(): (r["status"], r["deciding_rule"])
            for r in got.iter_rows(named=True)}


def test_SHSU_R7_the_same_level_again_is_turned_down_a_lower_one_too_a_higher_one_paid():
    claims = [{**SH_BASE, "application_date": "2026-03-10"},                        # level 3
              {**SH_BASE, "application_date": "2026-03-11"},                        # level 3 again
              {**SH_BASE, "cert_level": 4, "application_date": "2026-03-12"},       # lower
              {**SH_BASE, "cert_level": 2, "application_date": "2026-03-13"}]       # higher: paid
    got = _run(SH, claims)
    assert [got[d][1] for d in sorted(got)] == ["SHSU-R2", "SHSU-R7", "SHSU-R7", "SHSU-R2"]


def test_SHSU_L1_three_a_year_in_a_population_the_fourth_turned_down():
    occupations = ["4-03-02-01", "6-18-01-07", "4-10-01-05", "6-29-03-02"]
    claims = [{**SH_BASE, "occupation_code": o, "application_date": f"2026-03-1{i}"} for i, o in enumerate(occupations)]
    claims.append({**SH_BASE, "occupation_code": "4-01-02-01", "cert_issue_date": "2027-01-05",
                   "application_date": "2027-01-10"})  # a new year
    got = _run(SH, claims)
    assert [got[d] for d in sorted(got)] == [("eligible", "SHSU-R2")] * 3 + [("ineligible", "SHSU-L1"),
                                                                             ("eligible", "SHSU-R2")]


def test_SHSU_R3_a_vocational_student_is_paid_once_in_a_population():
    student = {**SH_BASE, "hukou": "other", "employment": "student", "student_final_year": "vocational",
               "school_city": "shanghai", "cert_level": 5}
    claims = [{**student, "occupation_code": o, "application_date": f"2026-03-1{i}"}
              for i, o in enumerate(["4-03-02-01", "6-18-01-07", "4-10-01-05"])]
    got = _run(SH, claims)
    assert [got[d] for d in sorted(got)] == [("eligible", "SHSU-R3")] + [("ineligible", "SHSU-R3")] * 2


SA_WORKER = {"person_id": "w", "hukou": "beijing", "age": 30, "sex": "male", "employment": "employed",
             "insurance_months": 12, "cert_kind": "skill_level", "cert_level": 3, "cert_issue_date": "2019-06-01",
             "cert_issuer_city": "beijing"}


def test_BJSA_L1_a_workers_three_a_year_do_not_count_studio_projects():
    # 六(十五): 符合相关培训补贴政策的劳动者，每人每年可享受不超过3次: a worker's subsidies; BJSA-6 funds a studio project
    studio = [{**SA_WORKER, "subsidy_line": "BJSA-6", "project_id": f"s{i}", "occupation_code": None,
               "cert_kind": "training_only", "cert_level": None, "application_date": f"2019-07-0{i + 1}"}
              for i in range(3)]
    levels = [{**SA_WORKER, "occupation_code": o, "application_date": f"2019-08-0{i + 1}"}
              for i, o in enumerate(["6-18-01-07", "4-10-01-05", "4-03-02-01", "4-01-02-01"])]
    got = _run(SA, studio + levels)
    assert [got[d] for d in sorted(got)] == [("eligible", "BJSA-6")] * 3 + [("eligible", "BJSA-4")] * 3 \
        + [("ineligible", "BJSA-L1")]
