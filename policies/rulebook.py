"""A policy's rules (rules.toml): each rule id with its clause and the official text.

Each rule: ``clause``, ``title`` (English), ``summary``, ``text`` (the official passage,
verbatim), optional ``reading`` and optional ``title_zh`` (the title in Chinese, which the
dashboard shows in Chinese; without it, the English title).

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
    title_zh: str | None = None   # the title in Chinese (the dashboard's language switch); optional

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` ("zh" or "en"); the English title where no Chinese one is given."""
        return self.title_zh if lang == "zh" and self.title_zh else self.title


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
        title_zh = body.get("title_zh")
        if title_zh is not None and (not isinstance(title_zh, str) or not title_zh.strip()):
            raise ValueError(f"{path.name}: rule {rid}: title_zh is not a line of text")
        rules[rid] = Rule(id=rid, clause=body["clause"], title=body["title"],
                          summary=body["summary"], text=body["text"], reading=body.get("reading"),
                          title_zh=title_zh.strip() if title_zh else None)
    return rules
