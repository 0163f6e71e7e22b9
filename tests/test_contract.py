"""The claim contract: strict validation, one-line errors naming the field, defaults; one definition
behind the JSON path, the frame path and the generated docs and JSON Schema."""
import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from skillsim.policies import ContractError, claim_schema, claims_frame, get_policy, validate_claim, validate_frame
from skillsim.policies.contract import ENUM_DTYPES, FIELDS, PRIOR_FIELDS, SCHEMA, as_enums
from skillsim.policies.claim_schema import PRIOR_BY_NAME
from skillsim.simulate import report, runner, scenario

from .conftest import BJ_BASE, SH_BASE
from .strategies import claims


def err(**changes) -> ContractError:
    with pytest.raises(ContractError) as info:
        validate_claim({**BJ_BASE, **changes})
    return info.value


@pytest.mark.parametrize("changes, field, fragment", [
    ({"age": "35"}, "age", "not an integer"),
    ({"age": 35.0}, "age", "not an integer"),
    ({"age": True}, "age", "not an integer"),
    ({"age": -1}, "age", "within"),
    ({"hukou": "guangzhou"}, "hukou", "one of " + ", ".join(claim_schema.CITIES)),   # built-in + registered + other
    ({"cert_level": 7}, "cert_level", "within 1–5"),
    ({"cert_level": 0}, "cert_level", "within 1–5"),
    ({"cert_issue_date": "2026-02-30"}, "cert_issue_date", "not a real date"),
    ({"cert_issue_date": "20260301"}, "cert_issue_date", "not a date YYYY-MM-DD"),
    ({"cert_issue_date": "2026-3-1"}, "cert_issue_date", "not a date YYYY-MM-DD"),
    ({"application_date": "2026-02-01"}, "application_date", "before cert_issue_date"),
    ({"disabled": 1}, "disabled", "true or false"),
    ({"disabled": "yes"}, "disabled", "true or false"),
    ({"graduate_years": "1"}, "graduate_years", "a number"),
    ({"graduate_years": float("nan")}, "graduate_years", "finite"),
    ({"catalog_class": "D"}, "catalog_class", "one of A, B, C"),
    ({"hukou": None}, "hukou", "null is not allowed"),
    ({"person_id": ""}, "person_id", "non-empty"),
    ({"hukuo": "beijing"}, "hukuo", "unknown field"),
    ({"prior_subsidies": {}}, "prior_subsidies", "not a list"),
    ({"prior_subsidies": [{"policy_id": "x"}]}, "prior_subsidies[0].date", "required field is missing"),
    ({"prior_subsidies": [{"policy_id": "x", "date": "2026-01-01", "level": 3}]}, "prior_subsidies[0].level",
     "unknown field"),
    ({"prior_subsidies": [{"policy_id": "x", "date": "2026-01-01", "cert_level": 9}]},
     "prior_subsidies[0].cert_level", "within 1–5"),
])
def test_bad_field_is_named(changes, field, fragment):
    e = err(**changes)
    assert e.field == field
    assert fragment in str(e) and "\n" not in str(e)
    assert str(e).startswith(f"{field}: ")


def test_required_field_missing_is_named():
    claim = dict(BJ_BASE)
    del claim["sex"]
    with pytest.raises(ContractError, match="^sex: required field is missing"):
        validate_claim(claim)


def test_not_an_object():
    with pytest.raises(ContractError, match="^claim: list is not an object"):
        validate_claim([BJ_BASE])


def test_defaults_fill_in_every_optional_field():
    c = validate_claim(BJ_BASE)
    assert set(c) == {f.name for f in FIELDS}
    assert c["disabled"] is False and c["insurance_months"] == 0 and c["prior_subsidies"] == []
    assert c["veteran_years"] is None and c["cert_route"] == "assessment"
    assert c["cert_issue_date"] == dt.date(2026, 3, 1)


