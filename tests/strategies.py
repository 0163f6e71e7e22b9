"""Hypothesis strategies: valid claims (any policy) and garbage claims."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from skillsim.policies.contract import FIELDS
from skillsim.testing.draws import JSON  # defined once, in the kit

CODES = ["4-10-01-05", "4-10-01-06", "4-03-02-01", "4-04-05-05", "4-03-02-08", "6-31-01-03", "9-99-99-99",
         "6-18-01-07"]
ITEMS = ["母婴照护", "家庭清洁", "人工智能数据标注", "插花"]
POLICIES = ["beijing-2026-key-groups", "shanghai-2025-skills-upgrade"]


def _date(lo: dt.date, hi: dt.date):
    return st.dates(min_value=lo, max_value=hi)


@st.composite
def priors(draw):
    return {
        "policy_id": draw(st.sampled_from(POLICIES + ["shanghai-2022-skills-upgrade"])),
        "occupation_code": draw(st.none() | st.sampled_from(CODES)),
        "special_ability_item": draw(st.none() | st.sampled_from(ITEMS)),
        "cert_level": draw(st.none() | st.integers(1, 5)),
        "date": draw(_date(dt.date(2024, 1, 1), dt.date(2028, 12, 31))).isoformat(),
        "as_employed": draw(st.none() | st.booleans()),
        "as_student": draw(st.none() | st.booleans()),
    }


@st.composite
def claims(draw, person_id: str | None = None):
    issued = draw(_date(dt.date(2024, 10, 1), dt.date(2028, 8, 1)))
    applied = issued + dt.timedelta(days=draw(st.integers(0, 800)))
    kind = draw(st.sampled_from(["skill_level"] * 4 + ["special_ability", "qualification", "special_operation",
                                                        "training_only"]))
    graded = kind in ("skill_level", "qualification")
    return {
        "person_id": person_id or draw(st.sampled_from(["p1", "p2", "p3"])),
        "hukou": draw(st.sampled_from(["beijing", "shanghai", "other"])),
        "age": draw(st.integers(14, 66)),
        "sex": draw(st.sampled_from(["female", "male"])),
        "employment": draw(st.sampled_from(["employed", "flexible", "unemployed", "student", "other"])),
        "registered_unemployed": draw(st.booleans()),
        "employment_difficulty": draw(st.booleans()),
        "rural_transfer": draw(st.booleans()),
        "job_seeking_registered": draw(st.booleans()),
        "xiebao": draw(st.booleans()),
        "disabled": draw(st.sampled_from([False, False, False, True])),
        "veteran_years": draw(st.none() | st.integers(0, 10)),
        "graduate_years": draw(st.none() | st.floats(0, 4, allow_nan=False)),
        "student_final_year": draw(st.none() | st.sampled_from(["college", "vocational"])),
        "public_sector_nonskill": draw(st.sampled_from([False, False, False, True])),
        "cert_kind": kind,
        "occupation_code": draw(st.none() | st.sampled_from(CODES)) if kind != "special_ability" else None,
        "special_ability_item": draw(st.sampled_from(ITEMS)) if kind == "special_ability" else None,
        "cert_level": draw(st.none() | st.integers(1, 5)) if graded else None,
        "cert_issue_date": issued.isoformat(),
        "cert_issuer_city": draw(st.sampled_from(["beijing", "shanghai", "other"])),
        "cert_route": draw(st.sampled_from(["assessment"] * 4 + ["enterprise_direct", "foreign"])),
        "catalog_class": draw(st.none() | st.sampled_from(["A", "B", "C"])),
        "application_date": applied.isoformat(),
        "employed_at_application": draw(st.booleans()),
        "employed_in_matching_post": draw(st.booleans()),
        "months_employed_after_cert": draw(st.integers(0, 24)),
        "insurance_months": draw(st.integers(0, 60)),
        "care_sector_post": draw(st.booleans()),
        "care_post_start_months": draw(st.integers(-12, 18)),
        "care_post_months": draw(st.none() | st.integers(0, 24)),
        "flexible_city_insurance": draw(st.booleans()),
        "school_city": draw(st.none() | st.sampled_from(["beijing", "shanghai", "other"])),
        "district": draw(st.none() | st.sampled_from(["浦东新区", "徐汇区", "海淀区"])),
        "other_subsidy_same_cert": draw(st.sampled_from([False, False, False, True])),
        "prior_subsidies": draw(st.lists(priors(), max_size=3)),
    }


FIELD_NAMES = [f.name for f in FIELDS]


@st.composite
def garbage_claims(draw):
    """A valid claim with a few fields replaced by anything JSON can hold (or dropped, or misspelled)."""
    claim = draw(claims())
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        name = draw(st.sampled_from(FIELD_NAMES))
        if action == "replace":
            claim[name] = draw(JSON | st.sampled_from(["2026-02-30", "2026-01-01", "A", "beijing", 0, 7, -1]))
        elif action == "drop":
            claim.pop(name, None)
        else:
            claim[draw(st.text(min_size=1, max_size=10))] = draw(JSON)
    return draw(st.sampled_from([claim, claim, claim, [claim], "claim", None]))


# ---------------------------------------------------------------- claims a policy pays
# Built from each policy's worked examples (examples/) and catalogs: every field the policy
# reads is varied within what the policy pays, so an invariant over them compares real
# amounts, not zeros. The simplest draw (hypothesis shrinks towards it) is paid too.
BJKG, SHSU = "beijing-2026-key-groups", "shanghai-2025-skills-upgrade"
BJHS, BJSA, BJPT = "beijing-2026-high-skill-training", "beijing-2019-skills-action", "beijing-2025-project-training-draft"
PEOPLE = ["p1", "p2", "p3", "p4", "p5"]


def _catalog(pid: str):
    from skillsim.policies import get_policy
    return get_policy(pid).catalog


def _after(draw, issued: dt.date, lo: dt.date, days: int) -> dt.date:
    """An application date on or after ``issued`` and ``lo``, at most ``days`` after issue."""
    start = max(issued, lo)
    return draw(_date(start, max(start, issued + dt.timedelta(days=days))))


@st.composite
def bjkg_paid(draw, kind: str | None = None):
    """beijing-2026-key-groups: one of the groups (a)–(d) (BJKG-G1), a Beijing certificate of
    the 2026 catalog (BJKG-C1, C3) issued in the window (C2), applied within a year (P1)."""
    cat = _catalog(BJKG)
    kind = kind or draw(st.sampled_from(["skill_level", "skill_level", "special_ability"]))
    issued = draw(_date(dt.date(2025, 4, 1), dt.date(2027, 12, 31)))
    group = draw(st.sampled_from("cabd"))
    claim = {
        "person_id": draw(st.sampled_from(PEOPLE)), "hukou": "beijing" if group == "a" else
        draw(st.sampled_from(["beijing", "other"])), "age": draw(st.integers(16, 64)),
        "sex": draw(st.sampled_from(["female", "male"])),
        "employment": "unemployed" if group != "d" else draw(st.sampled_from(["unemployed", "employed", "other"])),
        "registered_unemployed": group == "c", "employment_difficulty": group == "d",
        "rural_transfer": group == "a", "job_seeking_registered": group == "a",
        "graduate_years": draw(st.floats(0, 2)) if group == "b" else None,
        "cert_kind": kind, "cert_issue_date": issued.isoformat(), "cert_issuer_city": "beijing",
        "application_date": _after(draw, issued, dt.date(2026, 2, 14), 365).isoformat(),
        "prior_subsidies": draw(st.lists(priors().filter(lambda p: p["policy_id"] != BJKG), max_size=2)),
    }
    if kind == "skill_level":
        rows = cat.filter(cat["kind"] == "skill_level")
        claim |= {"occupation_code": draw(st.sampled_from(rows["code"].to_list())),
                  "cert_level": draw(st.integers(1, 5))}
    else:
        claim["special_ability_item"] = draw(st.sampled_from(cat.filter(cat["kind"] == "special_ability")["name"].to_list()))
    return claim


SH_CODES = ["4-10-01-05", "4-04-05-05", "6-18-01-07", "4-03-02-01", "6-31-01-03"]  # 4-03-02-01, 6-31-01-03: no class known


@st.composite
def shsu_paid(draw, kind: str | None = None):
    """shanghai-2025-skills-upgrade: one route of 一(一) (SHSU-R1 … R5) or the special rule
    (SHSU-X1), a Shanghai certificate issued 2025-05-01 … 2028-04-30 (V1, C1) with a known
    class (K1), applied within its window (P1); no 技岗匹配 occupation (R6)."""
    route = draw(st.sampled_from(["flexible", "employed", "not_employed", "priority", "student", "care"]))
    kind = "skill_level" if route == "care" else kind or draw(st.sampled_from(
        ["skill_level", "skill_level", "special_ability", "qualification", "special_operation"]))
    issued = draw(_date(dt.date(2025, 5, 1), dt.date(2028, 4, 30)))
    sex = draw(st.sampled_from(["female", "male"]))
    claim = {
        "person_id": draw(st.sampled_from(PEOPLE)), "hukou": "shanghai", "sex": sex,
        "age": draw(st.integers(16, 54)), "employment": "unemployed", "cert_kind": kind,
        "cert_issue_date": issued.isoformat(), "cert_issuer_city": "shanghai",
        "application_date": _after(draw, issued, issued, 330).isoformat(),
        "employed_at_application": draw(st.booleans()),
        "district": draw(st.sampled_from(["浦东新区", "徐汇区", "闵行区"])),
        "prior_subsidies": draw(st.lists(priors().filter(lambda p: not p["policy_id"].startswith("shanghai")),
                                         max_size=2)),
    }
    if kind == "special_ability":
        claim["special_ability_item"] = draw(st.sampled_from(["人工智能数据标注", "人工智能模型运用", "母婴照护"]))
    elif kind != "special_operation":
        claim["occupation_code"] = draw(st.sampled_from(SH_CODES))
    if kind in ("skill_level", "qualification"):
        claim["cert_level"] = draw(st.integers(1, 5)) if kind == "skill_level" else draw(st.none() | st.integers(1, 5))
    if kind != "special_operation" and (claim.get("occupation_code") not in ("4-10-01-05", "4-04-05-05")
                                        and claim.get("special_ability_item") not in ("人工智能数据标注", "人工智能模型运用")):
        claim["catalog_class"] = draw(st.sampled_from("ABC"))
    if route == "flexible":
        claim |= {"employment": "flexible", "hukou": draw(st.sampled_from(["shanghai", "other"])),
                  "flexible_city_insurance": True}
    elif route == "employed":
        claim |= {"employment": "employed", "hukou": draw(st.sampled_from(["shanghai", "other"])),
                  "months_employed_after_cert": draw(st.integers(6, 36))}
    elif route == "not_employed":
        flag = draw(st.sampled_from(["registered_unemployed", "xiebao", "rural_transfer", None]))
        if flag:
            claim[flag] = True
    elif route == "priority":
        flag = draw(st.sampled_from(["disabled", "veteran_years", "employment_difficulty"]))
        claim[flag] = draw(st.integers(0, 5)) if flag == "veteran_years" else True
    elif route == "student":
        level = draw(st.sampled_from(["vocational", "college"]))
        claim |= {"student_final_year": level, "school_city": "shanghai", "employment": "student",
                  "hukou": draw(st.sampled_from(["shanghai", "other"])),
                  "application_date": _after(draw, issued, issued, 700).isoformat()}
        if level == "college":
            claim |= {"cert_kind": "skill_level", "cert_level": draw(st.integers(1, 4)),
                      "occupation_code": claim.get("occupation_code") or "4-04-05-05", "special_ability_item": None}
    else:  # care: SHSU-X1, any hukou
        claim |= {"occupation_code": draw(st.sampled_from(["4-10-01-05", "4-10-01-06"])), "hukou": "other",
                  "employment": "other", "sex": "female", "catalog_class": None, "cert_level": draw(st.integers(1, 5)),
                  "care_sector_post": True, "care_post_start_months": draw(st.integers(0, 12)),
                  "care_post_months": draw(st.integers(6, 36)),
                  "application_date": _after(draw, issued, issued, 700).isoformat()}
    return claim


@st.composite
def bjhs_paid(draw):
    """beijing-2026-high-skill-training: a front-line trainee with a 技师-or-higher certificate, a
    year of Beijing social insurance, not in 2025 (BJHS-T1), in a programme of ≥ 80 hours with ≥ 16
    of seminars (D1), claimed within two weeks of its end (P1)."""
    end = draw(_date(dt.date(2026, 3, 1), dt.date(2026, 12, 15)))
    hours = draw(st.integers(80, 200))
    return {
        "person_id": draw(st.sampled_from(PEOPLE)), "hukou": draw(st.sampled_from(["other", "beijing"])),
        "age": draw(st.integers(25, 60)), "sex": draw(st.sampled_from(["male", "female"])), "employment": "employed",
        "cert_kind": draw(st.sampled_from(["qualification", "skill_level"])), "occupation_code": "6-18-01-07",
        "cert_level": draw(st.integers(1, 2)), "cert_issue_date": draw(_date(dt.date(2015, 1, 1), end)).isoformat(),
        "cert_issuer_city": "beijing", "application_date": (end + dt.timedelta(days=draw(st.integers(0, 14)))).isoformat(),
        "host_id": draw(st.sampled_from(["host-A", "host-B"])), "front_line_post": True,
        "insurance_months_at_training": draw(st.integers(12, 120)), "in_2025_programme": False,
        "programme_hours": hours, "programme_seminar_hours": draw(st.integers(16, hours)),
        "programme_end_date": end.isoformat(),
    }


@st.composite
def bjsa_paid(draw):
    """beijing-2019-skills-action: a claim on one of the lines BJSA-1 … BJSA-11 meeting that
    line's conditions, dated within the plan's 2019–2021 (at most 3 subsidies a year, BJSA-L1)."""
    issued = draw(_date(dt.date(2019, 1, 1), dt.date(2021, 12, 31)))
    claim = {
        "person_id": draw(st.sampled_from(PEOPLE)), "hukou": draw(st.sampled_from(["other", "beijing"])),
        "age": draw(st.integers(18, 59)), "sex": draw(st.sampled_from(["male", "female"])), "employment": "employed",
        "insurance_months": draw(st.integers(12, 60)), "cert_kind": "training_only",
        "cert_issue_date": issued.isoformat(), "cert_issuer_city": "beijing",
        "application_date": (issued + dt.timedelta(days=draw(st.integers(0, 60)))).isoformat(),
        "employer_id": draw(st.sampled_from(["ent-1", "ent-2"])),
    }
    line = draw(st.sampled_from(["BJSA-4", "BJSA-3", "BJSA-1", "BJSA-2", "BJSA-5", "BJSA-6", "BJSA-7", "BJSA-8",
                                 "BJSA-9", "BJSA-10", "BJSA-11"]))
    if line == "BJSA-4":
        claim |= {"cert_kind": draw(st.sampled_from(["skill_level", "qualification"])), "cert_level": draw(st.integers(1, 5)),
                  "occupation_code": draw(st.sampled_from(CODES)), "difficult_enterprise": draw(st.booleans())}
    elif line == "BJSA-3":
        claim["cert_kind"] = "special_operation"
    else:
        claim["subsidy_line"] = line
    if line == "BJSA-1":
        hired = issued - dt.timedelta(days=draw(st.integers(0, 360)))
        claim |= {"hire_date": hired.isoformat(), "training_hours": draw(st.integers(40, 200))}
    elif line == "BJSA-2":
        claim["apprentice_plan_years"] = draw(st.integers(1, 3))
    elif line == "BJSA-5":
        claim |= {"cert_kind": "skill_level", "cert_level": draw(st.integers(1, 3)), "occupation_code": "6-18-01-07"}
    elif line == "BJSA-6":
        claim["project_id"] = draw(st.sampled_from(["studio-1", "studio-2"]))
    elif line == "BJSA-7":
        claim |= {"industry": draw(st.sampled_from(["high_tech", "fintech", "cultural_creative"])),
                  "training_passed": True, "months_employed_after_cert": draw(st.integers(0, 12))}
    elif line == "BJSA-8":
        industry = draw(st.sampled_from(["elderly_care", "security", "medical_escort", "childcare", "courier",
                                         "urban_operation", "other_key_field"]))
        claim |= {"industry": industry, "trained_by": draw(st.sampled_from(["employer", "training_body"]))}
        if industry not in ("urban_operation", "other_key_field"):
            claim |= {"cert_kind": "skill_level", "cert_level": draw(st.integers(1, 5)), "occupation_code": "4-10-01-05"}
    elif line == "BJSA-9":
        claim |= {"employment_difficulty": True, "work_training_months": draw(st.integers(1, 12))}
    elif line == "BJSA-10":
        training = draw(st.sampled_from(["pre_job", "refresher"]))
        claim |= {"industry": "domestic_service", "domestic_training": training,
                  "training_hours": draw(st.integers(80 if training == "pre_job" else 40, 200)),
                  "employee_based_firm": draw(st.booleans())}
    return claim


@st.composite
def bjpt_paid(draw):
    """beijing-2025-project-training-draft: a trainee of one of the draft's channels (BJPT-2),
    trained within the action's 2025 … 2027 (its amounts are a scenario's)."""
    done = draw(_date(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
    return {
        "person_id": draw(st.sampled_from(PEOPLE)), "hukou": "beijing", "age": draw(st.integers(18, 59)),
        "sex": draw(st.sampled_from(["female", "male"])), "employment": draw(st.sampled_from(["unemployed", "employed"])),
        "cert_kind": draw(st.sampled_from(["training_only", "skill_level", "special_ability"])),
        "cert_issue_date": done.isoformat(), "cert_issuer_city": "beijing",
        "application_date": (done + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat(),
        "trained_by": draw(st.sampled_from(["training_body", "training_base", "employer", "district"])),
        "district": draw(st.sampled_from(["朝阳区", "海淀区"])),
    }


PAID = {BJKG: bjkg_paid, SHSU: shsu_paid, BJHS: bjhs_paid, BJSA: bjsa_paid, BJPT: bjpt_paid}


def paid_claims(pid: str, **kw):
    """Claims the policy ``pid`` pays most of the time (a draw may still fall outside, e.g. a
    prior subsidy or a class C)."""
    return PAID[pid](**kw)
