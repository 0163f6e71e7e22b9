"""Claims that break the contract in odd ways: invalid UTF-8, lone surrogates, duplicate
keys, deep nesting, huge integers, NaN, dates outside the calendar's range, 100 KB values.
Each is one line on stderr naming the field, exit 2, nothing on stdout (tests/fuzzing.py's
promise); the reader (policies/claim_json.py) and the contract (policies/contract.py)
are tested beneath the command line too. ``make fuzz`` (SKILLSIM_FUZZ=long) draws more.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillsim.policies import get_policy, policy_ids
from skillsim.policies.claim_json import MAX_DEPTH, NotJSON, parse_claims_json
from skillsim.policies.contract import (DATE_MAX, DATE_MIN, FIELDS, SHOWN_CHARS, ContractError, claims_frame,
                               validate_claim, validate_frame)
from skillsim.simulate.cli import _overrides

from .conftest import BJ_BASE, SH_BASE
from .fuzzing import Outcome, cli, fuzz_settings
from .test_fuzz import DRAFT_AMOUNTS, DRAFT_CLAIM

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_CLAIMS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))
                  if p.name != "expected.json"]
BASES = [BJ_BASE, SH_BASE, DRAFT_CLAIM, *EXAMPLE_CLAIMS]
BJ = "beijing-2026-key-groups"
DRAFT = "beijing-2025-project-training-draft"


def _extra(pid: str) -> list[str]:
    """The draft has no amounts of its own: a run supplies them."""
    return [a for amount in DRAFT_AMOUNTS for a in ("--set", amount)] if pid == DRAFT else []


def explain_stdin(data: bytes, pid: str = BJ) -> Outcome:
    """``skillsim explain --claim -`` in this process, with ``data`` as the bytes on stdin."""
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        return cli("explain", "--policy", pid, "--claim", "-", *_extra(pid))
    finally:
        sys.stdin = saved


def refused(data: bytes | str, field: str, pid: str = BJ) -> str:
    res = explain_stdin(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data, pid)
    assert res.code == 2, res.out[:300]
    assert field in res.err, res.err
    return res.err


def claim_text(**changes: Any) -> str:
    return json.dumps({**BJ_BASE, **changes})


# ---------------------------------------------------------------- each odd class, through explain

def test_invalid_utf8_is_refused_naming_the_byte(tmp_path):
    bad = claim_text(person_id="ab").encode().replace(b'"ab"', b'"a\xffb"')
    at = bad.index(b"\xff")
    assert f"claim: not valid UTF-8 (byte {at}:" in refused(bad, "claim")
    f = tmp_path / "c.json"
    f.write_bytes(bad)
    res = cli("explain", "--policy", BJ, "--claim", str(f))
    assert res.code == 2 and "not valid UTF-8" in res.err


def test_a_bom_is_tolerated():
    res = explain_stdin(b"\xef\xbb\xbf" + claim_text().encode())
    assert res.code == 0 and json.loads(res.out)["amount_cny"] == 1500


@pytest.mark.parametrize("text, field", [
    (claim_text(person_id="\ud800"), "person_id"),
    (claim_text(prior_subsidies=[{"policy_id": "x\udfffy", "date": "2026-01-01"}]), "prior_subsidies[0].policy_id"),
    (claim_text()[:-1] + ', "\\udc80": 1}', "'\\udc80': key holds"),
], ids=["value", "nested value", "key"])
def test_lone_surrogates_are_refused(text, field):
    assert "surrogate" in refused(text, field)


def test_deep_nesting_is_refused_without_recursion_error():
    refused("[" * 100_000 + "]" * 100_000, "claim: nested deeper than 64")
    refused(claim_text()[:-1] + ', "x": ' + "[" * 70 + "]" * 70 + "}", "nested deeper")
    ok = json.dumps({**BJ_BASE, "prior_subsidies": []})
    assert explain_stdin(ok.encode()).code == 0


@pytest.mark.parametrize("literal", ["1" * 4301, "-" + "9" * 5000, "12345678901234567890"])
def test_huge_integers_are_refused_before_conversion(literal):
    err = refused(claim_text(age=45).replace('"age": 45', f'"age": {literal}'), "age")
    assert "digits is out of range" in err and len(err) < 200


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_are_refused(literal):
    raw = claim_text(veteran_years=0).replace('"veteran_years": 0', f'"veteran_years": {literal}')
    refused(raw, "veteran_years")


def test_duplicate_keys_are_refused_naming_the_key_and_its_path():
    raw = claim_text(age=45).replace('"age": 45', '"age": 999, "age": 45')
    assert "age: is given twice" in refused(raw, "age")
    prior = '[{"policy_id": "x", "date": "2026-01-01", "date": "2026-02-01"}]'
    raw = claim_text()[:-1] + f', "prior_subsidies": {prior}}}'
    refused(raw, "prior_subsidies[0].date")


@pytest.mark.parametrize("field", ["cert_issue_date", "application_date", "programme_end_date", "hire_date"])
@pytest.mark.parametrize("day", ["9999-12-31", "2200-01-01", "1899-12-31", "0001-01-01"])
def test_dates_outside_the_calendar_range_are_refused(field, day):
    changes = {field: day}
    if field == "cert_issue_date" and day > "2026":
        changes["application_date"] = day
    err = refused(claim_text(**changes), field)
    assert "within 1900-01-01 … 2199-12-31" in err


def test_a_prior_subsidy_dated_outside_the_range_is_refused():
    refused(claim_text(prior_subsidies=[{"policy_id": BJ, "date": "9999-12-31"}]), "prior_subsidies[0].date")


@pytest.mark.parametrize("pid", policy_ids())
def test_every_policy_decides_claims_dated_at_the_range_ends(pid):
    """The calculators' calendar arithmetic (windows, payment months) stays in the calendar."""
    for base in BASES:
        for issued, applied in [(DATE_MIN, DATE_MIN), (DATE_MAX, DATE_MAX), (DATE_MIN, DATE_MAX)]:
            claim = {**base, "cert_issue_date": issued.isoformat(), "application_date": applied.isoformat(),
                     "prior_subsidies": [{"policy_id": pid, "date": issued.isoformat()}]}
            claim.update({f: d.isoformat() for f, d in [("hire_date", issued), ("programme_end_date", applied)]
                          if f in base})
            res = explain_stdin(json.dumps(claim).encode(), pid)
            assert res.code == 0, res.err
            assert json.loads(res.out)["status"] in ("eligible", "ineligible", "needs_info", "out_of_scope")