def test_frame_of_claims_has_canonical_schema():
    df = claims_frame([BJ_BASE, {**BJ_BASE, "person_id": "bj-2"}])
    assert df.schema == pl.Schema(SCHEMA) and df.height == 2


def test_frame_validation_names_field_and_row():
    df = claims_frame([BJ_BASE, BJ_BASE])
    bad = df.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("mars")).otherwise(pl.col("hukou"))
                          .alias("hukou"))
    with pytest.raises(ContractError, match=r"^hukou: 'mars' is not one of .* \(row 1\)"):
        validate_frame(bad)
    with pytest.raises(ContractError, match="^cert_level: 9 is not within"):
        validate_frame(df.with_columns(pl.lit(9).alias("cert_level")))
    with pytest.raises(ContractError, match="^age: column type String"):
        validate_frame(df.with_columns(pl.lit("x").alias("age")))
    with pytest.raises(ContractError, match="^colour: unknown field"):
        validate_frame(df.with_columns(pl.lit(1).alias("colour")))
    with pytest.raises(ContractError, match="^sex: required field is missing"):
        validate_frame(df.drop("sex"))


def test_frame_accepts_narrow_dtypes_and_fills_defaults():
    df = claims_frame([BJ_BASE]).select("person_id", "hukou", "age", "sex", "employment", "cert_kind",
                                        "cert_issue_date", "cert_issuer_city", "application_date")
    narrow = df.with_columns(pl.col("age").cast(pl.Int8), pl.col("hukou").cast(pl.Enum(["beijing", "shanghai", "other"])))
    out, defaulted = validate_frame(narrow, defaults=True)
    assert defaulted == [n for n in SCHEMA if n not in df.columns]
    assert out.columns == list(SCHEMA) and out["disabled"].to_list() == [False]


def test_an_enum_column_is_checked_by_its_dtype_only_when_it_holds_the_fields_choices():
    df = claims_frame([BJ_BASE, BJ_BASE])
    exact = df.with_columns(pl.col(n).cast(t) for n, t in ENUM_DTYPES.items())
    assert validate_frame(exact)["hukou"].dtype == ENUM_DTYPES["hukou"]  # its dtype vouches for its values
    wider = pl.Enum([*ENUM_DTYPES["hukou"].categories, "mars"])
    bad = df.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("mars")).otherwise(pl.col("hukou"))
                          .cast(wider).alias("hukou"))
    with pytest.raises(ContractError, match=r"^hukou: 'mars' is not one of .* \(row 1\)"):
        validate_frame(bad)  # an enum that may hold other values is checked row by row
    cast, off = as_enums(bad)
    assert cast["hukou"].dtype == ENUM_DTYPES["hukou"] and cast["hukou"].to_list() == ["beijing", None]
    assert off.rows() == [(1, "hukou", "'mars'", "is not one of " + ", ".join(ENUM_DTYPES["hukou"].categories))]


# ---------------------------------------------------------------- one definition, both paths

def frame_of(*claims: dict) -> pl.DataFrame:
    """Claims as a canonical frame, as given: nothing checked, absent fields at their defaults."""
    def value(f, v):
        if f.kind == "date" and isinstance(v, str):
            return dt.date.fromisoformat(v)
        if f.kind == "prior_list" and v:
            return [None if item is None else {**item, "date": value(PRIOR_BY_NAME["date"], item.get("date"))}
                    for item in v]
        return v
    rows = [{f.name: value(f, c.get(f.name, f.default)) for f in FIELDS} for c in claims]
    return pl.DataFrame(rows, schema=SCHEMA)


PRIOR = {"policy_id": "shanghai-2025-skills-upgrade", "date": "2025-06-01", "cert_level": 4}


