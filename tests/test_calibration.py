"""The 2019 calibration (BJSA-K1): cohorts of training places by agency and line, run
through beijing-2019-skills-action, reproduce the task table of 京政办发〔2019〕18号."""
from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from skillsim.policies import get_policy
from skillsim.policies.contract import validate_frame
from skillsim.policies.cohort_lines import Attribute
from skillsim.simulate import calibration, cohort_draw, metrics, runner, scenario
from skillsim.simulate.cli import main
from skillsim.simulate.scenario import ScenarioError

NAME = "beijing-2019-task-table"
DISTRICTS = "各区政府 (含北京经济技术开发区管委会)"
# 附件 北京市职业技能提升补贴性培训2019年任务分解表: 万人次 by agency, as the text writes them
TABLE = {
    "市人力资源社会保障局": 5, "市国资委": 22.5, "市教委": 2, "市科委": 1, "市经济和信息化局": 1, "市金融监管局": 0.3,
    "市卫生健康委": 1, "市园林绿化局": 1, "市商务局": 3, "市文化旅游局": 2, "市民政局": 0.5, "市退役军人局": 0.2,
    "市应急管理局": 5, "市农业农村局": 2, "市公安局": 2, "市邮政管理局": 2, "市市场监管局": 1, "市总工会": 0.5,
    "市妇联": 1, "市残联": 0.3, DISTRICTS: 9,
}
# the 指标说明's programmes, as the scenario reads them onto lines ("none": no line funds it)
BY_LINE = {
    ("市人力资源社会保障局", "BJSA-2"): 1, ("市人力资源社会保障局", "BJSA-4"): 4,
    ("市国资委", "BJSA-1"): 9.2, ("市国资委", "BJSA-8"): 13.3, ("市教委", "none"): 1, ("市教委", "BJSA-8"): 1,
    ("市科委", "BJSA-7"): 1, ("市经济和信息化局", "BJSA-7"): 1, ("市金融监管局", "BJSA-7"): 0.3,
    ("市卫生健康委", "BJSA-8"): 1, ("市园林绿化局", "BJSA-8"): 1, ("市商务局", "BJSA-10"): 3,
    ("市文化旅游局", "BJSA-7"): 2, ("市民政局", "BJSA-8"): 0.5, ("市退役军人局", "none"): 0.2,
    ("市应急管理局", "BJSA-3"): 5, ("市农业农村局", "none"): 2, ("市公安局", "BJSA-8"): 2,
    ("市邮政管理局", "BJSA-8"): 2, ("市市场监管局", "BJSA-3"): 1, ("市总工会", "BJSA-4"): 0.5,
    ("市妇联", "none"): 1, ("市残联", "none"): 0.3,
    (DISTRICTS, "none"): 4.2, (DISTRICTS, "BJSA-1"): 2.8, (DISTRICTS, "BJSA-4"): 2,
}
WAN = 10_000


def close(simulated: float, target: float) -> bool:
    return abs(simulated - target) <= 0.01 * target


@pytest.fixture(scope="module")
def full_run() -> runner.RunResult:
    """The ready scenario at full size (623k person-times, ~4 s), one replication."""
    return runner.run(scenario.load(NAME).with_changes(replications=1), keep_claims=False)


def _sim(res: runner.RunResult) -> pl.DataFrame:
    """Simulated person-times by agency and line: paid claims + person-times of unfunded programmes."""
    b = res.breakdowns.filter(pl.col("variant") == "baseline")
    paid = b.filter(pl.col("dimension") == "cohort").select(
        pl.col("key").str.split(" | ").list.get(0).alias("agency"),
        pl.col("key").str.split(" | ").list.get(1).alias("line"), pl.col("eligible_claims").alias("n"))
    unfunded = b.filter(pl.col("dimension") == "unfunded").select(
        pl.col("key").str.split(" | ").list.get(0).alias("agency"), pl.lit("none").alias("line"),
        pl.col("claims").alias("n"))
    return pl.concat([paid, unfunded]).group_by("agency", "line").agg(pl.col("n").sum())


