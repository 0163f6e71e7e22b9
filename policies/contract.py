"""The claim contract enforced, from its one definition (``skillsim.policies.claim_schema``).

A claim given as JSON (``validate_claim``) goes through the generated pydantic model in
strict mode; a whole polars frame of claims (``validate_frame``) through vectorised checks
generated from the same table, the items of ``prior_subsidies`` included. Either way a
present field is checked strictly (no coercion) and an unknown field is an error. A JSON
claim may leave out an optional field (it takes its default); a frame must have every
column unless the caller asks for the defaults (``defaults=True``, which says which).
Every error is a ``ContractError`` whose one-line message names the field and the bad
value (both cut to a readable length), and in a frame the row. Reading a claim's JSON
text strictly is ``skillsim.policies.claim_json``'s, before this.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Literal, overload

import polars as pl
from pydantic import TypeAdapter, ValidationError

from .claim_schema import (CITIES, DATE_MAX, DATE_MIN, DATE_RANGE, DATES_IN_ORDER, FIELD_BY_NAME, FIELDS,
                           PRIOR_BY_NAME, PRIOR_FIELDS, REQUIRED, Claim, Field, PriorSubsidy)

__all__ = ["CITIES", "DATE_MAX", "DATE_MIN", "ENUM_DTYPES", "FIELDS", "FIELD_BY_NAME", "PRIOR_FIELDS", "PRIOR_DTYPE",
           "REQUIRED", "SCHEMA", "ContractError", "Field", "KIND_MUST", "breaks", "canonical_dtypes", "claims_frame",
           "validate_claim", "validate_frame", "validate_prior_subsidies", "with_enums"]


SHOWN_CHARS = 60  # an echoed value or field name is cut to this, so an error stays one readable line
_NO_VALUE = object()


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value: Any) -> str:
    """A value as an error echoes it: its repr (so control characters are escaped), cut."""
    if value is None:
        return "null"
    if isinstance(value, int) and abs(value) >= 10 ** 60:  # repr of 4,300+ digits raises; and unreadable
        return f"an integer of ~{int(abs(value).bit_length() * 0.30103) + 1} digits"
    return cut(value.isoformat() if isinstance(value, dt.date) else repr(value))


def _one_line(text: str) -> str:
    # repr escapes what the values hold; this catches the rest (\r, \x85, \u2028 split lines too)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ContractError(ValueError):
    """A claim (or frame of claims) that breaks the contract; names the field.

    ``value``, when given, is echoed (cut to SHOWN_CHARS) before the message, as in
    ``age: 999 is not within 0–120``; the field name is cut alike, and the whole is one line.
    """

    def __init__(self, field: str, message: str, *, value: Any = _NO_VALUE):
        self.field = field
        name = field if field.isprintable() and field.strip() == field and field else repr(field)
        if value is not _NO_VALUE:
            message = f"{shown(value)} {message}"
        super().__init__(_one_line(f"{cut(name)}: {message}"))


# ---------------------------------------------------------------- what a field must be (both paths)

def _within(f: Field) -> str:
    return f"within {f.lo:g}–{f.hi:g}"


def _one_of(f: Field) -> str:
    return "one of " + ", ".join(f.choices)


KIND_MUST = {"str": "a non-empty string", "int": "an integer", "number": "a number", "bool": "true or false",
              "date": "a date YYYY-MM-DD", "prior_list": "a list"}
_UNKNOWN = "unknown field (see docs/claim-contract.md)"


# ---------------------------------------------------------------- polars schema

_DTYPES = {"str": pl.String, "enum": pl.String, "int": pl.Int64, "number": pl.Float64, "bool": pl.Boolean,
           "date": pl.Date}
# An item's level is Int8: the populations' prior lists are built wide and many.
PRIOR_DTYPE = pl.Struct({f.name: pl.Int8 if f.name == "cert_level" else _DTYPES[f.kind] for f in PRIOR_FIELDS})
SCHEMA: dict[str, pl.DataType] = {f.name: pl.List(PRIOR_DTYPE) if f.kind == "prior_list" else _DTYPES[f.kind]
                                  for f in FIELDS}
# The closed vocabularies as polars enums, from the same table (a plug-in's declared choices too):
# what the generator draws and what ``with_enums`` gives a checked frame. An enum column is 1 byte a
# row and compares as an integer, where a string column is 16 and compares text; and its dtype
# already says its values are among the choices, so ``validate_frame`` does not check them row by row.
ENUM_DTYPES: dict[str, pl.Enum] = {f.name: pl.Enum(f.choices) for f in FIELDS if f.kind == "enum"}
# A value check broken in a row of a frame (``breaks``, ``as_enums``): row from 0, field, value as shown, reason.
BREAK_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String}


def with_enums(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame that has passed ``validate_frame``, its closed-vocabulary columns as ``ENUM_DTYPES``."""
    return frame.with_columns(pl.col(n).cast(t) for n, t in ENUM_DTYPES.items()
                              if n in frame.columns and frame.schema[n] != t)