def test_long_values_and_names_are_cut_in_the_error_line():
    for raw, field in [(claim_text(hukou="y" * 100_000), "hukou"),
                       (claim_text()[:-1] + ', "' + "k" * 10_000 + '": 1}', "kkkk"),
                       (claim_text(age="9" * 100_000), "age")]:
        err = refused(raw, field)
        assert len(err) < 200 and "…" in err


def test_control_characters_stay_on_one_line():
    for odd in ["a\rb", "a\nb", "a\x85b", "a\u2028b", "a\x1bb"]:
        refused(claim_text(hukou=odd), "hukou")
        refused(claim_text()[:-1] + f", {json.dumps(odd)}: 1}}", "a")


def test_a_directory_or_missing_file_is_one_line(tmp_path):
    for path in [tmp_path, tmp_path / "none.json", tmp_path / ("x" * 300)]:
        res = cli("explain", "--policy", BJ, "--claim", str(path))
        assert res.code == 2 and "--claim: cannot read" in res.err


def test_set_values_are_read_as_strictly_as_a_claim():
    claim = str(EXAMPLES / "bj-unemployed-care-worker.json")
    for value, what in [('{"5": 1, "5": 2}', "skill_level_tier_b.5: is given twice"),
                        ("9" * 5000, "digits is out of range"), ("NaN", "NaN"),
                        ("[" * 1000 + "]" * 1000, "nested deeper"), ('"\\ud800"', "surrogate")]:
        res = cli("explain", "--policy", BJ, "--claim", claim, "--set", f"skill_level_tier_b={value}")
        assert res.code == 2 and "--set: " in res.err and what in res.err, res.err


