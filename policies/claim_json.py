"""Reading a claim's JSON strictly, before the contract looks at its fields.

``json.loads`` alone lets through what a claim never needs and what breaks later:
invalid UTF-8, lone surrogates (``"\\ud800"``), duplicate keys (the last one wins, so
``"age": 999`` hides behind ``"age": 45``), nesting deep enough for a RecursionError,
integers of thousands of digits (a ValueError past Python's 4,300-digit limit) and the
NaN/Infinity literals. Here each is a ``ContractError`` naming the path of the value.

The reader only parses: which fields a claim has and what they hold is the contract's
(``skillsim.policies.contract``), so the two can change apart.
"""
from __future__ import annotations

import json
import re
from typing import Any

from .contract import ContractError, cut

MAX_DEPTH = 64  # a claim is 3 levels deep (claim, prior_subsidies, an item)
MAX_INT_DIGITS = 19  # as many as int64 holds; longer is refused before int() (the contract bounds the rest)
_BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string (an unterminated one runs to the end, so no text is scanned twice), or a
# bracket: the brackets outside strings give the depth.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class NotJSON(ContractError):
    """The text is not JSON at all (as opposed to JSON that a claim may not hold)."""


class _Refused:
    """Stands in for a parsed value the reader refuses; the path is found afterwards,
    since json's hooks see a value but not where it is."""

    def __init__(self, reason: str, key: str | None = None):
        self.reason, self.key = reason, key


def _int(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _Refused(f"an integer of {digits} digits is out of range")
    return int(text)


def _float(text: str) -> float | _Refused:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        return _Refused(f"the number {cut(text, 20)} is out of range")
    return value


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Refused:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            return _Refused("is given twice (a duplicate key)", key=key)
        out[key] = value
    return out


def _child(path: str, root: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{path}[{step}]"
    return step if path == root == "claim" else f"{path}.{step}"


def _first_refusal(value: Any, path: str, root: str) -> None:
    """Raise for the first refused value, lone surrogate or duplicate key, by path."""
    if isinstance(value, _Refused):
        raise ContractError(_child(path, root, value.key) if value.key is not None else path, value.reason)
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ContractError(path, "holds a lone surrogate (\\ud800-\\udfff) or an undecodable byte, not text")
    if isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                raise ContractError(_child(path, root, key), "key holds a lone surrogate (\\ud800-\\udfff), not text")
            _first_refusal(item, _child(path, root, key), root)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _first_refusal(item, _child(path, root, i), root)


def _check_depth(text: str, where: str) -> None:
    depth = 0
    for m in _STRING_OR_BRACKET.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ContractError(where, f"nested deeper than {MAX_DEPTH} levels "
                                           f"(at character {m.start()})")
        elif c in "]}":
            depth -= 1


def decode_utf8(data: bytes, where: str = "claim") -> str:
    """Strict UTF-8 (a leading BOM tolerated); an error names the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(where, f"not valid UTF-8 (byte {exc.start}: {exc.reason})") from None
    return text.removeprefix(_BOM)


def parse_claims_json(data: bytes | str, where: str = "claim", bare_text: bool = False) -> Any:
    """Parse a claim (or any JSON a claim's reader takes) strictly.

    ``where`` names the whole value in errors; a claim's top-level fields are named
    bare ("age"), as the contract names them, deeper values by path
    ("prior_subsidies[0].date"). A text that is not JSON raises ``NotJSON``, or with
    ``bare_text`` is itself the value (a command-line value such as 2026-01-01);
    JSON that holds what a claim may not raises ``ContractError``.
    """
    text = decode_utf8(data, where) if isinstance(data, (bytes, bytearray)) else data.removeprefix(_BOM)
    _check_depth(text, where)
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_int=_int, parse_float=_float,
                           parse_constant=_constant)
    except json.JSONDecodeError as exc:
        if not bare_text:
            raise NotJSON(where, f"not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno})") from None
        value = text
    _first_refusal(value, where, where)
    return value
