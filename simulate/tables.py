"""Every table the command line prints, as a table, CSV or JSON.

    show(rows_or_frame, fmt="table" | "csv" | "json", title="", file=None)

* ``csv`` and ``json`` are for programs: every value whole, numbers as numbers (a
  :class:`Figure` with an interval becomes three columns, ``budget_cny``,
  ``budget_cny_p05``, ``budget_cny_p95``), nothing else on the stream. Shares and
  percentage points stay fractions there, as in summary.json (0.0125 is 1.25 %).
* ``table`` is for people: a rich table that never cuts an id, a name or a number. On a
  terminal, long text folds inside its cell and an interval wraps between its numbers;
  a table with too many columns for the terminal shows each row as field | value lines;
  if even that cannot fit, it is printed wider than the terminal rather than cut.
  Piped, the table is as wide as its longest cells, so ``| grep`` finds whole lines.

Light on purpose (rich only; polars only when a frame is given): ``skillsim policies``
must start fast.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    import polars as pl

FORMATS = ("table", "csv", "json")
# how a Figure reads in a table; csv/json keep the bare number
UNITS = ("", "yuan", "people", "claims", "percent", "pp")
MISSING = "—"  # a table cell with no (finite) value: never "nan" or "inf"
TEXT_MIN = 10  # a text column folds down to this many characters before a number column gives way


@dataclass(frozen=True)
class Figure:
    """A number with its unit and, over replications, its 90 % interval (p05, p95).

    unit: "yuan" / "people" / "claims" (shown with thousands separators, no decimals),
    "percent" (a share 0–1 shown as 12.34%), "pp" (a difference of shares shown in
    percentage points, signed: +1.20pp; no space, so a number never wraps from its unit), "" (as is). signed: show "+" on positive values
    (differences)."""

    mean: float | None
    p05: float | None = None
    p95: float | None = None
    unit: str = ""
    signed: bool = False

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit {self.unit!r} is not one of {UNITS}")

    @property
    def has_interval(self) -> bool:
        return self.p05 is not None or self.p95 is not None

    def text(self) -> str:
        """``mean [p05, p95]`` in the unit, or the mean alone."""
        mean = _number(self.mean, self.unit, self.signed)
        if not self.has_interval:
            return mean
        return f"{mean} [{_number(self.p05, self.unit, self.signed)}, {_number(self.p95, self.unit, self.signed)}]"


def figure(value: Any, unit: str = "", signed: bool = False) -> Figure:
    """A Figure from a summary.json value: a number, None, or {"mean", "p05", "p95"}."""
    if isinstance(value, Figure):
        return value
    if isinstance(value, Mapping):
        return Figure(value.get("mean"), value.get("p05"), value.get("p95"), unit, signed)
    return Figure(value, unit=unit, signed=signed)


def _finite(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _number(v: Any, unit: str, signed: bool) -> str:
    f = _finite(v)
    if f is None:
        return MISSING
    if unit in ("percent", "pp"):
        f *= 100
        if not math.isfinite(f):  # a huge ratio × 100
            return MISSING
    sign = "+" if signed else ""
    if unit in ("yuan", "people", "claims"):
        return f"{f:{sign},.0f}"
    if unit == "percent":
        return f"{f:{sign}.2f}%"
    if unit == "pp":
        return f"{f:+.2f}pp"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:{sign}d}"
    return f"{f:{sign}}"


# ---------------------------------------------------------------- rows


def _rows(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Column names (first appearance order) and rows as dicts."""
    if hasattr(data, "to_dicts"):  # a polars DataFrame
        return list(data.columns), data.to_dicts()
    rows = [dict(r) for r in data]
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols), rows