def test_the_table_is_the_texts():
    assert sum(TABLE.values()) == pytest.approx(62.3)                                   # 合计 62.3万人次
    assert sum(TABLE.values()) * WAN == get_policy("beijing-2019-skills-action").parameters[
        "task_table_total_person_times"]                                                # BJSA-K1
    by_agency: dict[str, float] = {}
    for (agency, _), n in BY_LINE.items():
        by_agency[agency] = by_agency.get(agency, 0) + n
    assert by_agency == pytest.approx(TABLE)


def test_paid_person_times_match_the_table_by_agency_line_and_total(full_run):
    sim = _sim(full_run)
    got = {(r["agency"], r["line"]): r["n"] for r in sim.iter_rows(named=True)}
    assert set(got) == set(BY_LINE)
    for key, wan in BY_LINE.items():
        assert close(got[key], wan * WAN), key
    agency = sim.group_by("agency").agg(pl.col("n").sum())
    assert {r["agency"]: r["n"] for r in agency.iter_rows(named=True)}.keys() == TABLE.keys()
    for r in agency.iter_rows(named=True):
        assert close(r["n"], TABLE[r["agency"]] * WAN), r["agency"]
    assert close(sim["n"].sum(), 623_000)
    # the calculator paid them: eligible claims are the funded part, all under their own line
    t = full_run.totals.row(0, named=True)
    assert t["eligible_claims"] == sum(n for (_, line), n in got.items() if line != "none")
    assert t["target_population"] == 623_000


def test_implied_budget_equals_the_sum_of_breakdowns(full_run):
    t = full_run.totals.row(0, named=True)
    whole = t["city_cny"] + t["district_cny"]          # amounts + BJSA-4 top-ups + BJSA-7 awards
    assert whole == t["budget_cny"] > 0                # the budget counts the second payments too
    sums = full_run.breakdowns.group_by("dimension").agg(pl.col("budget_cny").sum())
    sums = dict(sums.iter_rows())
    for dim in ("agency", "line", "cohort", "recipient", "funding", "payee", "deciding_rule"):
        assert sums[dim] == whole, dim
    assert sums["unfunded"] == 0
    note_total = calibration.cohorts_table(scenario.load(NAME).populations[0], full_run.breakdowns)["budget_cny"].sum()
    assert note_total == whole


def test_places_meet_the_contract_and_fail_only_their_own_line():
    pop = scenario.load(NAME).with_changes(size=6230).populations[0]
    draw = cohort_draw.generate(pop, np.random.default_rng(3))
    claims = validate_frame(draw.claims)
    assert claims["person_id"].is_unique().all()                      # one place per worker: BJSA-L1 stays idle
    assert claims["subsidy_line"].null_count() == 0
    assert draw.tags["person_id"].sort().equals(claims["person_id"].sort())
    res = draw.tag(runner.run_policy(claims, "beijing-2019-skills-action",
                                     get_policy("beijing-2019-skills-action").parameters))
    assert res.height == claims.height and res["agency"].null_count() == 0
    failed = res.filter(pl.col("status") != "eligible")
    assert (failed["status"] == "ineligible").all()
    assert (failed["deciding_rule"] == failed["line"]).all()         # the line's own condition (its fails)
    lines = get_policy("beijing-2019-skills-action").cohort_lines().lines
    assert set(failed["line"].unique()) <= {rid for rid, line in lines.items() if line.fails}


def test_same_seed_same_places():
    pop = scenario.load(NAME).with_changes(size=5000).populations[0]
    a = cohort_draw.generate(pop, np.random.default_rng(1)).claims
    assert a.equals(cohort_draw.generate(pop, np.random.default_rng(1)).claims)
    assert not a.equals(cohort_draw.generate(pop, np.random.default_rng(2)).claims)


