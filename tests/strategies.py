"""Hypothesis strategies: valid claims (any policy) and garbage claims."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from policies.contract import FIELDS

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


JSON_SCALARS = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=12)
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
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
