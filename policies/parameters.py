"""Policy parameters as data: every value carries its kind, its citation, unit and range.

A policy's ``parameters.toml`` has one table per parameter, of one of two kinds::

    [a_tier_uplift_pct]
    kind = "legal"              # a value of the law: it cites the clause that gives it
    rule = "BJKG-A1"            # rule id of the policy's rules.toml
    clause = "二"               # clause of the official text
    unit = "percent"
    description = "Tier A = tier B plus this uplift (A档在B档补助基础上上浮20%)."
    value = 20
    bounds = [0, 100]           # the valid range, inclusive (numbers, money, dates)
    integer = true              # whether a fraction is allowed (numbers other than money)
    # reading = "..."           # where the value is a reading of an ambiguous text
    # choices = ["A", "B"]      # text, text list, class map: the values allowed
    label = { zh = "A档上浮比例", en = "Tier A uplift" }   # optional: a plain name in both languages

    [payment_delay_months]
    kind = "assumption"         # a modelling value the text leaves open
    rule = "SHSU-F1"            # the rule it serves (no clause: no clause gives it)
    source = "illustrative: …"  # where the number comes from: one line, or "illustrative"
    unit = "months"
    …

The loader keeps the two apart: a legal parameter has a clause and no source; an
assumption has a source and no clause (nor a reading: its source says why).

Ranges are per parameter, not per unit: every number, amount, amount table (each
amount in it) and date declares ``bounds``, and every number other than money declares
``integer``; the loader refuses a file that forgets one, or whose bounds exceed the
unit's hard limits (``UNITS``: they keep the arithmetic of policies/money.py inside
int64). Money is always whole yuan. A percentage that allows fractions has at most
two decimals (money.apply_pct works in hundredths of a percent).

No parameter carries dates of its own (docs/conventions.md, "Parameters"): a value is the
policy's for the policy's whole life; the dates that matter are the policy's (policy.toml)
and the date parameters its rules read.

After the parameters, ``[[checks]]`` tables declare what holds between them::

    [[checks]]
    less_equal = ["certificates_from", "certificates_until"]   # a chain: each ≤ the next
    [[checks]]
    less = ["working_age_min", "retirement_age_male"]          # each < the next

The loader is strict (a key it does not know, a legal value without a clause, an
assumption without a source, a value of the wrong type for its unit or outside its
bounds: error naming the parameter). A reform is a set of overrides on the baseline
(``ParameterSet.override``), checked the same way (values, bounds, an amount table's keys
exactly the baseline's, the cross checks), so reforms stack; a --set, a scenario's
[parameters] and its [reform] all come through there.

Classes a scenario assumes for occupations and items a policy's catalog does not name
(``AssumedClasses``, drawn by the runner) travel with a set but apart from its legal
values (``ParameterSet.assume_classes``): they are in its digest, never in
``catalog_overrides``.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .money import hundredths

# PREFIX-ID: each policy declares its prefix (policy.toml's rule_prefix), so a plug-in's
# rules need no change here; Policy checks that its rules and parameters carry its own.
RULE_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]{1,7}-[A-Z0-9]+$")
KINDS = {  # kind -> (the key it cites, the keys it may not have)
    "legal": ("clause", {"source"}),
    "assumption": ("source", {"clause", "reading"}),
}
REQUIRED_KEYS = {"kind", "rule", "unit", "description", "value"}
OPTIONAL_KEYS = {"clause", "source", "reading", "note", "bounds", "integer", "choices", "label"}
LABEL_LANGS = ("zh", "en")   # a parameter's label: a plain name in each (the dashboard shows it)
CHECKS_KEY = "checks"   # [[checks]]: cross-parameter checks, not a parameter
CHECK_KINDS = {"less_equal": ("at most", "on or before"), "less": ("below", "before")}

LEVEL_KEYS = {"1", "2", "3", "4", "5"}


class ParameterError(ValueError):
    """A parameter file or an override that is not valid; names the parameter."""


class _Bad(ValueError):
    """What is wrong with a value, before the parameter's name is put in front."""


@dataclass(frozen=True)
class Unit:
    """What a unit's values are. ``limits``: the widest bounds a parameter of this unit may
    declare (numbers, money, dates); ``whole``: always integer (money)."""
    kind: str   # "number" | "money" | "money table" | "date" | "bool" | "text" | "text list" | "class map"
    limits: tuple[Any, Any] | None = None
    whole: bool = False

    @property
    def ordered(self) -> bool:
        return self.limits is not None

    @property
    def declares_integer(self) -> bool:
        return self.kind == "number"


