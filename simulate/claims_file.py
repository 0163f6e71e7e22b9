"""A file of claims (CSV, parquet, JSON lines or JSON) read through the claim contract.

    claims = read_claims("applicants.csv")                  # the canonical frame, or ClaimsFileError
    got = load_claims("applicants.csv", defaults=True, rejects=True)
    got.claims, got.rows, got.defaulted, got.rejects        # good claims, their rows, filled columns, bad rows

The contract is ``skillsim.policies.claim_schema`` (its fields) enforced by
``skillsim.policies.contract`` (its checks); this module only turns a file's cells into the
contract's types and reports every break, never restating a field.

**Rows** are numbered as a user counts claims: row 1 is the first claim (in a CSV, the line
after the header; in JSON lines, the first non-blank line; in a JSON list, its first item).
A problem that concerns a whole column (an unknown or missing one) has no row.

**CSV cells** are text: an empty cell is the field's default (false, 0, "assessment"), or null
where the field may be null (an empty required cell is an error); integers and numbers as
written (``35``, ``0.5``; no thousands separators, no surrounding blanks); booleans
``true``/``false`` (or ``True``/``TRUE``, as spreadsheets write them); dates ``YYYY-MM-DD``. ``prior_subsidies`` holds JSON text (a list of items, as in a JSON claim,
e.g. ``[{"policy_id": "beijing-2026-key-groups", "date": "2026-03-01"}]``); empty = none.

**JSON lines** are read by polars when every column's values have one JSON type that fits
the contract; a file that mixes types in a column (``35`` and ``"35"``), or is not valid
JSON, is read line by line through the strict JSON path of ``skillsim explain`` (slower;
exactly the same errors). A ``.json`` file is a JSON list of claims or one claim.

Missing optional columns are an error naming them unless ``defaults=True``; then they take
the contract's defaults and ``ClaimsFile.defaulted`` names them (``read_claims`` warns).
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from skillsim.policies.claim_json import decode_utf8, parse_claims_json
from skillsim.policies.claim_schema import DATE_PATTERN, DATE_RE, PRIOR_BY_NAME, PRIOR_FIELDS
from skillsim.policies.contract import (FIELD_BY_NAME, KIND_MUST, PRIOR_DTYPE, SCHEMA, ContractError, as_enums, breaks,
                                        shown, validate_claim, validate_frame, validate_prior_subsidies, with_enums)
from skillsim.policies.engine import collect

SHOWN_PROBLEMS = 20  # an error's message lists this many
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
PROBLEM_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String}


class Problem(NamedTuple):
    row: int | None   # 1 = the first claim; None = the whole column or file
    field: str
    value: str        # as errors show it (text quoted, cut)
    reason: str       # "is not …"

    def __str__(self) -> str:
        where = "" if self.row is None else f"row {self.row}: "
        value = "" if not self.value else f"{self.value} "
        return f"{where}{self.field}: {value}{self.reason}"


class ClaimsFileError(ContractError):
    """A claims file that breaks the contract. ``problems`` lists every break found
    (``Problem``: row, field, value, reason); the message names how many and the first 20."""

    def __init__(self, path: str | Path, problems: list[Problem]):
        self.path, self.problems = str(path), problems
        if len(problems) == 1 and problems[0].row is None:  # the file, or a column of it
            super().__init__(Path(path).name, str(problems[0]))
            return
        rows = len({p.row for p in problems})
        listed = "; ".join(str(p) for p in problems[:SHOWN_PROBLEMS])
        more = f" (the first {SHOWN_PROBLEMS} of {len(problems):,})" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__(Path(path).name,
                         f"{rows:,} row{'s' if rows != 1 else ''} break the claim contract{more}: {listed}")


class DefaultedColumns(UserWarning):
    """``read_claims(defaults=True)`` filled columns the file does not have."""


@dataclass(frozen=True)
class ClaimsFile:
    claims: pl.DataFrame               # the good claims, canonical columns (contract.SCHEMA)
    rows: pl.Series                    # each good claim's row in the file (1 = first)
    defaulted: tuple[str, ...] = ()    # columns the file lacks, filled with the contract's defaults
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))  # row, field, value, reason


def read_claims(path: str | Path, *, defaults: bool = False) -> pl.DataFrame:
    """The claims of a CSV, parquet, JSON-lines or JSON file as the contract's frame.

    Raises ``ClaimsFileError`` (a ContractError) listing every bad row, or naming the
    missing columns unless ``defaults=True`` (then a ``DefaultedColumns`` warning names them).
    """
    got = load_claims(path, defaults=defaults)
    if got.defaulted:
        warnings.warn(f"{Path(path).name}: columns not in the file, at the contract's defaults: "
                      + ", ".join(got.defaulted), DefaultedColumns, stacklevel=2)
    return got.claims


def split_claims(path: str | Path, *, defaults: bool = False) -> ClaimsFile:
    """The good claims and, apart, the bad rows with their reasons (``ClaimsFile.rejects``).
    A problem of the whole file (a column unknown or missing) still raises."""
    return load_claims(path, defaults=defaults, rejects=True)


def load_claims(path: str | Path, *, defaults: bool = False, rejects: bool = False) -> ClaimsFile:
    """``read_claims`` with all it found: the good claims, their rows, the defaulted columns,
    and (``rejects=True``) the bad rows instead of an error."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ClaimsFileError(path, [Problem(None, "file", "", "is not .csv, .parquet, .jsonl, .ndjson or .json")])
    frame, problems = _READERS[fmt](path)
    return _checked(path, frame, problems, defaults, rejects)