def as_enums(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A frame's closed-vocabulary columns (of types ``validate_frame`` accepts) as ``ENUM_DTYPES``, so
    that its value checks need not look at them row by row; and each value outside its vocabulary, null
    in the frame returned, as ``breaks`` reports it (row from 0, field, value, reason): the cast is the check."""
    names = [n for n, t in ENUM_DTYPES.items() if n in frame.columns and frame.schema[n] != t]
    cast = frame.with_columns(pl.col(n).cast(pl.String).cast(ENUM_DTYPES[n], strict=False) for n in names)
    found = []
    for n in names:
        off = frame.get_column(n).is_not_null() & cast.get_column(n).is_null()  # given, and not a choice
        if off.any():
            at = off.arg_true()
            found += [(row, n, shown(value), "is not " + _one_of(FIELD_BY_NAME[n]))
                      for row, value in zip(at, frame.get_column(n).cast(pl.String).gather(at))]
    found.sort(key=lambda b: b[0])
    return cast, pl.DataFrame(found, schema=BREAK_SCHEMA, orient="row")


def canonical_dtypes(frame: pl.DataFrame) -> pl.DataFrame:
    """The claim columns of ``frame`` (results beside them or not) back in ``SCHEMA``'s dtypes where they
    are enums: what a run's claims.parquet holds, whatever the frame was computed on."""
    return frame.with_columns(pl.col(n).cast(SCHEMA[n]) for n in ENUM_DTYPES
                              if n in frame.columns and isinstance(frame.schema[n], (pl.Enum, pl.Categorical)))


# ---------------------------------------------------------------- one claim (JSON)

def _path(loc: tuple) -> str:
    """pydantic's location as the contract names it: age, prior_subsidies[0].date."""
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) and out else f".{step}" if out else str(step)
    return out or "claim"


def _field_at(loc: tuple) -> Field | None:
    if len(loc) == 1:
        return FIELD_BY_NAME.get(loc[0])
    if len(loc) == 3 and loc[0] == "prior_subsidies":
        return PRIOR_BY_NAME.get(loc[2])
    return None


def _must(f: Field, kind: str, value: Any) -> str:
    """What a field's value must be, by pydantic's error type: the one wording of both paths."""
    if kind in ("greater_than_equal", "less_than_equal") or (kind == "float_type" and type(value) is int):
        return _within(f)  # (an int too large for a float is out of bounds)
    special = {"finite_number": "a finite number", "date_range": DATE_RANGE, "real_date": "a real date",
               "string_unicode": "text (it holds a lone surrogate)"}
    if kind in special:
        return special[kind]
    if f.kind in ("str", "enum") and not isinstance(value, str):
        return "a string"
    return _one_of(f) if f.kind == "enum" else KIND_MUST[f.kind]


def _contract_error(exc: ValidationError, at: tuple = ()) -> ContractError:
    """The first error, as the contract words it (an unknown field first: it is usually a typo);
    ``at``: where the validated value sits in a claim."""
    errors = exc.errors(include_url=False)
    e = next((e for e in errors if e["type"] in ("extra_forbidden", "invalid_key")), errors[0])
    loc, kind, value = at + tuple(e["loc"]), e["type"], e.get("input")
    where = _path(loc)
    if kind == "missing":
        return ContractError(where, "required field is missing")
    if kind in ("extra_forbidden", "invalid_key"):
        return ContractError(where, _UNKNOWN)
    if kind == "date_order":
        ctx = e["ctx"]
        return ContractError(ctx["later"], f"{ctx['value']} is before {ctx['earlier']} {ctx['other']}")
    if value is None:
        return ContractError(where, "null is not allowed")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return ContractError(where, f"{type(value).__name__} is not an object")
    f = _field_at(loc)
    if f is None:
        return ContractError(where, f"is not valid ({e['msg']})", value=value)
    return ContractError(where, "is not " + _must(f, kind, value), value=value)


def validate_claim(obj: Any) -> dict[str, Any]:
    """Check one claim (parsed JSON) and return it complete, with defaults filled in."""
    try:
        claim = Claim.model_validate(obj)
    except ValidationError as exc:
        raise _contract_error(exc) from None
    return claim.model_dump()


_PRIOR_LIST = TypeAdapter(list[PriorSubsidy])


def validate_prior_subsidies(value: Any) -> list[dict[str, Any]]:
    """Check a claim's prior_subsidies alone (parsed JSON: a list of items), as a claim's are
    checked; return the items complete (a claims file's CSV cell holds them as JSON text)."""
    try:
        items = _PRIOR_LIST.validate_python(value, strict=True)
    except ValidationError as exc:
        raise _contract_error(exc, at=("prior_subsidies",)) from None
    return [item.model_dump() for item in items]