MONEY_LIMIT = 10**9   # yuan: × 10⁵ hundredths (1000 %) × a count of 10⁴ still fits int64
UNITS: dict[str, Unit] = {
    "CNY": Unit("money", (0, MONEY_LIMIT), whole=True),
    "CNY table": Unit("money table", (0, MONEY_LIMIT), whole=True),
    "percent": Unit("number", (0, 1000)),
    "years": Unit("number", (0, 100)),
    "months": Unit("number", (0, 1200)),
    "days": Unit("number", (0, 36600)),
    "day of month": Unit("number", (1, 28)),
    "age": Unit("number", (0, 120)),
    "count": Unit("number", (0, 10**7)),
    "hours": Unit("number", (0, 10**5)),
    "date": Unit("date", (dt.date(1990, 1, 1), dt.date(2100, 12, 31))),
    "bool": Unit("bool"),
    "text": Unit("text"),
    "text list": Unit("text list"),
    "class map": Unit("class map"),
}
CLASSES = ("A", "B", "C")


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _show(v: Any) -> str:
    s = v.isoformat() if isinstance(v, dt.date) else repr(v)
    return s if len(s) <= 80 else s[:77] + "…"


def _date(v: Any) -> dt.date:
    """A date, or an ISO "YYYY-MM-DD" string (what --set and JSON give)."""
    if isinstance(v, dt.datetime):
        raise _Bad(f"{_show(v)} is not a date (a date, not a date and time)")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise _Bad(f"{v!r} is not a real date") from None
    raise _Bad(f"{_show(v)} is not a date (YYYY-MM-DD)")


def _bound_text(lo: Any, hi: Any) -> str:
    return f"{lo} … {hi}" if isinstance(lo, dt.date) else f"{lo}–{hi}"


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str                 # "legal" (cites a clause) | "assumption" (cites a source)
    rule: str                 # the rule it is a value of (legal) or serves (assumption)
    clause: str | None
    unit: str
    description: str
    value: Any
    reading: str | None = None
    note: str | None = None
    source: str | None = None
    bounds: tuple[Any, Any] | None = None
    integer: bool | None = None
    choices: tuple[str, ...] | None = None
    overridden: bool = False
    label: tuple[str, str] | None = None      # (zh, en): a plain name (the code name stays ``name``)

    def label_in(self, lang: str) -> str:
        """The plain name in ``lang`` ("zh" or "en"); the code name where no label is given."""
        return self.label[LABEL_LANGS.index(lang)] if self.label else self.name

    # ---- checking one value ------------------------------------------------------------
    def check(self, value: Any) -> Any:
        """The value, normalised (an ISO string to a date, 80.0 to 80), if it fits the
        parameter's unit, bounds and, for an amount table, the keys of this one; else a
        ParameterError naming the parameter."""
        try:
            return self._check(value)
        except _Bad as e:
            raise ParameterError(f"parameter {self.name}: {e}") from None

    def _check(self, value: Any) -> Any:
        kind = UNITS[self.unit].kind
        if kind in ("number", "money"):
            return self._number(value, self.unit)
        if kind == "money table":
            if not isinstance(value, Mapping):
                raise _Bad(f"{_show(value)} is not a table of amounts (CNY table)")
            return self._table(value, self.value, "")
        if kind == "date":
            return self._in_bounds(_date(value))
        if kind == "bool":
            if not isinstance(value, bool):
                raise _Bad(f"{_show(value)} is not true or false (bool)")
            return value
        if kind == "text":
            if not isinstance(value, str) or not value:
                raise _Bad(f"{_show(value)} is not a non-empty string (text)")
            return self._chosen(value)
        if kind == "text list":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise _Bad(f"{_show(value)} is not a list of strings (text list)")
            for x in value:
                self._chosen(x)
            return value
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and k for k in value):
            raise _Bad(f"{_show(value)} is not a table of code -> class (class map)")
        for k, c in value.items():
            if c not in (self.choices or CLASSES):
                raise _Bad(f"{k!r} -> {_show(c)}: the class is not one of {', '.join(self.choices or CLASSES)}")
        return dict(value)

    def _chosen(self, v: str) -> str:
        if self.choices is not None and v not in self.choices:
            raise _Bad(f"{v!r} is not one of {', '.join(self.choices)}")
        return v

    def _number(self, v: Any, what: str) -> int | float:
        if not _is_real(v) or (isinstance(v, float) and not math.isfinite(v)):
            raise _Bad(f"{_show(v)} is not a number ({what})")
        if isinstance(v, float) and v.is_integer():
            v = int(v)    # 80.0 is 80: one value, one digest
        if isinstance(v, float):
            if UNITS[self.unit].whole:
                raise _Bad(f"{v!r} is not whole yuan ({what})")
            if self.integer:
                raise _Bad(f"{v!r} is not a whole number ({what})")
            if self.unit == "percent":
                try:
                    hundredths(v)
                except ValueError:
                    raise _Bad(f"{v!r} has more than two decimals (a percentage is applied in "
                               "hundredths of a percent)") from None
        return self._in_bounds(v)

    def _in_bounds(self, v: Any) -> Any:
        lo, hi = self.bounds or UNITS[self.unit].limits
        if not lo <= v <= hi:
            raise _Bad(f"{_show(v)} is outside its bounds {_bound_text(lo, hi)} ({self.unit})")
        return v

    def _table(self, value: Mapping, shape: Any, at: str) -> dict[str, Any]:
        """Amounts with exactly the keys of ``shape`` (the baseline's) at every depth."""
        missing = [k for k in shape if k not in value]
        unknown = [k for k in value if k not in shape]
        if missing or unknown:
            wrong = ([f"missing key {missing[0]!r}"] if missing else []) + ([f"unknown key {unknown[0]!r}"] if unknown else [])
            raise _Bad(f"{', '.join(wrong)}{f' under {at!r}' if at else ''} (the table has keys "
                       f"{', '.join(map(str, shape))})")
        out = {}
        for k, v in value.items():
            path = f"{at}.{k}" if at else str(k)
            if isinstance(shape[k], Mapping):
                if not isinstance(v, Mapping):
                    raise _Bad(f"{path!r} = {_show(v)} is not a table of amounts (CNY table)")
                out[k] = self._table(v, shape[k], path)
            else:
                try:
                    out[k] = self._number(v, "CNY")
                except _Bad as e:
                    raise _Bad(f"amount {path!r}: {e}") from None
        return out

    @property
    def citation(self) -> str:
        """Where the value comes from, in one line: the clause (legal) or the source."""
        return self.clause if self.kind == "legal" else f"assumption: {self.source}"

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("name", "kind", "rule", "clause", "source", "unit", "description",
                                           "value", "reading", "overridden")}
        d["bounds"] = None if self.bounds is None else (
            _bound_text(*self.bounds) + (", whole" if self.integer or UNITS[self.unit].whole else ""))
        return d