@pytest.mark.parametrize("item, field, message", [
    ({"policy_id": None, "date": None, "cert_level": 9}, "prior_subsidies[].policy_id", "null is not allowed"),
    ({**PRIOR, "date": None}, "prior_subsidies[].date", "null is not allowed"),
    ({**PRIOR, "cert_level": 9}, "prior_subsidies[].cert_level", "9 is not within 1–5"),
    ({**PRIOR, "policy_id": " "}, "prior_subsidies[].policy_id", "' ' is not a non-empty string"),
    ({**PRIOR, "date": "2200-01-01"}, "prior_subsidies[].date", "2200-01-01 is not within"),
    (None, "prior_subsidies[]", "null is not allowed"),
])
def test_a_frame_checks_every_prior_subsidy_item(item, field, message):
    """The audit's case: such a prior was accepted (and the claim paid) by the frame path."""
    df = frame_of(BJ_BASE, {**BJ_BASE, "prior_subsidies": [PRIOR, item]}, BJ_BASE)
    with pytest.raises(ContractError) as info:
        validate_frame(df)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: {message}") and str(info.value).endswith("(row 1)")
    with pytest.raises(ContractError):
        get_policy("shanghai-2025-skills-upgrade").evaluate(df)


def test_a_column_of_nulls_is_checked_as_nulls():
    df = frame_of(BJ_BASE, BJ_BASE)
    with pytest.raises(ContractError, match=r"^prior_subsidies: null is not allowed \(row 0\)"):
        validate_frame(df.with_columns(pl.lit(None).alias("prior_subsidies")))
    out = validate_frame(df.with_columns(pl.lit(None).alias("district")))
    assert out.schema["district"] == pl.String and out["district"].null_count() == 2


def test_a_frame_whose_prior_items_are_fine_passes_unchanged():
    df = frame_of(BJ_BASE, {**BJ_BASE, "prior_subsidies": [PRIOR, {**PRIOR, "cert_level": None}]})
    assert validate_frame(df).equals(df)


# Values a frame's columns can hold that break the contract: (field, value), the value as JSON has it.
CLAIM_FAULTS = [
    ("hukou", None), ("hukou", "mars"), ("age", 121), ("age", -1), ("age", None), ("sex", ""),
    ("person_id", " "), ("person_id", None), ("cert_level", 0), ("cert_level", 6), ("veteran_years", 101),
    ("graduate_years", float("nan")), ("graduate_years", float("inf")), ("graduate_years", -0.5),
    ("catalog_class", "D"), ("cert_issue_date", "1899-12-31"), ("application_date", "2200-01-01"),
    ("application_date", None), ("disabled", None), ("months_employed_after_cert", None),
    ("months_employed_after_cert", 1201), ("care_post_start_months", -1201), ("district", "\t"),
    ("programme_end_date", "1800-01-01"), ("industry", "mining"), ("prior_subsidies", None),
    ("application_date", "2024-01-01"),  # before any drawn issue date: the rule across fields
]
PRIOR_FAULTS = [("policy_id", None), ("policy_id", ""), ("date", None), ("date", "2300-02-01"), ("cert_level", 9),
                ("cert_level", 0), (None, None)]


def named(e: ContractError) -> str:
    return re.sub(r"\[\d+\]", "[]", e.field)  # the JSON path names the item's index, a frame the row


def outcome(check, *args) -> str:
    try:
        check(*args)
    except ContractError as e:
        return named(e)
    return "accepted"


@pytest.mark.parametrize("fault", CLAIM_FAULTS + [("prior", f) for f in PRIOR_FAULTS], ids=repr)
def test_each_fault_is_refused_alike_by_both_paths(fault):
    claim = {**BJ_BASE, "prior_subsidies": [dict(PRIOR), dict(PRIOR)]}
    field, value = fault
    if field != "prior":
        claim[field] = value
    elif value[0] is None:
        claim["prior_subsidies"][1] = None
    else:
        claim["prior_subsidies"][1][value[0]] = value[1]
    as_json = outcome(validate_claim, claim)
    assert as_json != "accepted" and as_json == outcome(validate_frame, frame_of(claim))
    assert as_json == (field if field != "prior" else "prior_subsidies[]" + (f".{value[0]}" if value[0] else ""))