# ---------------------------------------------------------------- reading each format

def _unreadable(path: Path, exc: Exception) -> ClaimsFileError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip().splitlines()[0]
    return ClaimsFileError(path, [Problem(None, "file", "", f"cannot be read ({reason})")])


def _read_csv(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every cell as text, cast to its field's type in the same pass (``_from_text`` of a scan);
    a true/false column read as the forms it may be written in (``_BOOL_FORMS``: a fifth of the
    time of reading it as text and looking each cell up). A file where such a cell is anything
    else, or that polars cannot read, is read again all as text, which names the cell or the fault."""
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False, encoding="utf8").columns
        bools = {n: _BOOL_FORMS for n in header if n in FIELD_BY_NAME and FIELD_BY_NAME[n].kind == "bool"}
        scan = pl.scan_csv(path, infer_schema=False, schema_overrides=bools, encoding="utf8")
        return _from_text(scan, blank_default=True)
    except (OSError, pl.exceptions.PolarsError):
        pass
    try:
        text = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise _unreadable(path, exc) from None
    return _from_text(text, blank_default=True)


def _read_parquet(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise _unreadable(path, exc) from None
    return frame, _no_problems()


def _read_jsonl(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """polars' reader when its types fit the contract; else the strict path, line by line."""
    try:
        frame = pl.read_ndjson(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        frame = None
    text = {} if frame is None else {n: _as_json_text(n, t) for n, t in frame.schema.items()
                                     if n in FIELD_BY_NAME and FIELD_BY_NAME[n].kind in ("date", "prior_list")}
    if frame is not None and all(e is not None for e in text.values()) and not _null_priors(frame):
        got, problems = _from_text(frame.with_columns(text.values()), only=list(text))
        try:
            validate_frame(got.clear(), defaults=True)  # the column types fit the contract
            clean = problems.is_empty() and breaks(got).is_empty()
        except ContractError:
            clean = False  # a column mixes JSON types, or an unknown key: only the strict path says which rows
        if clean:  # (polars reads a key left out of a line as null, where the JSON path takes its default)
            return got, problems
    try:
        lines = decode_utf8(path.read_bytes(), "file").splitlines()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except ContractError as exc:  # not UTF-8
        raise _column_problem(path, exc) from None
    return _strict_rows([line for line in lines if line.strip()], as_json=True)


def _read_json(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        value = parse_claims_json(path.read_bytes(), where="file")
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except ContractError as exc:  # not JSON, not UTF-8, or JSON no claim may hold
        raise _column_problem(path, exc) from None
    return _strict_rows(value if isinstance(value, list) else [value], as_json=False)


def json_text(col: pl.Expr, dtype: pl.List) -> pl.Expr:
    """A list column as JSON text, item by item ("[]" for an empty list, null for null): how a
    claims CSV holds prior_subsidies, and how a flat table holds any list but one of text."""
    item = pl.element().struct.json_encode() if isinstance(dtype.inner, pl.Struct) else pl.element().cast(pl.String)
    return pl.concat_str(pl.lit("["), col.list.eval(item).list.join(","), pl.lit("]"))


def _as_json_text(name: str, dtype: pl.DataType) -> pl.Expr | None:
    """A date or prior_subsidies column of a JSON-lines file as the text a CSV cell holds;
    None where polars read something else (a number for a date): the strict path says which rows."""
    col = pl.col(name)
    if name == "prior_subsidies" and isinstance(dtype, pl.List):
        if isinstance(dtype.inner, pl.Struct):
            return json_text(col, dtype).alias(name)
        if dtype.inner == pl.Null:  # only empty lists, or lists of nulls (which the contract refuses)
            return pl.when(col.list.len() == 0).then(pl.lit("[]")).otherwise(pl.lit("[null]")).alias(name)
        return None
    if name != "prior_subsidies" and dtype in (pl.String, pl.Null):
        return col.cast(pl.String)
    return None


def _null_priors(frame: pl.DataFrame) -> bool:
    """prior_subsidies null in some line: the JSON contract refuses it, a CSV's empty cell would not."""
    return "prior_subsidies" in frame.columns and frame["prior_subsidies"].null_count() > 0


_READERS = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl, "json": _read_json}


# ---------------------------------------------------------------- text cells to the contract's types

def _no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


_BOOLS = {"true": True, "false": False, "True": True, "False": False, "TRUE": True, "FALSE": False}
_BOOL_FORMS = pl.Enum(list(_BOOLS))  # a CSV's true/false column, read as the forms it may hold


def _cast(kind: str, text: pl.Expr, dtype: pl.DataType = pl.String) -> pl.Expr:
    """A text column as the kind's type: null where a cell is empty or is not one of the kind
    (``_not_of_kind`` says which). Text fields keep their text ("" is empty: a quoted empty cell).
    A true/false column may come as ``_BOOL_FORMS`` (``_read_csv``): each form's value by its index."""
    if kind in ("int", "number"):
        return text.cast(pl.Int64 if kind == "int" else pl.Float64, strict=False)
    if kind == "bool" and dtype == _BOOL_FORMS:
        return pl.lit(pl.Series(list(_BOOLS.values()), dtype=pl.Boolean)).gather(text.to_physical())
    if kind == "bool":
        return text.replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)
    if kind == "date":
        return text.str.to_date("%Y-%m-%d", strict=False)
    return pl.when(text != "").then(text)


def _not_of_kind(kind: str, text: pl.Expr, value: pl.Expr, dtype: pl.DataType = pl.String) -> pl.Expr | None:
    """Cells with text that did not cast (a date also not in its 10-character form); None for text
    fields, and for a true/false column read as ``_BOOL_FORMS`` (it holds nothing else)."""
    if kind in ("str", "enum") or dtype == _BOOL_FORMS:
        return None
    bad = value.is_null() | (text.str.len_bytes() != 10) if kind == "date" else value.is_null()
    return (text != "") & bad


def _reason(kind: str, text: str) -> str:
    if kind == "date" and DATE_RE.fullmatch(text):
        return "is not a real date"
    return "is not " + KIND_MUST[kind]


def _from_text(frame: pl.DataFrame | pl.LazyFrame, only: list[str] | None = None,
               blank_default: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cells of text cast to the contract's types (all known columns, or ``only`` these), and
    a problem for every cell that is not of its field's kind (surrounding blanks are not
    taken away). An empty cell is null, or with ``blank_default`` (a CSV, where a cell cannot
    be left out) the field's default if it has one. One pass casts every column and marks the
    rows with a cell that did not cast; only if there is one are the cells found in the text."""
    lf = frame.lazy()
    dtypes = lf.collect_schema()
    names = [n for n in (dtypes.names() if only is None else only)
             if n in FIELD_BY_NAME and FIELD_BY_NAME[n].kind != "prior_list"]
    kinds = {n: FIELD_BY_NAME[n].kind for n in names}
    typed = {n: _cast(kinds[n], pl.col(n), dtypes[n]) for n in names}
    checks = {n: bad for n in names if (bad := _not_of_kind(kinds[n], pl.col(n), typed[n], dtypes[n])) is not None}
    final = [typed[n].alias(n) for n in names]
    if blank_default:
        final = [e.fill_null(pl.lit(f.default, dtype=SCHEMA[f.name])) if not f.required and not f.nullable
                 and f.default is not None else e for e, f in zip(final, (FIELD_BY_NAME[n] for n in names))]
    flagged = pl.any_horizontal(*checks.values()).fill_null(False) if checks else pl.lit(False)
    out = collect(lf.with_columns(*final, flagged.alias("_not_of_kind")))
    problems = []
    if out.get_column("_not_of_kind").any():
        text = collect(frame) if isinstance(frame, pl.LazyFrame) else frame
        flags = text.select(bad.fill_null(False).any().alias(n) for n, bad in checks.items()).row(0, named=True)
        for name in (n for n, hit in flags.items() if hit):
            hits = text.with_row_index("_row", offset=1).filter(checks[name].fill_null(False)).select("_row", name)
            problems += [(row, name, shown(cell), _reason(kinds[name], cell)) for row, cell in hits.iter_rows()]
    out = out.drop("_not_of_kind")
    if "prior_subsidies" in out.columns and (only is None or "prior_subsidies" in only):
        out, prior_problems = _priors(out)
        problems += prior_problems
    problems.sort(key=lambda p: p[0])
    return out, pl.DataFrame(problems, schema=PROBLEM_SCHEMA, orient="row")


def _prior_cell(text: str) -> tuple[list[dict[str, Any]] | None, str, str]:
    """One prior_subsidies cell (JSON text) through the strict JSON reader and the contract:
    (items, "", "") or (None, field, what is wrong)."""
    try:
        return validate_prior_subsidies(parse_claims_json(text, where="prior_subsidies")), "", ""
    except ContractError as exc:
        return None, exc.field, str(exc).partition(": ")[2]


_JSON_TYPES = {"str": (pl.String,), "date": (pl.String,), "int": (pl.Int64,), "bool": (pl.Boolean,)}


def _decoded(cells: pl.Series) -> pl.Series | None:
    """Distinct prior_subsidies cells decoded by polars at once, as List(PRIOR_DTYPE); None
    where only the strict reader can say what is wrong: not JSON, not a list of objects, a
    key unknown or given twice in an item, a value of another JSON type, a date that is not
    one, a number past its type. (Values within their types are the contract's to check.)"""
    try:
        decoded = cells.str.json_decode(infer_schema_length=None)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if decoded.dtype == pl.List(pl.Null) and decoded.list.len().sum() == 0:
        return decoded.cast(pl.List(PRIOR_DTYPE))
    if not (isinstance(decoded.dtype, pl.List) and isinstance(decoded.dtype.inner, pl.Struct)):
        return None
    given = {f.name: f.dtype for f in decoded.dtype.inner.fields}
    if any(name not in PRIOR_BY_NAME or dtype not in (*_JSON_TYPES[PRIOR_BY_NAME[name].kind], pl.Null)
           for name, dtype in given.items()):
        return None
    items = decoded.list.len()
    if any((cells.str.count_matches(f'"{re.escape(name)}"\\s*:') > items).any() for name in given):
        return None  # a key twice in an item (polars keeps one)
    if not items.sum():
        return decoded.cast(pl.List(PRIOR_DTYPE))
    flat = decoded.explode().struct.unnest()
    typed = flat.select(_item_fields(given, pl.col))
    if sum(typed.null_count().row(0)) != sum(flat.null_count().row(0)) + (len(PRIOR_FIELDS) - len(given)) * flat.height:
        return None  # a date that is not one, or a number past its type
    return decoded.list.eval(pl.struct(_item_fields(given, pl.element().struct.field)))


def _item_fields(given: dict[str, pl.DataType], field: Any) -> list[pl.Expr]:
    """An item's fields in PRIOR_DTYPE from its JSON values (``field(name)``); absent ones null;
    a date from its text (null if it is not one), a number cast (null if past its type)."""
    out = []
    for f in PRIOR_FIELDS:
        value = field(f.name) if f.name in given else pl.lit(None)
        if f.kind == "date":
            text = value.cast(pl.String)
            value = pl.when(text.str.contains(DATE_PATTERN)).then(text.str.to_date("%Y-%m-%d", strict=False))
        out.append(value.cast(PRIOR_DTYPE.to_schema()[f.name], strict=False).alias(f.name))
    return out


def _priors(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple]]:
    """prior_subsidies from JSON text: the distinct cells with items decoded at once (``_decoded``)
    or, where that cannot vouch for them, each through the strict JSON reader; looked up by
    cell. An empty cell, or ``[]``, is no items (as the strict reader reads ``[]``)."""
    cells = frame.get_column("prior_subsidies").str.strip_chars()
    none = cells.is_null() | cells.is_in(["", "[]"])
    distinct = cells.filter(~none).unique()
    items = _decoded(distinct) if distinct.len() else None
    if items is not None:
        parsed = {}
        table = pl.DataFrame({"_cell": distinct, "_items": items})
    else:
        parsed = {text: _prior_cell(text) for text in distinct}
        table = pl.DataFrame({"_cell": list(parsed), "_items": [p[0] for p in parsed.values()]},
                             schema={"_cell": pl.String, "_items": pl.List(PRIOR_DTYPE)})
    looked_up = pl.DataFrame({"_cell": cells}).join(table, on="_cell", how="left", maintain_order="left")
    out = frame.with_columns(pl.when(none).then(pl.lit([], pl.List(PRIOR_DTYPE)))
                             .otherwise(looked_up.get_column("_items")).alias("prior_subsidies"))
    bad = {text: (field, reason) for text, (items, field, reason) in parsed.items() if items is None}
    problems = []
    if bad:
        hits = pl.DataFrame({"_cell": cells}).with_row_index("_row", offset=1).filter(pl.col("_cell").is_in(list(bad)))
        problems = [(row, bad[text][0], shown(text), bad[text][1]) for row, text in hits.iter_rows()]
    return out, problems


# ---------------------------------------------------------------- the strict JSON path (one claim at a time)

def _strict_rows(items: list[Any], as_json: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each claim through the contract's JSON path (``explain``'s): the good ones, with their
    rows in ``_file_row``, and the first break of each bad one (its value is in the reason).
    A field that no claim gives is left out, so that a missing column is missing here too."""
    good, problems, seen = [], [], set()
    for row, item in enumerate(items, start=1):
        try:
            value = parse_claims_json(item) if as_json else item
            seen.update(value if isinstance(value, dict) else ())
            claim = validate_claim(value)
        except ContractError as exc:
            problems.append((row, exc.field, "", str(exc).partition(": ")[2]))
            continue
        good.append((row, claim))
    frame = pl.DataFrame([c for _, c in good], schema=SCHEMA, orient="row") if good else pl.DataFrame(schema=SCHEMA)
    rows = pl.Series("_file_row", [r for r, _ in good], dtype=pl.Int64)
    frame = frame.select(n for n in SCHEMA if n in seen).with_columns(rows)
    return frame, pl.DataFrame(problems, schema=PROBLEM_SCHEMA, orient="row")


# ---------------------------------------------------------------- all of it

def _column_problem(path: Path, exc: ContractError) -> ClaimsFileError:
    """A problem of the whole file or of a column, from the contract's error."""
    return ClaimsFileError(path, [Problem(None, exc.field, "", str(exc).partition(": ")[2])])


def _checked(path: Path, frame: pl.DataFrame, problems: pl.DataFrame, defaults: bool, rejects: bool) -> ClaimsFile:
    """The contract's column checks, then its value checks in every row; the good rows, canonical."""
    if "_file_row" in frame.columns:  # the strict path: rows already checked, bad ones left out
        rows = frame["_file_row"]
        frame = frame.drop("_file_row")
    else:
        rows = pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True)
    try:
        _, defaulted = validate_frame(frame.clear(), defaults=True)  # unknown columns, required ones, types
    except ContractError as exc:
        raise _column_problem(path, exc) from None
    if defaulted and not defaults:
        raise ClaimsFileError(path, [Problem(None, ", ".join(defaulted), "",
                                             f"{'column is' if len(defaulted) == 1 else f'{len(defaulted)} columns are'}"
                                             " missing (--defaults, or defaults=True, fills the contract's defaults)")])
    # the closed vocabularies as the contract's enums: the cast checks them (breaks then need not)
    frame, off = as_enums(frame)
    problems = pl.concat([problems, off.with_columns(rows.gather(off["row"]).alias("row"))]).sort("row", maintain_order=True)
    found = breaks(frame)
    found = found.with_columns(rows.gather(found["row"]).alias("row"))  # the position, as the file's row
    # a cell that is not of its kind is null now: its null check says nothing more
    root = pl.col("field").str.extract(r"^([^\[.]+)").alias("_root")
    known = problems.select("row", root)
    found = (found.with_columns(root).join(known, on=["row", "_root"], how="anti").drop("_root")
             if known.height else found)
    everything = pl.concat([problems, found]).sort("row", maintain_order=True)
    bad_rows = everything["row"].unique()
    if everything.height and not rejects:
        raise ClaimsFileError(path, [Problem(*r) for r in everything.iter_rows()])
    keep = ~rows.is_in(bad_rows.implode()) if everything.height else None
    if keep is not None:
        frame, rows = frame.filter(keep), rows.filter(keep)
    claims, _ = validate_frame(frame, defaults=True, values=False)  # breaks found none in these rows
    claims = with_enums(claims)  # the columns filled at their defaults too
    return ClaimsFile(claims, rows.alias("row"), tuple(defaulted), everything)


__all__ = ["ClaimsFile", "ClaimsFileError", "DefaultedColumns", "Problem", "load_claims", "read_claims",
           "split_claims", "FORMATS", "json_text"]