# ---- the file ------------------------------------------------------------------------------
def _parse_bounds(name: str, raw: Mapping[str, Any], unit: Unit, where: str) -> tuple[Any, Any] | None:
    if "bounds" not in raw:
        if unit.ordered:
            raise ParameterError(f"{where}: parameter {name}: missing 'bounds' (every {raw['unit']} "
                                 "parameter declares its valid range)")
        return None
    if not unit.ordered:
        raise ParameterError(f"{where}: parameter {name}: a {raw['unit']} parameter takes no bounds")
    b = raw["bounds"]
    kind_ok = (lambda x: isinstance(x, dt.date) and not isinstance(x, dt.datetime)) if unit.kind == "date" \
        else _is_real
    if not isinstance(b, list) or len(b) != 2 or not all(kind_ok(x) for x in b):
        raise ParameterError(f"{where}: parameter {name}: bounds is not [low, high] of its unit")
    lo, hi = b
    if unit.whole and not all(isinstance(x, int) for x in b):
        raise ParameterError(f"{where}: parameter {name}: bounds of money are whole yuan")
    llo, lhi = unit.limits
    if not llo <= lo <= hi <= lhi:
        raise ParameterError(f"{where}: parameter {name}: bounds {_bound_text(lo, hi)} are not an "
                             f"ordered range within the unit's limits {_bound_text(llo, lhi)}")
    return lo, hi