def test_closed_stdin_is_one_line(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)  # as when started with fd 0 closed
    res = cli("explain", "--policy", BJ, "--claim", "-")
    assert res.code == 2 and "--claim: standard input is closed" in res.err


def test_a_set_pair_without_a_name_is_cut():
    res = cli("explain", "--policy", BJ, "--claim", str(EXAMPLES / "bj-unemployed-care-worker.json"),
              "--set", "x" * 10_000)
    assert res.code == 2 and "is not NAME=VALUE" in res.err and len(res.err) < 200


def test_set_takes_json_or_else_bare_text():
    assert _overrides(["a=5", 'b={"x": [1, 2.5]}', "c=2026-01-01", "d=A", "e=", 'f="q"']) == {
        "a": 5, "b": {"x": [1, 2.5]}, "c": "2026-01-01", "d": "A", "e": "", "f": "q"}


# ---------------------------------------------------------------- a real process, bytes on stdin

@pytest.mark.parametrize("data, field", [
    (b'{"person_id": "\xc3\x28"}', "claim: not valid UTF-8 (byte 15"),
    (claim_text(age=45).replace('"age": 45', '"age": 999, "age": 45').encode(), "age: is given twice"),
], ids=["utf8", "duplicate"])
def test_explain_process_refuses_odd_stdin_in_one_line(data, field):
    p = subprocess.run([sys.executable, "-m", "skillsim.simulate.cli", "explain", "--policy", BJ, "--claim", "-"],
                       input=data, capture_output=True, timeout=60)
    err = p.stderr.decode("utf-8")
    assert p.returncode == 2 and p.stdout == b"" and len(err.strip().splitlines()) == 1
    assert field in err and "Traceback" not in err


# ---------------------------------------------------------------- the reader and the contract beneath

json_scalars = (st.none() | st.booleans() | st.integers(-(10**18), 10**18)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text())
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@fuzz_settings(200, 5000)
@given(json_values, st.booleans(), st.booleans())
def test_the_reader_returns_any_plain_json_value_unchanged(value, ascii, as_bytes):
    text = json.dumps(value, ensure_ascii=ascii)
    assert parse_claims_json(text.encode("utf-8") if as_bytes else text) == value


