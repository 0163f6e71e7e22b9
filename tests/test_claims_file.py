"""A claims file read through the contract (simulate/claims_file.py): round trips, every bad
row named by row, field and value, missing columns, defaults and rejects."""
from __future__ import annotations

import json
import warnings

import polars as pl
import pytest

from skillsim.policies import ContractError
from skillsim.policies.contract import ENUM_DTYPES, SCHEMA, validate_frame
from skillsim.simulate import runner, scenario
from skillsim.simulate.claims_file import (ClaimsFileError, DefaultedColumns, load_claims, read_claims,
                                           split_claims)
from skillsim.simulate.evaluation import flatten


@pytest.fixture(scope="module")
def population() -> pl.DataFrame:
    """Drawn claims of both cities (some with prior subsidies), in the contract's dtypes."""
    frames = []
    for name in ("beijing-2026-baseline", "shanghai-2025-baseline"):
        scen = scenario.load(name).with_changes(by="test", size=6000, replications=1)
        frames.append(runner.draw(scen, scen.populations[0].name).claims)
    claims = validate_frame(pl.concat(frames, how="vertical_relaxed")).with_columns(
        pl.col(n).cast(t) for n, t in SCHEMA.items())
    assert claims["prior_subsidies"].list.len().sum() > 0, "the round trips should carry prior subsidies"
    assert set(claims["hukou"]) >= {"beijing", "shanghai"}
    return claims


def write(frame: pl.DataFrame, path) -> None:
    {"csv": lambda: flatten(frame).write_csv(path), "parquet": lambda: frame.write_parquet(path),
     "jsonl": lambda: frame.write_ndjson(path)}[path.suffix[1:]]()


@pytest.mark.parametrize("ext", ["csv", "parquet", "jsonl"])
def test_a_population_written_reads_back_equal(population, tmp_path, ext):
    path = tmp_path / f"claims.{ext}"
    write(population, path)
    assert read_claims(path).equals(population)


def test_a_json_list_reads_as_its_claims(tmp_path):
    claims = [{"person_id": "a", "hukou": "beijing", "age": 30, "sex": "male", "employment": "unemployed",
               "cert_kind": "skill_level", "cert_issue_date": "2026-03-01", "cert_issuer_city": "beijing",
               "application_date": "2026-03-02"}] * 2
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims))
    got = load_claims(path, defaults=True)
    assert got.claims.height == 2 and got.claims["age"].to_list() == [30, 30]
    assert "disabled" in got.defaulted


def csv_with(population: pl.DataFrame, tmp_path, cells: dict[tuple[int, str], str]):
    """The population as CSV text with some cells replaced ((row from 1, field) -> text)."""
    flat = flatten(population.head(50)).cast(pl.String)
    for (row, field), text in cells.items():
        flat = flat.with_columns(pl.when(pl.int_range(pl.len()) == row - 1).then(pl.lit(text))
                                 .otherwise(pl.col(field)).alias(field))
    path = tmp_path / "claims.csv"
    flat.write_csv(path)
    return path


BAD_CELLS = {
    (3, "age"): ("'abc'", "is not an integer"),
    (4, "age"): ("200", "is not within 0–120"),
    (5, "cert_issue_date"): ("'2026-02-30'", "is not a real date"),
    (6, "cert_issue_date"): ("'2026-3-1'", "is not a date YYYY-MM-DD"),
    (7, "disabled"): ("'yes'", "is not true or false"),
    (8, "hukou"): ("'peking'", "is not one of"),
    (9, "graduate_years"): ("'1,5'", "is not a number"),
    (10, "prior_subsidies"): ("'[{'", "not valid JSON"),
}


def test_every_bad_cell_is_named_by_row_field_and_value(population, tmp_path):
    path = csv_with(population, tmp_path, {k: v[0].strip("'") for k, v in BAD_CELLS.items()})
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(path)
    got = {(p.row, p.field): p for p in caught.value.problems}
    assert {row for row, _ in got} == {row for row, _ in BAD_CELLS}, "exactly the bad rows"
    for (row, field), (value, reason) in BAD_CELLS.items():
        p = got[(row, field)]
        assert p.value == value and reason in p.reason, p
        assert f"row {row}: {field}: {value}" in str(caught.value)
    assert isinstance(caught.value, ContractError), "the CLI's exit 2 applies"


