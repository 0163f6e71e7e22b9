"""The mutants: a file, an exact text to find in it and its replacement.

Three kinds: ``parameter`` (generated from every policy's parameters.toml: each number ± a
step, each date ± a day, each boolean flipped, each class letter changed, each list item
dropped, each text changed), ``catalog`` (generated from every catalog CSV: each row's
class or tier changed, and its code or name changed) and ``logic`` (hand-listed in
tools/mutants.toml: operators, conditions and orders in the calculators and the engine).

A mutant's text is found after its ``after`` anchors (each searched from where the one
before was found), so a value that recurs in a file is addressed by its table's header.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGIC_FILE = Path(__file__).resolve().parent / "mutants.toml"
CATALOGS = ("catalog.csv", "tech_post_match.csv")


class MutantError(ValueError):
    """A mutant whose text is not where it says (the source moved on): named, never applied."""


@dataclass(frozen=True)
class Mutant:
    id: str
    kind: str            # "parameter" | "catalog" | "logic"
    file: str            # relative to the repository root
    find: str
    replace: str
    description: str
    after: tuple[str, ...] = field(default=())

    def apply(self, text: str) -> str:
        """The file's text with this mutant applied (MutantError if the text is not found once)."""
        start = 0
        for anchor in self.after:
            at = text.find(anchor, start)
            if at < 0:
                raise MutantError(f"{self.id}: anchor {anchor!r} not in {self.file}")
            start = at + len(anchor)
        at = text.find(self.find, start)
        if at < 0:
            raise MutantError(f"{self.id}: {self.find!r} not in {self.file}")
        if not self.after and text.find(self.find, at + 1) >= 0:
            raise MutantError(f"{self.id}: {self.find!r} occurs more than once in {self.file}; give `after`")
        return text[:at] + self.replace + text[at + len(self.find):]


# ---------------------------------------------------------------- parameters

def _number_steps(value: int | float, bounds: list | None, integer: bool) -> list[int | float]:
    """value + 1 if within bounds, else value - 1 (a fractional value: ± 0.5)."""
    step = 1 if integer or isinstance(value, int) else 0.5
    lo, hi = (bounds or [None, None])
    for cand in (value + step, value - step):
        if (lo is None or cand >= lo) and (hi is None or cand <= hi):
            return [cand]
    return []


def _toml_scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, dt.date)):
        return str(v)
    return '"' + str(v).replace('"', '\\"') + '"'


def _toml_list(items: list) -> str:
    return "[" + ", ".join(_toml_scalar(i) for i in items) + "]"


def parameter_mutants(root: Path = ROOT) -> list[Mutant]:
    out: list[Mutant] = []
    for path in sorted((root / "policies").glob("*/parameters.toml")):
        rel = str(path.relative_to(root))
        pkg = path.parent.name
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, spec in raw.items():
            if name == "checks":
                continue
            header = f"[{name}]"
            value = spec["value"]
            mk = lambda what, find, rep, after=(header,): out.append(Mutant(  # noqa: E731
                f"param:{pkg}:{name}:{what}", "parameter", rel, find, rep,
                f"{pkg} {name}: {what}", after))
            line = f"value = {_toml_scalar(value) if not isinstance(value, (list, dict)) else ''}"
            if isinstance(value, bool):
                mk(f"{value}->{not value}", line, f"value = {_toml_scalar(not value)}")
            elif isinstance(value, (int, float)):
                for cand in _number_steps(value, spec.get("bounds"), spec.get("integer", False)):
                    mk(f"{value}->{cand}", line, f"value = {cand}")
            elif isinstance(value, dt.date):
                for days in (1, -1):
                    cand = value + dt.timedelta(days=days)
                    mk(f"{value}->{cand}", line, f"value = {cand}")
            elif isinstance(value, str):
                choices = spec.get("choices")
                for cand in ([c for c in choices if c != value] if choices else [value + "(变)"]):
                    mk(f"{value}->{cand}", line, f"value = {_toml_scalar(cand)}")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    mk(f"drop {item}", f"value = {_toml_list(value)}",
                       f"value = {_toml_list(value[:i] + value[i + 1:])}")
            elif isinstance(value, dict):
                out.extend(_table_mutants(rel, pkg, name, value, spec.get("bounds"), (header,)))
    return out