def claims_frame(claims: Iterable[Any]) -> pl.DataFrame:
    """Validate claims (parsed JSON objects) and build the canonical frame (every column)."""
    rows = [validate_claim(c) for c in claims]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


# ---------------------------------------------------------------- a whole frame

def _dtype_ok(f: Field, dtype: pl.DataType) -> bool:
    if dtype == pl.Null:  # a column of nulls only: its values are checked as nulls
        return True
    if f.kind in ("str", "enum"):
        return dtype == pl.String or isinstance(dtype, (pl.Enum, pl.Categorical))
    if f.kind == "int":
        return dtype.is_integer()
    if f.kind == "number":
        return dtype.is_numeric()
    if f.kind == "prior_list":
        return isinstance(dtype, pl.List) and dtype.inner in (PRIOR_DTYPE, pl.Null)
    return dtype == _DTYPES[f.kind]


@dataclass(frozen=True)
class _Check:
    """Rows of a frame ("claims", or "items": one row per prior subsidy) that break a field."""
    on: str
    name: str          # the field as an error names it
    bad: pl.Expr       # true where the row breaks it
    must: str          # "is not …"
    echo: pl.Expr      # the value the error shows
    beside: pl.Expr | None = None  # a second value the message names (the other date of a rule)


def _outside_dates(day: pl.Expr) -> pl.Expr:
    return (day < DATE_MIN) | (day > DATE_MAX)


def _vocabulary_by_dtype(f: Field, dtype: pl.DataType | None) -> bool:
    """An enum column whose categories are all among the field's choices holds nothing else."""
    return isinstance(dtype, pl.Enum) and set(dtype.categories.to_list()) <= set(f.choices)


def _value_checks(f: Field, col: pl.Expr, on: str, name: str, dtype: pl.DataType | None = None) -> list[_Check]:
    """The model's checks of one field's values, as polars expressions over a column (of ``dtype``,
    when known: an enum of the field's choices needs no check of its values)."""
    checks = [(col.is_null(), "is not allowed")] if not f.nullable else []
    if f.kind == "enum" and not _vocabulary_by_dtype(f, dtype):
        checks.append((col.cast(pl.String).is_in(list(f.choices)).not_(), "is not " + _one_of(f)))
    if f.kind == "str":
        checks.append((col.cast(pl.String).str.strip_chars() == "", "is not " + KIND_MUST["str"]))
    if f.lo is not None:
        checks.append(((col < f.lo) | (col > f.hi), "is not " + _within(f)))
    if f.kind == "number":
        checks.append((col.cast(pl.Float64).is_nan() | col.cast(pl.Float64).is_infinite(), "is not a finite number"))
    if f.kind == "date":
        checks.append((_outside_dates(col), f"is not {DATE_RANGE}"))
    return [_Check(on, name, bad, must, col) for bad, must in checks]


def _checks(schema: pl.Schema) -> list[_Check]:
    """Every check of the columns a frame has (defaults pass them), in the order the model
    reports its errors: field by field, an item's fields at prior_subsidies, the rules across."""
    out: list[_Check] = []
    for f in FIELDS:
        if f.name not in schema:
            continue
        out += _value_checks(f, pl.col(f.name), "claims", f.name, schema[f.name])
        if f.kind == "prior_list" and isinstance(schema[f.name], pl.List):
            item = pl.col(f.name)
            out.append(_Check("items", f"{f.name}[]", item.is_null(), "is not allowed", item))
            if schema[f.name].inner == PRIOR_DTYPE:
                out += [c for p in PRIOR_FIELDS
                        for c in _value_checks(p, item.struct.field(p.name), "items", f"{f.name}[].{p.name}")]
    for later, earlier in DATES_IN_ORDER:
        out.append(_Check("claims", later, pl.col(later) < pl.col(earlier), f"is before {earlier}",
                          pl.col(later), pl.col(earlier)))
    return out


def _prior_items(df: pl.DataFrame) -> pl.DataFrame:
    """One row per prior subsidy, with its claim's row number: only the rows that have any."""
    col = pl.col("prior_subsidies")
    return (df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), col)
            .filter(col.list.len() > 0).explode("prior_subsidies"))


