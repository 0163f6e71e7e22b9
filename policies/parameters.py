"""Policy parameters as data: every value carries its rule id, clause, unit and dates.

A policy's ``parameters.toml`` has one table per parameter::

    [a_tier_uplift_pct]
    rule = "BJKG-A1"            # rule id of ../shared/policy-notes.md
    clause = "二"               # clause of the official text
    unit = "percent"
    description = "Tier A = tier B plus this uplift (A档在B档补助基础上上浮20%)."
    value = 20
    from = 2026-02-14           # in force from (inclusive)
    # until = 2027-12-31        # optional end (inclusive)
    # reading = "..."           # where the value is a reading of an ambiguous text

The loader is strict (a key it does not know, a value without a clause, a value of
the wrong type for its unit: error naming the parameter). A reform is a set of
overrides on the baseline (``ParameterSet.override``), checked the same way, so
reforms stack.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

RULE_ID = re.compile(r"^(BJKG|SHSU|BJHS|BJSA|BJPT)-[A-Z0-9]+$")
REQUIRED_KEYS = {"rule", "clause", "unit", "description", "value", "from"}
OPTIONAL_KEYS = {"until", "reading", "note", "source"}

LEVEL_KEYS = {"1", "2", "3", "4", "5"}


class ParameterError(ValueError):
    """A parameter file or an override that is not valid; names the parameter."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_cny_table(v: Any) -> str | None:
    if not isinstance(v, Mapping):
        return "a table of amounts"
    for key, amount in v.items():
        if key not in LEVEL_KEYS | {"ungraded"} and not re.fullmatch(r"[A-Z]", key):
            return f"a table keyed by level 1–5, 'ungraded' or a class letter (got key {key!r})"
        err = _check_cny_table(amount) if isinstance(amount, Mapping) else (
            None if _is_int(amount) and amount >= 0 else f"whole yuan ≥ 0 (got {amount!r})")
        if err:
            return err
    return None


# unit -> check returning None when the value fits, else what was expected.
UNITS: dict[str, Any] = {
    "CNY": lambda v: None if _is_int(v) and v >= 0 else "whole yuan ≥ 0",
    "CNY table": _check_cny_table,
    "percent": lambda v: None if (_is_int(v) or isinstance(v, float)) and 0 <= v <= 1000
    else "a percentage 0–1000",
    "date": lambda v: None if isinstance(v, dt.date) else "a date",
    "years": lambda v: None if (_is_int(v) or isinstance(v, float)) and v >= 0 else "years ≥ 0",
    "months": lambda v: None if _is_int(v) and v >= 0 else "whole months ≥ 0",
    "days": lambda v: None if _is_int(v) and v >= 0 else "whole days ≥ 0",
    "day of month": lambda v: None if _is_int(v) and 1 <= v <= 28 else "a day 1–28",
    "age": lambda v: None if _is_int(v) and 0 <= v <= 120 else "an age 0–120",
    "count": lambda v: None if _is_int(v) and v >= 0 else "a count ≥ 0",
    "hours": lambda v: None if (_is_int(v) or isinstance(v, float)) and v >= 0 else "hours ≥ 0",
    "bool": lambda v: None if isinstance(v, bool) else "true or false",
    "text": lambda v: None if isinstance(v, str) and v else "a non-empty string",
    "text list": lambda v: None if isinstance(v, list) and all(isinstance(x, str) for x in v)
    else "a list of strings",
    "class map": lambda v: None if isinstance(v, Mapping) and all(
        isinstance(k, str) and c in ("A", "B", "C") for k, c in v.items())
    else "a table of code -> class A/B/C",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    rule: str
    clause: str
    unit: str
    description: str
    value: Any
    start: dt.date
    until: dt.date | None = None
    reading: str | None = None
    note: str | None = None
    source: str | None = None
    overridden: bool = False

    def check(self, value: Any) -> Any:
        expected = UNITS[self.unit](value)
        if expected is not None:
            raise ParameterError(f"parameter {self.name}: {value!r} is not {expected} ({self.unit})")
        return value

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("name", "rule", "clause", "unit", "description",
                                           "value", "reading", "overridden")}
        d["from"], d["until"] = self.start, self.until
        return d


def _parse_one(name: str, raw: Any, where: str) -> Parameter:
    if not isinstance(raw, Mapping):
        raise ParameterError(f"{where}: parameter {name} is not a table")
    unknown = set(raw) - REQUIRED_KEYS - OPTIONAL_KEYS
    if unknown:
        raise ParameterError(f"{where}: parameter {name}: unknown key {sorted(unknown)[0]!r}")
    missing = REQUIRED_KEYS - set(raw)
    if missing:
        raise ParameterError(f"{where}: parameter {name}: missing {sorted(missing)[0]!r}")
    if not isinstance(raw["clause"], str) or not raw["clause"].strip():
        raise ParameterError(f"{where}: parameter {name}: a value without a clause")
    if not RULE_ID.match(str(raw["rule"])):
        raise ParameterError(f"{where}: parameter {name}: {raw['rule']!r} is not a rule id")
    if raw["unit"] not in UNITS:
        raise ParameterError(f"{where}: parameter {name}: unknown unit {raw['unit']!r}")
    for key in ("from", "until"):
        if key in raw and not isinstance(raw[key], dt.date):
            raise ParameterError(f"{where}: parameter {name}: {key} is not a date")
    p = Parameter(name=name, rule=raw["rule"], clause=raw["clause"], unit=raw["unit"],
                  description=raw["description"], value=raw["value"], start=raw["from"],
                  until=raw.get("until"), reading=raw.get("reading"), note=raw.get("note"),
                  source=raw.get("source"))
    if p.until is not None and p.until < p.start:
        raise ParameterError(f"{where}: parameter {name}: until is before from")
    p.check(p.value)
    return p


class ParameterSet(Mapping[str, Any]):
    """The parameters of one policy; ``ps["name"]`` is the value in force."""

    def __init__(self, params: Mapping[str, Parameter], policy_id: str):
        self._params = dict(params)
        self.policy_id = policy_id

    @classmethod
    def load(cls, path: Path, policy_id: str) -> "ParameterSet":
        with open(path, "rb") as fh:
            try:
                raw = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ParameterError(f"{path.name}: {exc}") from None
        return cls({n: _parse_one(n, v, path.name) for n, v in raw.items()}, policy_id)

    def __getitem__(self, name: str) -> Any:
        return self._params[name].value

    def __iter__(self):
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def meta(self, name: str) -> Parameter:
        return self._params[name]

    def override(self, changes: Mapping[str, Any]) -> "ParameterSet":
        """A reform: a new set with some values replaced (checked against their units)."""
        params = dict(self._params)
        for name, value in changes.items():
            if name not in params:
                raise ParameterError(f"{self.policy_id}: unknown parameter {name!r}")
            value = params[name].check(copy.deepcopy(value))
            params[name] = replace(params[name], value=value, overridden=True)
        return ParameterSet(params, self.policy_id)

    def digest(self) -> str:
        """A short hash of every value: the same parameters give the same digest."""
        payload = json.dumps({n: p.value for n, p in sorted(self._params.items())},
                             sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def table(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self._params.values()]