@settings(max_examples=150, deadline=None)
@given(claim=claims(), faults=st.lists(st.sampled_from(CLAIM_FAULTS), max_size=2),
       prior_fault=st.none() | st.sampled_from(PRIOR_FAULTS), data=st.data())
def test_json_and_frame_paths_agree(claim, faults, prior_fault, data):
    """The same claim, as JSON and as a one-row frame: both accept it, or both refuse it
    naming the same field."""
    claim = {**claim, "prior_subsidies": [dict(p) for p in claim["prior_subsidies"]]}
    for field, value in faults:
        claim[field] = value
    prior_broken = bool(prior_fault and claim["prior_subsidies"])
    if prior_broken:
        i = data.draw(st.integers(0, len(claim["prior_subsidies"]) - 1))
        field, value = prior_fault
        if field is None:
            claim["prior_subsidies"][i] = None
        else:
            claim["prior_subsidies"][i][field] = value
    as_json = outcome(validate_claim, claim)
    event(as_json)
    assert as_json == outcome(validate_frame, frame_of(claim))
    assert (as_json == "accepted") == (not faults and not prior_broken)


# ---------------------------------------------------------------- missing columns

def test_a_missing_column_is_an_error_naming_it():
    """Dropping months_employed_after_cert once moved a budget by 40 % with no word."""
    df = claims_frame([BJ_BASE, BJ_BASE])
    with pytest.raises(ContractError, match=r"^months_employed_after_cert: column is missing \(validate_frame"):
        validate_frame(df.drop("months_employed_after_cert"))
    with pytest.raises(ContractError, match="^months_employed_after_cert: column is missing"):
        get_policy("beijing-2026-key-groups").evaluate(df.drop("months_employed_after_cert"))


def test_every_missing_column_is_counted_and_the_list_cut():
    df = claims_frame([BJ_BASE])
    gone = ["insurance_months", "xiebao", "disabled", "district", "hire_date", "industry", "host_id"]
    with pytest.raises(ContractError) as info:
        validate_frame(df.drop(gone))
    msg = str(info.value)
    assert info.value.field == ", ".join(n for n in SCHEMA if n in gone)  # all of them, in the contract's order
    assert "7 columns are missing" in msg and "…" in msg and len(msg) < 200 and "\n" not in msg
    with pytest.raises(ContractError, match="^sex, cert_kind: 2 required fields are missing"):
        validate_frame(df.drop("sex", "cert_kind"), defaults=True)


def test_defaults_true_fills_the_missing_columns_and_lists_them():
    df = claims_frame([BJ_BASE, {**BJ_BASE, "prior_subsidies": [PRIOR]}])
    out, defaulted = validate_frame(df.drop("months_employed_after_cert", "cert_route", "prior_subsidies"),
                                    defaults=True)
    assert defaulted == ["cert_route", "months_employed_after_cert", "prior_subsidies"]
    assert out.columns == list(SCHEMA)
    assert out["months_employed_after_cert"].to_list() == [0, 0] and out["cert_route"].to_list() == ["assessment"] * 2
    assert out["prior_subsidies"].to_list() == [[], []]
    full, none = validate_frame(df, defaults=True)
    assert none == [] and full.equals(df)


def test_a_run_lists_the_fields_its_draws_left_at_defaults():
    res = runner.run(scenario.load("beijing-2026-baseline").with_changes(size=3000, replications=1),
                     keep_claims=False)
    listed = report.summary(res)["manifest"]["defaulted_claim_fields"]
    drawn = runner.draw(scenario.load("beijing-2026-baseline").with_changes(size=3000, replications=1), "beijing")
    assert listed == {"beijing": list(drawn.defaulted)}
    assert "subsidy_line" in listed["beijing"] and "months_employed_after_cert" not in listed["beijing"]
    assert drawn.claims["subsidy_line"].null_count() == drawn.claims.height  # at the default, null