def _first_break(frames: dict[str, pl.DataFrame], checks: list[_Check]) -> ContractError | None:
    flags: dict[int, bool] = {}
    for on, frame in frames.items():  # each frame's checks in one pass
        mine = [i for i, c in enumerate(checks) if c.on == on]
        if mine and frame.height:
            got = frame.select(checks[i].bad.fill_null(False).any().alias(str(i)) for i in mine).row(0)
            flags.update(zip(mine, got))
    for i, c in enumerate(checks):
        if flags.get(i):
            frame = frames[c.on]
            hit = frame.select(c.bad.fill_null(False).arg_true().first()).item()
            value = frame.select(c.echo.gather(hit)).item()
            row = hit if c.on == "claims" else frame["_row"][hit]
            beside = "" if c.beside is None else " " + shown(frame.select(c.beside.gather(hit)).item())
            return ContractError(c.name, f"{c.must}{beside} (row {row})", value=value)
    return None


def breaks(df: pl.DataFrame) -> pl.DataFrame:
    """Every value check that a frame breaks, in all rows (``validate_frame`` stops at the
    first): one row per break, ``row`` (from 0, the claim's position), ``field`` (as an
    error names it, ``prior_subsidies[].date`` for an item's), ``value`` (as errors show it)
    and ``reason`` ("is not …"), ordered by row, then as the checks run. The columns must
    have passed ``validate_frame``'s column checks (present or defaulted, of fitting types)."""
    frames = {"claims": df.with_row_index("_row")}
    if isinstance(df.schema.get("prior_subsidies"), pl.List):
        frames["items"] = _prior_items(df)
    checks = _checks(df.schema)
    found = []
    for on, frame in frames.items():
        mine = [i for i, c in enumerate(checks) if c.on == on]
        if not mine or not frame.height:
            continue
        flags = frame.select(checks[i].bad.fill_null(False).any().alias(str(i)) for i in mine).row(0)
        for i, flagged in zip(mine, flags):
            if not flagged:
                continue
            c = checks[i]
            hits = frame.filter(c.bad.fill_null(False)).select(
                "_row", c.echo.alias("value"), (c.beside if c.beside is not None else pl.lit(None)).alias("beside"))
            found += [(row, i, c.name, shown(value), c.must if c.beside is None else f"{c.must} {shown(beside)}")
                      for row, value, beside in hits.iter_rows()]
    found.sort(key=lambda b: (b[0], b[1]))
    return pl.DataFrame([(row, name, value, reason) for row, _, name, value, reason in found],
                        schema=BREAK_SCHEMA, orient="row")


def _refuse_columns(names: list[str], one: str, many: str) -> ContractError:
    """Every missing column named (the list cut to a readable length), and how many."""
    return ContractError(", ".join(names), one if len(names) == 1 else many.format(n=len(names)))


@overload
def validate_frame(frame: pl.DataFrame | pl.LazyFrame, *, defaults: Literal[False] = False,
                   values: bool = True) -> pl.DataFrame: ...
@overload
def validate_frame(frame: pl.DataFrame | pl.LazyFrame, *, defaults: Literal[True],
                   values: bool = True) -> tuple[pl.DataFrame, list[str]]: ...


def validate_frame(frame, *, defaults=False, values=True):
    """Check a frame of claims against the contract; return it with the canonical columns.

    Every column must be there (a missing one is an error naming all that are), unless
    ``defaults=True``: then each missing optional column is added at its default, and the
    return is (frame, the defaulted columns), so the caller can say which facts it did not
    give. Column dtypes may be narrower than canonical (Int8 for a level, Enum for a
    choice), since a large synthetic population wants them so; values are checked
    (``values=False``: only the columns, for a caller that has run ``breaks`` on this frame).
    """
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    unknown = [n for n in df.columns if n not in FIELD_BY_NAME]
    if unknown:
        raise ContractError(unknown[0], _UNKNOWN)
    absent = [n for n in REQUIRED if n not in df.columns]
    if absent:
        raise _refuse_columns(absent, "required field is missing", "{n} required fields are missing")
    missing = [n for n in SCHEMA if n not in df.columns]
    if missing and not defaults:
        fills = " (validate_frame(defaults=True) fills the contract's defaults)"
        raise _refuse_columns(missing, "column is missing" + fills, "{n} columns are missing" + fills)
    for name, dtype in df.schema.items():
        f = FIELD_BY_NAME[name]
        if not _dtype_ok(f, dtype):
            raise ContractError(name, f"column type {dtype} does not fit {f.kind}")
    if values:
        frames = {"claims": df}
        if isinstance(df.schema.get("prior_subsidies"), pl.List):
            frames["items"] = _prior_items(df)
        error = _first_break(frames, _checks(df.schema))
        if error is not None:
            raise error
    canonical = [pl.col(n).cast(SCHEMA[n]) for n, t in df.schema.items()
                 if t == pl.Null or (n == "prior_subsidies" and t != SCHEMA[n])]
    fill = [pl.lit(FIELD_BY_NAME[n].default, dtype=SCHEMA[n]).alias(n) for n in missing]
    if canonical or fill:
        df = df.with_columns(*canonical, *fill)
    df = df.select(SCHEMA.keys())
    return (df, missing) if defaults else df

