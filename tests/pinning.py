"""Pinning a policy's data to its official text: every parameter's baseline value and the
passage of text.txt that states it, every catalog row as the text lists it."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from skillsim.policies import get_policy


def plain(text: str) -> str:
    """Text as converted from PDF or HTML, whatever its line breaks or full/half-width forms."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def official_text(pid: str) -> str:
    policy = get_policy(pid)
    return (policy.folder / policy.meta.source_file).read_text(encoding="utf-8")


def stated(value: Any) -> str:
    """How the text writes a value: 2026年2月14日, 1000, 20%."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def parameter_problems(pid: str, table: dict[str, tuple]) -> list[str]:
    """Every parameter is in ``table`` as (baseline value, passage of the text or None for a
    reading the text does not state[, how the passage states the value]); list what differs."""
    policy, body = get_policy(pid), plain(official_text(pid))
    bad = [f"{name}: not in the pinned table (add it with its passage)" for name in policy.parameters
           if name not in table]
    for name, (value, passage, *form) in table.items():
        if name not in policy.parameters:
            bad.append(f"{name}: pinned but not a parameter")
            continue
        got = policy.parameters[name]
        if got != value:
            bad.append(f"{name}: {got!r}, the text's value is {value!r} ({passage or 'a reading'})")
        if passage is not None:
            if plain(passage) not in body:
                bad.append(f"{name}: passage {passage!r} is not in {policy.meta.source_file}")
            shown = form[0] if form else stated(value)
            if plain(shown) not in plain(passage):
                bad.append(f"{name}: passage {passage!r} does not state {shown!r}")
    return bad


def text_rows(pid: str) -> set[tuple[str, ...]]:
    """The text's lines as tuples of their whitespace-separated cells (its tables' rows)."""
    return {tuple(unicodedata.normalize("NFKC", line).split()) for line in official_text(pid).splitlines()}
