"""The claim contract: strict validation, one-line errors naming the field, defaults."""
import datetime as dt

import polars as pl
import pytest

from policies import ContractError, claims_frame, validate_claim, validate_frame
from policies.contract import FIELDS, SCHEMA

from .conftest import BJ_BASE


def err(**changes) -> ContractError:
    with pytest.raises(ContractError) as info:
        validate_claim({**BJ_BASE, **changes})
    return info.value


@pytest.mark.parametrize("changes, field, fragment", [
    ({"age": "35"}, "age", "not an integer"),
    ({"age": 35.0}, "age", "not an integer"),
    ({"age": True}, "age", "not an integer"),
    ({"age": -1}, "age", "within"),
    ({"hukou": "guangzhou"}, "hukou", "one of beijing, shanghai, other"),
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