def _parse_one(name: str, raw: Any, where: str) -> Parameter:
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{where}: parameter {name} is not a table")
    unknown = set(raw) - REQUIRED_KEYS - OPTIONAL_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ParameterError(f"{where}: parameter {name}: unknown key {key!r}" + (
            " (a parameter has no dates of its own: docs/conventions.md)" if key in ("from", "until") else ""))
    missing = REQUIRED_KEYS - set(raw)
    if missing:
        raise ParameterError(f"{where}: parameter {name}: missing {sorted(missing)[0]!r}")
    kind = raw["kind"]
    if kind not in KINDS:
        raise ParameterError(f"{where}: parameter {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
    cites, refused = KINDS[kind]
    if cites not in raw:
        raise ParameterError(f"{where}: parameter {name}: " + (
            "a legal value without a clause" if kind == "legal" else
            "an assumption without a source (one line, or \"illustrative\")"))
    if not isinstance(raw[cites], str) or not raw[cites].strip() or "\n" in raw[cites] \
            or raw[cites].strip() in ("—", "-"):
        raise ParameterError(f"{where}: parameter {name}: {cites} is not one line of text")
    wrong = sorted(refused & set(raw))
    if wrong:
        raise ParameterError(f"{where}: parameter {name}: a{'n' if kind == 'assumption' else ''} {kind} "
                             f"parameter takes no {wrong[0]!r} (" + (
                                 "it cites its clause" if kind == "legal" else "its source says where it comes from")
                             + ")")
    if not RULE_ID.match(str(raw["rule"])):
        raise ParameterError(f"{where}: parameter {name}: {raw['rule']!r} is not a rule id")
    if raw["unit"] not in UNITS:
        raise ParameterError(f"{where}: parameter {name}: unknown unit {raw['unit']!r}")
    unit = UNITS[raw["unit"]]
    if unit.declares_integer != ("integer" in raw):
        raise ParameterError(f"{where}: parameter {name}: " + (
            "missing 'integer' (true, or false where a fraction is honoured)" if unit.declares_integer
            else f"a {raw['unit']} parameter takes no 'integer' (money is whole yuan)"))
    if "integer" in raw and not isinstance(raw["integer"], bool):
        raise ParameterError(f"{where}: parameter {name}: integer is not true or false")
    choices = raw.get("choices")
    if choices is not None and (unit.kind not in ("text", "text list", "class map") or not isinstance(choices, list)
                                or not choices or not all(isinstance(c, str) and c for c in choices)):
        raise ParameterError(f"{where}: parameter {name}: choices is a list of strings, for text and class maps")
    label = raw.get("label")
    if label is not None and not (isinstance(label, Mapping) and set(label) == set(LABEL_LANGS) and all(
            isinstance(v, str) and v.strip() and "\n" not in v for v in label.values())):
        raise ParameterError(f"{where}: parameter {name}: label is {{ zh = \"…\", en = \"…\" }}, one line each")
    if unit.kind == "money table" and not _table_keys_ok(raw["value"]):
        raise ParameterError(f"{where}: parameter {name}: a table keyed by level 1–5, 'ungraded' or a "
                             "class letter")
    p = Parameter(name=name, kind=kind, rule=raw["rule"], clause=raw.get("clause"), unit=raw["unit"],
                  description=raw["description"], value=raw["value"], reading=raw.get("reading"),
                  note=raw.get("note"), source=raw.get("source"), bounds=_parse_bounds(name, raw, unit, where),
                  integer=raw.get("integer"), choices=tuple(choices) if choices else None,
                  label=tuple(label[k].strip() for k in LABEL_LANGS) if label else None)
    try:
        return replace(p, value=p.check(p.value))
    except ParameterError as e:
        raise ParameterError(f"{where}: {e} (the file's own value)") from None


def _table_keys_ok(v: Any) -> bool:
    """A file's amount table: keyed by level, 'ungraded' or a class letter, at every depth."""
    return isinstance(v, Mapping) and bool(v) and all(
        (k in LEVEL_KEYS | {"ungraded"} or re.fullmatch(r"[A-Z]", k))
        and (_table_keys_ok(x) if isinstance(x, Mapping) else True) for k, x in v.items())


@dataclass(frozen=True)
class CrossCheck:
    """``names`` in order, each ≤ (``less_equal``) or < (``less``) the next."""
    kind: str
    names: tuple[str, ...]

    def violation(self, params: Mapping[str, Parameter]) -> str | None:
        for a, b in zip(self.names, self.names[1:]):
            pa, pb = params[a], params[b]
            ok = pa.value <= pb.value if self.kind == "less_equal" else pa.value < pb.value
            if not ok:
                word = CHECK_KINDS[self.kind][1 if pa.unit == "date" else 0]
                # name the value a reform changed, so the message points at the user's input
                if pb.overridden and not pa.overridden:
                    word = {"at most": "at least", "below": "above", "on or before": "on or after",
                            "before": "after"}[word]
                    pa, pb = pb, pa
                return f"parameter {pa.name}: {pa.value} must be {word} {pb.name} ({pb.value})"
        return None


def _parse_checks(raw: Any, params: Mapping[str, Parameter], where: str) -> list[CrossCheck]:
    if not isinstance(raw, list):
        raise ParameterError(f"{where}: checks is not a list of [[checks]] tables")
    out = []
    for i, c in enumerate(raw):
        at = f"{where}: checks[{i}]"
        if not isinstance(c, Mapping) or len(set(c) & set(CHECK_KINDS)) != 1 or set(c) - set(CHECK_KINDS) - {"note"}:
            raise ParameterError(f"{at}: one of {', '.join(CHECK_KINDS)} (and an optional note)")
        kind = next(k for k in CHECK_KINDS if k in c)
        names = c[kind]
        if not isinstance(names, list) or len(names) < 2:
            raise ParameterError(f"{at}: {kind} is a list of two or more parameter names")
        for n in names:
            if n not in params:
                raise ParameterError(f"{at}: unknown parameter {n!r}")
            if params[n].unit != params[names[0]].unit or UNITS[params[n].unit].kind not in ("number", "money", "date"):
                raise ParameterError(f"{at}: parameter {n}: {kind} compares numbers, money or dates of one unit")
        out.append(CrossCheck(kind, tuple(names)))
    return out


@dataclass(frozen=True)
class AssumedClasses:
    """Catalog classes a scenario assumes (drawn by the runner) for occupation codes and
    special-ability items the policy's catalog does not name: modelling, not law, so they
    never enter ``catalog_overrides``; a claim's own catalog_class and the catalog win."""
    occupations: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.occupations or self.items)

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {"occupations": dict(sorted(self.occupations.items())), "items": dict(sorted(self.items.items()))}