def _flat(cols: list[str], rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Figures (and {"mean", "p05", "p95"} dicts) as numbers: a column with an interval in any
    row gets its _p05 and _p95 columns beside it."""
    interval = {c for c in cols for r in rows if _is_figure(r.get(c)) and figure(r[c]).has_interval}
    out_cols = [x for c in cols for x in ((c, f"{c}_p05", f"{c}_p95") if c in interval else (c,))]
    out = []
    for r in rows:
        flat: dict[str, Any] = {}
        for c in cols:
            v = r.get(c)
            if _is_figure(v):
                f = figure(v)
                flat[c] = _plain_number(f.mean)
                if c in interval:
                    flat[f"{c}_p05"], flat[f"{c}_p95"] = _plain_number(f.p05), _plain_number(f.p95)
            else:
                flat[c] = _plain(v)
        out.append(flat)
    return out_cols, out


def _is_figure(v: Any) -> bool:
    return isinstance(v, Figure) or (isinstance(v, Mapping) and "mean" in v and set(v) <= {"mean", "p05", "p95"})


def _plain_number(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return _finite(v)  # JSON has no NaN or infinity: they are null


def _plain(v: Any) -> Any:
    """A value JSON can hold as it is: non-finite floats are null, dates ISO text."""
    if isinstance(v, float):
        return _finite(v)
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


# ---------------------------------------------------------------- formats


def show(data: "pl.DataFrame | Iterable[Mapping[str, Any]]", fmt: str = "table", title: str = "", *,
         file: IO[str] | None = None, columns: list[str] | None = None) -> None:
    """Print rows (a polars DataFrame or dicts) as a table, CSV or JSON. ``columns`` fixes
    the columns and their order (and gives an empty table its header)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    out = sys.stdout if file is None else file
    cols, rows = _rows(data)
    if columns is not None:
        cols = list(columns)
    if fmt == "table":
        _print_table(cols, rows, title, out)
        return
    if fmt == "csv" and hasattr(data, "write_csv") and columns is None and not _has_figures(cols, rows):
        out.write(_frame_csv(data))
        return
    flat_cols, flat = _flat(cols, rows)
    if fmt == "json":
        out.write(json.dumps(flat, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(_csv(flat_cols, flat))


def _has_figures(cols: list[str], rows: list[dict[str, Any]]) -> bool:
    return any(_is_figure(r.get(c)) for r in rows for c in cols)


def _frame_csv(df: "pl.DataFrame") -> str:
    import polars as pl
    nested = [c for c, t in df.schema.items() if isinstance(t, (pl.List, pl.Array, pl.Struct, pl.Object))]
    if nested:  # CSV has no nested values: each becomes its JSON text
        df = df.with_columns(pl.Series(c, [None if v is None else json.dumps(_plain(v), ensure_ascii=False)
                                           for v in df[c].to_list()], dtype=pl.String) for c in nested)
    return df.write_csv()


def _csv(cols: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_csv_cell(r.get(c)) for c in cols])
    return buf.getvalue()


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"  # as polars writes them
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)  # floats: the shortest text that reads back the same


# ---------------------------------------------------------------- table


def _cell(v: Any) -> str:
    if _is_figure(v):
        return figure(v).text()
    if v is None:
        return ""
    if isinstance(v, float):
        return _number(v, "", False)
    if isinstance(v, (list, tuple)) and all(isinstance(x, (str, int)) for x in v):
        return ", ".join(str(x) for x in v)  # ids and names: JSON keeps the list
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(_plain(v), ensure_ascii=False)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _print_table(cols: list[str], rows: list[dict[str, Any]], title: str, out: IO[str]) -> None:
    from rich.console import Console

    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    numbers = [[_is_number(r.get(c)) for c in cols] for r in rows]
    tty = _isatty(out)
    console = Console(file=out) if tty else Console(file=out, width=10**6)
    table, width = _table(cols, cells, numbers, title, console.width if tty else None)
    if tty and width > console.width and len(cols) > 2:
        # too many columns for this terminal: each row as field | value lines instead
        records, kinds = [], []
        for row, nums in zip(cells, numbers):
            records += [[c, v] for c, v in zip(cols, row)]
            kinds += [[False, n] for n in nums]
        table, width = _table(["field", "value"], records, kinds, title, console.width, section=len(cols),
                              whole_first=True)
    console.width = max(console.width if tty else 0, width)  # wider than the terminal rather than cut
    console.print(table, crop=False)


def _table(cols: list[str], cells: list[list[str]], numbers: list[list[bool]], title: str, room: int | None,
           section: int = 0, whole_first: bool = False) -> tuple[Any, int]:
    """A rich table of these cells within ``room`` columns (None: as wide as they need), and its
    width. A number never breaks inside itself (a figure wraps at its spaces); text folds
    anywhere, down to TEXT_MIN. ``section``: a rule after every that many rows; ``whole_first``:
    the first column (field names) folds only past half the room."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    n = range(len(cols))
    right = [bool(cells) and all(nums[i] for nums in numbers) for i in n]
    natural = [max([cell_len(c)] + [cell_len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    least = [1 if right[i] else min(natural[i], TEXT_MIN) for i in n]
    for row, nums in zip(cells, numbers):
        for i in n:
            if nums[i]:
                least[i] = max([least[i]] + [cell_len(w) for w in row[i].split()])
    frame = 3 * len(cols) + 1  # padding 1 + 1 per cell, borders between and around
    if whole_first and room is not None:
        least[0] = max(least[0], min(natural[0], (room - frame) // 2))
    widths = natural if room is None else _fit(natural, least, right, room - frame)
    table = Table(title=Text(title) if title else None)  # Text: names are never rich markup
    for i, c in enumerate(cols):
        table.add_column(Text(c), justify="right" if right[i] else "left", overflow="fold", width=widths[i])
    for k, row in enumerate(cells):
        if section and k and k % section == 0:
            table.add_section()
        table.add_row(*(Text(v) for v in row))
    return table, sum(widths) + frame


def _is_number(v: Any) -> bool:
    return v is None or _is_figure(v) or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _isatty(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _fit(natural: list[int], least: list[int], numeric: list[bool], room: int) -> list[int]:
    """Column widths within ``room``: text columns give way first (widest first), then
    figures, none below its least width (the sum may then exceed ``room``)."""
    widths = list(natural)
    for give_way in (False, True):  # text first, then number columns
        while sum(widths) > room:
            free = [i for i, w in enumerate(widths) if numeric[i] == give_way and w > least[i]]
            if not free:
                break
            widest = max(free, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


__all__ = ["Figure", "FORMATS", "figure", "show"]