def test_closed_vocabularies_read_as_the_contracts_enums_and_a_value_outside_is_named(population, tmp_path):
    path = tmp_path / "claims.parquet"
    population.write_parquet(path)  # text columns, as a user's own file holds them
    got = read_claims(path)
    assert {n: got.schema[n] for n in ENUM_DTYPES} == ENUM_DTYPES and got.equals(population)
    population.with_columns(pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("tokyo"))
                            .otherwise(pl.col("cert_issuer_city")).alias("cert_issuer_city")).write_parquet(path)
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field, problem.value) == (5, "cert_issuer_city", "'tokyo'")
    assert str(caught.value).endswith("row 5: cert_issuer_city: 'tokyo' is not one of "
                                      + ", ".join(ENUM_DTYPES["cert_issuer_city"].categories))


def test_an_item_of_prior_subsidies_in_a_cell_is_checked_as_in_a_claim(population, tmp_path):
    cell = json.dumps([{"policy_id": "beijing-2026-key-groups", "date": "2026-13-01"}])
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(csv_with(population, tmp_path, {(2, "prior_subsidies"): cell}))
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (2, "prior_subsidies[0].date") and "not a real date" in problem.reason


def test_a_rule_across_fields_names_the_row(population, tmp_path):
    path = csv_with(population, tmp_path, {(12, "application_date"): "1990-01-01"})
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (12, "application_date") and "is before cert_issue_date" in problem.reason


def test_all_bad_rows_are_found_and_the_message_lists_twenty(population, tmp_path):
    path = csv_with(population, tmp_path, {(r, "age"): "x" for r in range(1, 31)})
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(path)
    assert [p.row for p in caught.value.problems] == list(range(1, 31))
    message = str(caught.value)
    assert "30 rows" in message and "the first 20 of 30" in message
    assert "row 20: age" in message and "row 21: age" not in message


def test_missing_columns_are_named_unless_defaults(population, tmp_path):
    path = tmp_path / "claims.csv"
    flatten(population.drop("xiebao", "district")).write_csv(path)
    with pytest.raises(ClaimsFileError, match="xiebao, district: 2 columns are missing"):
        read_claims(path)
    got = load_claims(path, defaults=True)
    assert got.defaulted == ("xiebao", "district")
    assert got.claims["xiebao"].to_list() == [False] * population.height
    assert got.claims["district"].null_count() == population.height
    with pytest.warns(DefaultedColumns, match="xiebao, district"):
        read_claims(path, defaults=True)


def test_a_required_column_missing_is_an_error_even_with_defaults(population, tmp_path):
    path = tmp_path / "claims.parquet"
    population.drop("age").write_parquet(path)
    with pytest.raises(ClaimsFileError, match="age: required field is missing"):
        read_claims(path, defaults=True)


def test_an_unknown_column_is_named(population, tmp_path):
    path = tmp_path / "claims.csv"
    flatten(population.head(3)).with_columns(pl.lit(1).alias("agee")).write_csv(path)
    with pytest.raises(ClaimsFileError, match="agee: unknown field"):
        read_claims(path)


def test_empty_cells_take_the_contracts_defaults(population, tmp_path):
    path = csv_with(population, tmp_path, {(1, "disabled"): "", (1, "cert_route"): "", (1, "veteran_years"): ""})
    claims = read_claims(path)
    first = claims.row(0, named=True)
    assert (first["disabled"], first["cert_route"], first["veteran_years"]) == (False, "assessment", None)