def test_size_scales_every_cohort_alike():
    full = scenario.load(NAME).populations[0]
    small = scenario.load(NAME).with_changes(size=6230).populations[0]
    assert small.scale == pytest.approx(0.01) and small.size == pytest.approx(6230, abs=len(small.cohorts))
    for c in small.cohorts:
        assert c.counts(small.scale)[0] == max(1, round(c.target / 100))
    assert full.size == 623_000


MINIMAL = """
[scenario]
name = "t"
description = "test"
seed = 1

[[populations]]
name = "places"
city = "beijing"
policies = ["beijing-2019-skills-action"]
issue_dates = { start = 2019-01-01, end = 2019-12-31, source = "test" }

[[populations.cohorts]]
agency = "市人力资源社会保障局"
programme = "在岗职工"
line = "BJSA-4"
target = { value = 400, source = "test" }
eligible_share = { value = 0.8, source = "test" }
cert_level = { shares = { "5" = 0.5, "3" = 0.5 }, source = "test" }
difficult_enterprise = { value = 0.1, source = "test" }
"""
AT = "populations[0].cohorts[0]"


@pytest.mark.parametrize("old, new, key", [
    ('difficult_enterprise = { value = 0.1, source = "test" }', 'colour = { value = 1, source = "x" }', f"{AT}.colour"),
    ('line = "BJSA-4"', 'line = "BJSA-12"', f"{AT}.line"),
    ('line = "BJSA-4"', 'line = "BJSA-6"', f"{AT}.line"),                        # a studio is not a place
    ('{ value = 0.8, source = "test" }', '{ value = 1.5, source = "test" }', f"{AT}.eligible_share.value"),
    ('{ value = 0.8, source = "test" }', '{ value = 0, source = "test" }', f"{AT}.eligible_share.value"),
    ('{ value = 400, source = "test" }', '{ value = 400 }', f"{AT}.target.source"),
    ('{ value = 400, source = "test" }', '{ value = 0, source = "test" }', f"{AT}.target.value"),
    ('cert_level = { shares = { "5" = 0.5, "3" = 0.5 }, source = "test" }', "", f"{AT}.cert_level"),
    ('"3" = 0.5 }', '"3" = 0.6 }', f"{AT}.cert_level.shares"),
    ('"3" = 0.5 }', '"6" = 0.5 }', f"{AT}.cert_level.shares.6"),
    ('agency = "市人力资源社会保障局"', "", f"{AT}.agency"),
    ('line = "BJSA-4"', 'line = "none"', f"{AT}.eligible_share"),                  # none: person-times only

    ('issue_dates = { start = 2019-01-01, end = 2019-12-31, source = "test" }', "", "populations[0].issue_dates"),
    ('policies = ["beijing-2019-skills-action"]', 'policies = ["beijing-2026-key-groups"]', "populations[0].policies"),
    ('city = "beijing"', 'city = "beijing"\nemployment = { shares = { employed = 1.0 }, source = "x" }',
     "populations[0].employment"),
])
def test_bad_cohort_input_names_the_key(old, new, key):
    assert old in MINIMAL
    with pytest.raises(ScenarioError) as err:
        scenario.loads(MINIMAL.replace(old, new))
    assert err.value.key == key


def test_repeated_or_unfunded_only_cohorts_are_refused():
    cohort = "[[populations.cohorts]]" + MINIMAL.split("[[populations.cohorts]]")[1]
    with pytest.raises(ScenarioError) as err:
        scenario.loads(MINIMAL + cohort)
    assert err.value.key == "populations[0].cohorts[1].programme"
    only_none = MINIMAL.split("line = ")[0] + 'line = "none"\ntarget = { value = 400, source = "test" }\n'
    with pytest.raises(ScenarioError) as err:
        scenario.loads(only_none)
    assert err.value.key == "populations[0].cohorts"