NO_CLASSES = AssumedClasses()


class ParameterSet(Mapping[str, Any]):
    """The parameters of one policy; ``ps["name"]`` is the value in force. ``assumed_classes``:
    the scenario's assumed catalog classes, apart from the parameters (``assume_classes``)."""

    def __init__(self, params: Mapping[str, Parameter], policy_id: str, checks: tuple[CrossCheck, ...] = (),
                 assumed_classes: AssumedClasses = NO_CLASSES):
        self._params = dict(params)
        self.policy_id = policy_id
        self.checks = tuple(checks)
        self.assumed_classes = assumed_classes

    @classmethod
    def load(cls, path: Path, policy_id: str) -> "ParameterSet":
        with open(path, "rb") as fh:
            try:
                raw = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ParameterError(f"{path.name}: {exc}") from None
        checks_raw = raw.pop(CHECKS_KEY, [])
        params = {n: _parse_one(n, v, path.name) for n, v in raw.items()}
        ps = cls(params, policy_id, tuple(_parse_checks(checks_raw, params, path.name)))
        try:
            ps._cross_check()
        except ParameterError as e:
            raise ParameterError(f"{path.name}: {e} (the file's own values)") from None
        return ps

    def __getitem__(self, name: str) -> Any:
        return self._params[name].value

    def __iter__(self):
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def meta(self, name: str) -> Parameter:
        return self._params[name]

    def _cross_check(self) -> None:
        for c in self.checks:
            problem = c.violation(self._params)
            if problem:
                raise ParameterError(problem)

    def override(self, changes: Mapping[str, Any]) -> "ParameterSet":
        """A reform: a new set with some values replaced, each checked against its unit and
        bounds, then the set against its cross checks."""
        params = dict(self._params)
        for name, value in changes.items():
            if name not in params:
                raise ParameterError(f"{self.policy_id}: unknown parameter {name!r}")
            value = params[name].check(copy.deepcopy(value))
            params[name] = replace(params[name], value=value, overridden=True)
        out = ParameterSet(params, self.policy_id, self.checks, self.assumed_classes)
        out._cross_check()
        return out

    def assume_classes(self, assumed: AssumedClasses | None) -> "ParameterSet":
        """The same parameters with these assumed catalog classes (replacing any before)."""
        return ParameterSet(self._params, self.policy_id, self.checks, assumed or NO_CLASSES)

    def digest(self) -> str:
        """A short hash of every value and of the assumed classes: the same parameters and
        assumptions give the same digest (a set without assumed classes: its values alone)."""
        values: dict[str, Any] = {n: p.value for n, p in sorted(self._params.items())}
        payload = values if not self.assumed_classes else {
            "parameters": values, "assumed_classes": self.assumed_classes.as_dict()}
        text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def table(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self._params.values()]