@fuzz_settings(300, 10000)
@given(st.binary(max_size=200) | st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_reader_raises_only_contract_errors(data):
    try:
        parse_claims_json(data)
    except ContractError as exc:
        assert len(str(exc).splitlines()) == 1


def test_not_json_is_its_own_error_and_depth_is_bounded_exactly():
    with pytest.raises(NotJSON, match="^claim: not valid JSON"):
        parse_claims_json("{not json")
    assert parse_claims_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(ContractError, match="nested deeper"):
        parse_claims_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert parse_claims_json('["[[[[", {"k": "]]]}"}]') == ["[[[[", {"k": "]]]}"}]  # brackets in strings


def test_the_depth_scan_is_linear_on_unterminated_strings():
    """Each quote of an escaped run once restarted a scan to the end (minutes for 200 KB)."""
    start = time.perf_counter()
    with pytest.raises(NotJSON, match="Unterminated string"):
        parse_claims_json('"' + '\\"' * 100_000)
    assert time.perf_counter() - start < 5


def test_a_message_with_line_breaks_stays_one_line():
    msg = str(ContractError("f", "a\rb\u2028c\x85d\ne"))
    assert len(msg.splitlines()) == 1 and msg.startswith("f: a\\rb")


@fuzz_settings(200, 5000)
@given(field=st.text(max_size=500),
       value=json_scalars | st.text(min_size=100, max_size=5000) | st.integers(10**4400, 10**4500))
def test_a_contract_error_is_one_short_line(field, value):
    msg = str(ContractError(field, "is not right", value=value))
    assert len(msg.splitlines()) == 1 and msg.isprintable()
    assert len(msg) <= 2 * SHOWN_CHARS + len(": is not right ") + 2


def test_a_claim_given_in_python_with_a_huge_integer_is_named_not_printed():
    with pytest.raises(ContractError, match="^age: an integer of ~5001 digits is not within 0–120$"):
        validate_claim({**BJ_BASE, "age": 10**5000})


def test_the_frame_path_refuses_dates_outside_the_range_and_cuts_values():
    frame = claims_frame([BJ_BASE, {**BJ_BASE, "prior_subsidies": [{"policy_id": BJ, "date": "2026-01-01"}]}])
    validate_frame(frame)
    second = pl.int_range(pl.len()) == 1
    late = pl.when(second).then(pl.lit(dt.date(2300, 1, 1))).otherwise(pl.col("application_date"))
    late = late.alias("application_date")
    with pytest.raises(ContractError, match=r"^application_date: 2300-01-01 is not within .* \(row 1\)"):
        validate_frame(frame.with_columns(late))
    early = pl.element().struct.with_fields(pl.lit(dt.date(1800, 5, 5)).alias("date"))
    with pytest.raises(ContractError, match=r"^prior_subsidies\[\]\.date: 1800-05-05 is not within .* \(row 1\)"):
        validate_frame(frame.with_columns(pl.col("prior_subsidies").list.eval(early)))
    with pytest.raises(ContractError, match="^hukou: 'y+… is not one of") as err:
        validate_frame(frame.with_columns(pl.lit("y" * 100_000).alias("hukou")))
    assert len(str(err.value)) < 200


# ---------------------------------------------------------------- fuzz through explain

claim_fields = st.sampled_from([f.name for f in FIELDS]) | st.text(max_size=12)


@fuzz_settings(150, 5000)
@given(st.binary(max_size=300))
def test_explain_keeps_its_promise_on_arbitrary_bytes(data):
    explain_stdin(data)


@fuzz_settings(150, 5000)
@given(json_values)
def test_explain_keeps_its_promise_on_arbitrary_json(value):
    res = explain_stdin(json.dumps(value).encode())
    assert res.code == 2  # no plain value is a whole claim


def plainly_breaks_contract(name: str, value: Any) -> str | None:
    """An oracle apart from the contract's validators: the faults docs/claim-contract.md
    states in so many words (unknown field; wrong JSON type; a value outside the field's
    choices or bounds; null where null is not allowed). None when it may be valid."""
    f = next((f for f in FIELDS if f.name == name), None)
    if f is None:
        return "unknown field"
    if value is None:
        return None if f.nullable else "null"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    wrong_type = {"str": not isinstance(value, str), "enum": not isinstance(value, str),
                  "date": not isinstance(value, str), "bool": not isinstance(value, bool),
                  "int": not (number and isinstance(value, int)), "number": not number,
                  "prior_list": not isinstance(value, list)}[f.kind]
    if wrong_type:
        return f"not a JSON value of kind {f.kind}"
    if f.kind == "enum" and value not in f.choices:
        return "not one of the choices"
    if f.kind in ("int", "number") and ((f.lo is not None and value < f.lo) or (f.hi is not None and value > f.hi)):
        return "outside the bounds"
    if f.kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return "not a date"
        if not (DATE_MIN <= day <= DATE_MAX) or len(value) != 10:
            return "outside the date range"
    return None


@fuzz_settings(200, 10000)
@given(pid=st.sampled_from(policy_ids()), base=st.sampled_from(BASES), field=claim_fields,
       value=json_values | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat))
def test_explain_keeps_its_promise_on_a_claim_with_one_field_set_at_random(pid, base, field, value):
    res = explain_stdin(json.dumps({**base, field: value}).encode(), pid)
    why = plainly_breaks_contract(field, value)
    assert not (why and res.code == 0), f"{field} = {value!r} ({why}) was accepted: {res.out[:300]}"
    if res.code == 0:
        result = json.loads(res.out)
        assert result["policy_id"] == pid and result["status"] in ("eligible", "ineligible", "needs_info",
                                                                     "out_of_scope")