def _table_mutants(rel: str, pkg: str, name: str, table: dict, bounds, after: tuple[str, ...]) -> list[Mutant]:
    """Each amount of an (inline, maybe nested) amount table ± 1; a class map's classes are
    data of a reform, empty at baseline."""
    out = []
    for key, v in table.items():
        shown = f'"{key}"' if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else key
        if isinstance(v, dict):
            out.extend(_table_mutants(rel, pkg, f"{name}.{key}", v, bounds, after + (f"{shown} = {{",)))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            for cand in _number_steps(v, bounds, True):
                out.append(Mutant(f"param:{pkg}:{name}[{key}]:{v}->{cand}", "parameter", rel,
                                  f"{shown} = {v}", f"{shown} = {cand}", f"{pkg} {name}[{key}]: {v} -> {cand}", after))
    return out


# ---------------------------------------------------------------- catalogs

def _other_code(code: str, taken: set[str]) -> str:
    """A code of the same shape not in the catalog: the last two digits changed."""
    head, tail = code[:-2], int(code[-2:])
    for k in range(1, 100):
        cand = f"{head}{(tail + k) % 100:02d}"
        if cand not in taken:
            return cand
    raise AssertionError(code)


def catalog_mutants(root: Path = ROOT) -> list[Mutant]:
    out: list[Mutant] = []
    for path in sorted(p for name in CATALOGS for p in (root / "policies").glob(f"*/{name}")):
        rel = str(path.relative_to(root))
        pkg = path.parent.name
        body = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
        header = next(csv.reader([body[0]]))
        rows = [(line, dict(zip(header, next(csv.reader([line]))))) for line in body[1:]]
        taken = {rec.get("code") for _, rec in rows}
        classes = sorted({rec.get("tier") or rec.get("class") for _, rec in rows} - {None})
        for line, rec in rows:
            key = rec.get("code") or rec["name"]
            tag = f"catalog:{pkg}/{path.stem}:{key}"
            col = "tier" if "tier" in rec else "class" if "class" in rec else None
            if col:
                for cand in [c for c in (classes if len(classes) > 1 else ["A", "B", "C"]) if c != rec[col]][:1]:
                    out.append(Mutant(f"{tag}:{col} {rec[col]}->{cand}", "catalog", rel, line,
                                      _with(line, rec, col, cand), f"{rel} {rec['name']}: {col} {rec[col]} -> {cand}"))
            if rec.get("code"):
                cand = _other_code(rec["code"], taken)
                out.append(Mutant(f"{tag}:code->{cand}", "catalog", rel, line, _with(line, rec, "code", cand),
                                  f"{rel} {rec['name']}: code {rec['code']} -> {cand}"))
            else:
                out.append(Mutant(f"{tag}:name changed", "catalog", rel, line,
                                  _with(line, rec, "name", rec["name"] + "项目"),
                                  f"{rel} {rec['name']}: name changed"))
    return out


def _with(line: str, rec: dict, col: str, value: str) -> str:
    fields = list(csv.reader([line]))[0]
    fields[list(rec).index(col)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


# ---------------------------------------------------------------- hand-listed logic

def logic_mutants(path: Path = LOGIC_FILE) -> list[Mutant]:
    """The mutants of tools/mutants.toml (``path``)."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, m in enumerate(raw.get("mutant", []), 1):
        unknown = set(m) - {"file", "find", "replace", "description", "after"}
        if unknown or not {"file", "find", "replace", "description"} <= set(m):
            raise MutantError(f"{path.name}: mutant {i} has keys {sorted(m)}")
        after = m.get("after", ())
        out.append(Mutant(f"logic:{i:03d}:{Path(m['file']).parent.name or Path(m['file']).stem}", "logic",
                          m["file"], m["find"], m["replace"], m["description"],
                          (after,) if isinstance(after, str) else tuple(after)))
    return out


def all_mutants(root: Path = ROOT) -> list[Mutant]:
    return parameter_mutants(root) + catalog_mutants(root) + logic_mutants(root / "tools" / "mutants.toml")