# ---------------------------------------------------------------- generated files

def test_the_docs_table_and_json_schema_are_generated_from_the_definition():
    doc = claim_schema.DOC.read_text(encoding="utf-8")
    assert doc == claim_schema.current_doc(doc), \
        "docs/claim-contract.md's field tables are stale: python -m skillsim.policies.claim_schema --write"
    assert claim_schema.SCHEMA_FILE.read_text(encoding="utf-8") == claim_schema.schema_text(), \
        "docs/claim.schema.json is stale: python -m skillsim.policies.claim_schema --write"
    for f in FIELDS + PRIOR_FIELDS:
        assert f"| {f.name} |" in doc


def test_the_json_schema_agrees_with_the_model():
    jsonschema = pytest.importorskip("jsonschema")
    check = jsonschema.Draft202012Validator(json.loads(claim_schema.SCHEMA_FILE.read_text(encoding="utf-8")))
    for claim in [BJ_BASE, SH_BASE, {**BJ_BASE, "prior_subsidies": [PRIOR]}]:
        check.validate(claim)
    for changes in [{"age": 121}, {"hukou": "mars"}, {"age": "35"}, {"colour": 1}, {"cert_issue_date": "20260301"},
                    {"prior_subsidies": [{"policy_id": "x"}]}, {"person_id": " "}]:
        assert not check.is_valid({**BJ_BASE, **changes}), changes


def test_the_explain_form_is_the_contracts_definition():
    """Every field has its widget, with the contract's choices, bounds, date range and meaning: its
    plain name in the chosen language (the contract's label), the code name in its help."""
    from skillsim.dashboard.names import choice
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "views" / "explain.py"),
                           default_timeout=120).run()
    assert not at.exception
    preset = at.selectbox(key="ex_preset").value
    widgets = {w.key: w for kind in ("selectbox", "checkbox", "number_input", "date_input", "text_input",
                                     "text_area") for w in at.get(kind) if w.key and w.key.startswith("f:")}
    assert set(widgets) == {f"f:{preset}:{f.name}" for f in FIELDS}
    for f in FIELDS:
        w = widgets[f"f:{preset}:{f.name}"]
        if f.kind == "prior_list":  # a JSON text area, its help the item fields (below)
            continue
        assert w.label == (f.label[0] if f.label else f.meaning) and w.help.endswith(f"代码名: {f.name}")
        if f.kind == "enum":
            assert [o for o in w.options if o != "—"] == [choice(c, f.name) for c in f.choices]
        if f.kind in ("int", "number"):   # no min/max: a browser would refuse a value without a word;
            assert (w.min, w.max) == (None, None)   # the contract's bounds are checked below instead
        if f.kind == "date":
            assert (w.min, w.max) == (claim_schema.DATE_MIN, claim_schema.DATE_MAX)
    assert all(p.name in widgets[f"f:{preset}:prior_subsidies"].help for p in PRIOR_FIELDS)
    bounded = next(f for f in FIELDS if f.kind == "int" and f.hi is not None)   # above the contract's bound:
    widgets[f"f:{preset}:{bounded.name}"].set_value(int(bounded.hi) + 1)       # one line naming the field
    at.run()
    said = [m.value for m in (*at.error, *at.warning)]
    assert any(bounded.name in m or (bounded.label and bounded.label[0] in m) for m in said), said
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "views" / "explain.py"),
                           default_timeout=120).run()
    at.session_state["lang"] = "en"
    at.run()
    for f in FIELDS:          # in English the help is the contract's meaning
        w = next(w for w in at.get("selectbox") + at.get("checkbox") + at.get("number_input") + at.get("date_input")
                 + at.get("text_input") + at.get("text_area") if w.key == f"f:{preset}:{f.name}")
        assert w.help.startswith(f.meaning or w.label) and w.help.endswith(f"Code name: {f.name}")