def test_true_false_cells_are_their_six_written_forms_and_nothing_else(population, tmp_path):
    """true/false/True/False/TRUE/FALSE read as their values, an empty cell (bare or quoted) as the
    default; any other text is named, even one a lenient reader would take (tRue, " true")."""
    forms = ["true", "false", "True", "False", "TRUE", "FALSE"]
    cells = {(row, "disabled"): form for row, form in enumerate(forms, start=1)}
    for empty in ("", None):  # written quoted (""), then bare (a null)
        path = csv_with(population, tmp_path, {**cells, (7, "disabled"): empty})
        assert (',"",' in path.read_text().splitlines()[7]) == (empty == ""), "polars quotes an empty text"
        assert read_claims(path)["disabled"].head(7).to_list() == [True, False, True, False, True, False, False]
    bad = {8: "tRue", 9: " true", 10: "1", 11: "false "}
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(csv_with(population, tmp_path, {**cells, **{(row, "disabled"): t for row, t in bad.items()}}))
    assert [(p.row, p.field, p.value, p.reason) for p in caught.value.problems] == [
        (row, "disabled", repr(text), "is not true or false") for row, text in bad.items()]


def test_rejects_keep_the_good_rows_with_their_row_numbers(population, tmp_path):
    path = csv_with(population, tmp_path, {(2, "age"): "x", (5, "hukou"): "nowhere"})
    got = split_claims(path)
    assert got.rejects["row"].to_list() == [2, 5]
    assert got.rejects["field"].to_list() == ["age", "hukou"]
    assert got.rows.to_list() == [r for r in range(1, 51) if r not in (2, 5)]
    expected = population.head(50).with_row_index("r", offset=1).filter(~pl.col("r").is_in([2, 5])).drop("r")
    assert got.claims.equals(expected)


def test_jsonl_mixing_types_in_a_column_is_read_strictly_row_by_row(population, tmp_path):
    rows = population.head(4).with_columns(pl.col(pl.Date).cast(pl.String)).to_dicts()
    rows[2]["age"] = str(rows[2]["age"])  # "35": text where the contract wants an integer
    del rows[1]["disabled"]                # left out: the JSON default, as in explain
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (3, "age") and "is not an integer" in problem.reason
    got = split_claims(path)
    assert got.rows.to_list() == [1, 2, 4] and got.claims["disabled"][1] is False


def test_a_file_of_another_kind_or_unreadable_is_one_problem(tmp_path):
    with pytest.raises(ClaimsFileError, match="is not .csv, .parquet"):
        read_claims(tmp_path / "claims.xlsx")
    with pytest.raises(ClaimsFileError, match="cannot be read"):
        read_claims(tmp_path / "absent.csv")


def test_nothing_is_turned_into_a_silent_zero(population, tmp_path):
    """A blank required cell is an error, not a default."""
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(csv_with(population, tmp_path, {(3, "age"): ""}))
    assert [(p.row, p.field, p.reason) for p in caught.value.problems] == [(3, "age", "is not allowed")]


def test_read_claims_does_not_warn_when_nothing_is_defaulted(population, tmp_path):
    path = tmp_path / "claims.parquet"
    population.write_parquet(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_claims(path, defaults=True)


@pytest.mark.parametrize("cell, field, reason", [
    ('[{"policy_id": "a", "date": "2025-01-01", "date": "2025-02-01"}]', "prior_subsidies[0].date", "duplicate"),
    ('[{"policy_id": "a", "date": "2025-01-01", "level": 3}]', "prior_subsidies[0].level", "unknown field"),
    ('[{"policy_id": "a", "date": "2025-01-01", "cert_level": "3"}]', "prior_subsidies[0].cert_level", "integer"),
    ('[{"policy_id": "a", "date": "2025-01-01", "cert_level": 9}]', "prior_subsidies[].cert_level", "within 1–5"),
    ('{"policy_id": "a", "date": "2025-01-01"}', "prior_subsidies", "list"),
])
def test_a_prior_subsidies_cell_is_as_strict_as_json(population, tmp_path, cell, field, reason):
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(csv_with(population, tmp_path, {(4, "prior_subsidies"): cell}))
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (4, field) and reason in problem.reason, problem


@pytest.mark.parametrize("name, data, reason", [
    ("claims.json", b'{"age": ', "not valid JSON"),
    ("claims.jsonl", b"\xff\xfe{}\n", "not valid UTF-8"),
    ("claims.csv", b"person_id\n\xff\n", "cannot be read"),
])
def test_a_file_that_is_not_text_of_its_kind_is_one_problem(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ClaimsFileError) as caught:
        read_claims(path)
    (problem,) = caught.value.problems
    assert problem.row is None and reason in problem.reason