def cohort(agency: str, programme: str, line: str, target: int, share: float | None, *attrs: str) -> str:
    """One [[populations.cohorts]] table (share None: a "none" cohort takes no eligible_share)."""
    rows = [f'agency = "{agency}"', f'programme = "{programme}"', f'line = "{line}"',
            f'target = {{ value = {target}, source = "t" }}']
    rows += [] if share is None else [f'eligible_share = {{ value = {share}, source = "t" }}']
    return "\n[[populations.cohorts]]\n" + "\n".join(rows + list(attrs)) + "\n"


@pytest.mark.parametrize("line, attrs, key", [
    # BJSA-8 urban operation has no per-place condition, so every place is paid
    ("BJSA-8", 'industry = { shares = { urban_operation = 1.0 }, source = "x" }', "eligible_share.value"),
    ("BJSA-7", 'industry = { shares = { security = 1.0 }, source = "x" }', "industry.shares.security"),
    ("BJSA-7", 'industry = { shares = { high_tech = 1.0 }, source = "x" }', "award_share"),  # BJSA-7 award
    ("BJSA-9", 'work_training_months = { shares = { "0-3" = 1.0 }, source = "x" }', "work_training_months.shares.0-3"),
    ("BJSA-10", 'domestic_training = { shares = { pre_job = 1.0 }, source = "x" }', "employee_based_firm"),
])
def test_line_attributes_are_checked(line, attrs, key):
    text = MINIMAL.split("[[populations.cohorts]]")[0] + cohort("a", "p", line, 10, 0.9, attrs)
    with pytest.raises(ScenarioError) as err:
        scenario.loads(text)
    assert err.value.key == f"{AT}.{key}"


EVERY_LINE = MINIMAL + "".join([
    cohort("b", "以工代训", "BJSA-9", 300, 0.7,
           'work_training_months = { shares = { "1-3" = 0.5, "4-9" = 0.5 }, source = "t" }'),
    cohort("b", "实训基地", "BJSA-11", 200, 1.0),
    cohort("c", "services and urban", "BJSA-8", 500, 1.0,
           'industry = { shares = { security = 0.5, urban_operation = 0.5 }, source = "t" }',
           'trained_by = { shares = { training_body = 1.0 }, source = "t" }',
           'cert_level = { shares = { "5" = 1.0 }, source = "t" }'),
    cohort("c", "apprentices", "BJSA-2", 100, 0.5, 'plan_years = { shares = { "3" = 1.0 }, source = "t" }'),
    cohort("d", "free", "none", 50, None),
])


def test_every_drawn_line_pays_its_target_and_the_rest_fail_it():
    """BJSA-2, 4, 8 (mixed branches), 9 and 11, the lines the ready scenario does not all use."""
    res = runner.run(scenario.loads(EVERY_LINE), keep_claims=True)
    cohort = res.breakdowns.filter(pl.col("dimension") == "cohort")
    got = {k.split(" | ")[2]: (n, e) for k, n, e in cohort.select("key", "claims", "eligible_claims").iter_rows()}
    assert got == {"在岗职工": (500, 400), "以工代训": (429, 300), "实训基地": (200, 200),
                   "services and urban": (500, 500), "apprentices": (200, 100)}
    claims = res.claims
    months = claims.filter((pl.col("line") == "BJSA-9") & (pl.col("status") == "eligible"))
    assert (months["amount_cny"] == 500 * months["work_training_months"].clip(upper_bound=6)).all()   # BJSA-9
    services = claims.filter(pl.col("industry") == "security")
    assert (services["payee"] == "training_body").all() and (services["amount_cny"] == 3000).all()  # BJSA-8
    assert (claims.filter(pl.col("line") == "BJSA-11")["payee"] == "training_body").all()           # BJSA-11
    unfunded = res.breakdowns.filter(pl.col("dimension") == "unfunded")
    assert unfunded.select("key", "claims", "budget_cny").row(0) == ("d | none | free", 50, 0)
    assert res.totals["target_population"][0] == 400 + 300 + 200 + 500 + 100 + 50


PID = "beijing-2019-skills-action"
HEAD = MINIMAL.split("[[populations.cohorts]]")[0]


