"""A policy's rules (rules.toml): each rule id with its clause and the official text.

The official text is text.txt beside rules.toml; a result's ``reasons`` cite the ids, the
dashboard shows the clause text next to the decision, and docs/rules/ (simulate/rules_doc.py)
shows each rule beside its parameters, code and tests.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .parameters import RULE_ID


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    title: str
    summary: str
    text: str
    reading: str | None = None


def load_rules(path: Path) -> dict[str, Rule]:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    rules = {}
    for rid, body in raw.items():
        if not RULE_ID.match(rid):
            raise ValueError(f"{path.name}: {rid!r} is not a rule id")
        missing = {"clause", "title", "summary", "text"} - set(body)
        if missing:
            raise ValueError(f"{path.name}: rule {rid} lacks {sorted(missing)[0]!r}")
        rules[rid] = Rule(id=rid, clause=body["clause"], title=body["title"],
                          summary=body["summary"], text=body["text"], reading=body.get("reading"))
    return rules