def test_the_simulator_draws_what_the_policy_declares(monkeypatch):
    """simulate/ knows no line: the lines a policy's cohort_lines() declares, with their
    attributes and kinds, are what a scenario may give, and its draw makes the places."""
    policy = get_policy(PID)
    base = type(policy.cohort_lines())
    handed = []

    class Reading(base):
        lines = {**{k: v for k, v in base.lines.items() if k != "BJSA-4"},
                 "BJSA-3": dataclasses.replace(base.lines["BJSA-3"], attributes=("night_share",))}
        unsupported = {**base.unsupported, "BJSA-4": "not places in this reading"}
        attributes = {**base.attributes, "night_share": Attribute("chance", "trained at night")}

        def claim_fields(self, places, p, draw):
            handed.append((places.line, places.n, int(places.ok.sum()), dict(places.a["night_share"])))
            return {**super().claim_fields(places, p, draw), "training_hours": 7.0}

    monkeypatch.setattr(policy, "cohort_lines", Reading)
    with pytest.raises(ScenarioError) as err:
        scenario.loads(MINIMAL)                                   # a BJSA-4 cohort
    assert err.value.key == f"{AT}.line" and "not places in this reading" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        scenario.loads(HEAD + cohort("a", "p", "BJSA-3", 100, 0.5))
    assert err.value.key == f"{AT}.night_share"                   # the declared attribute is needed
    with pytest.raises(ScenarioError) as err:
        scenario.loads(HEAD + cohort("a", "p", "BJSA-3", 100, 0.5, 'night_share = { shares = { a = 1.0 }, source = "t" }'))
    assert err.value.key == f"{AT}.night_share.value"             # of its declared kind
    pop = scenario.loads(HEAD + cohort("a", "p", "BJSA-3", 100, 0.5, 'night_share = { value = 0.3, source = "t" }')
                         ).populations[0]
    draw = cohort_draw.generate(pop, np.random.default_rng(0))
    assert handed == [("BJSA-3", 200, 100, {"source": "t", "value": 0.3})]
    assert (draw.claims["training_hours"] == 7.0).all()           # the policy's fields are the places'


def test_second_payments_are_the_policys_declaration(monkeypatch):
    """Budgets add, and the recipient breakdown names, the second payments a policy declares."""
    policy = get_policy(PID)
    topped = MINIMAL.replace("difficult_enterprise = { value = 0.1,", "difficult_enterprise = { value = 1.0,")

    def run() -> tuple[pl.DataFrame, dict[str, int], dict]:
        draw = cohort_draw.generate(scenario.loads(topped).populations[0], np.random.default_rng(0))
        res = draw.tag(runner.run_policy(draw.claims, PID, policy.parameters))
        recipients = draw.breakdowns(res).filter(pl.col("dimension") == "recipient")
        return res, dict(recipients.select("key", "budget_cny").iter_rows()), metrics.totals(res, 400, draw.holders)

    res, recipients, totals = run()
    paid, topups = res["amount_cny"].sum(), res["employer_topup_cny"].sum()
    assert topups > 0 and recipients == {"individual": paid, "employer": topups}
    assert totals["budget_cny"] == paid + topups
    monkeypatch.setattr(policy, "second_payments", {"employer_topup_cny": "host", "individual_award_cny": "individual"})
    assert run()[1] == {"individual": paid, "host": topups}       # who receives it, as declared
    monkeypatch.setattr(policy, "second_payments", {})
    assert "employer_topup_cny" not in metrics.second_payments()
    assert metrics.totals(res, 400, 400)["budget_cny"] == paid    # a column no policy declares is not a cost


def test_note_from_a_run(tmp_path):
    out = tmp_path / "run"
    assert main(["run", NAME, "--out", str(out), "--size", "6230", "--replications", "2"]) == 0
    text = calibration.note(out)
    assert "| **total** | **6,230** | **6,230** | **+0.00%**" in text
    assert "| 市国资委 | 2,250 | 2,250 | +0.00% |" in text
    assert f"python -m skillsim.simulate.calibration {out}" in text
