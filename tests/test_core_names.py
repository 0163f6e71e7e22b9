"""The core names no policy and no jurisdiction (issue 13, item 1): simulate/ asks the
registry and the policies' hooks. An ast scan of every string constant of simulate/**/*.py
(docstrings and other bare string statements are documentation and are skipped; comments
are not constants) fails on any registered policy id, any ``<rule_prefix>-`` rule id and any
city a registered policy declares (policy.toml's ``city`` and ``city_name`` zh and en).

Each module is its own test case and lists every offender it holds (line and string), so
one run shows all that is left. (The dashboard's scan is in tests/test_dashboard.py.)
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import pytest

from skillsim.policies import get_policy, policy_ids

ROOT = Path(__file__).resolve().parent.parent
SIMULATE = sorted((ROOT / "simulate").rglob("*.py"))


@lru_cache(maxsize=1)
def needles() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, what it is) for every registered policy's id, rule ids and city names."""
    out: dict[str, tuple[re.Pattern[str], str]] = {}
    for pid in policy_ids():
        meta = get_policy(pid).meta
        out[pid] = (re.compile(rf"(?<![\w-]){re.escape(pid)}(?![\w-])", re.I), f"policy id {pid}")
        out[meta.rule_prefix] = (re.compile(rf"\b{re.escape(meta.rule_prefix)}-"), f"rule id {meta.rule_prefix}-…")
        for name in (meta.city, meta.city_name["en"]):
            out[name.lower()] = (re.compile(rf"\b{re.escape(name)}\b", re.I), f"city {meta.city}")
        out[meta.city_name["zh"]] = (re.compile(re.escape(meta.city_name["zh"])), f"city {meta.city}")
    return tuple(out.values())


def _documentation(tree: ast.AST) -> set[int]:
    """The string constants that are whole statements: docstrings and the like."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def offenders(source: str) -> list[str]:
    """Every string constant (f-strings' literal parts too) that names a policy, rule or city:
    "line N: 'text' (what)"."""
    tree = ast.parse(source)
    skip = _documentation(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            for pattern, what in needles():
                if pattern.search(node.value):
                    text = node.value if len(node.value) <= 60 else node.value[:59] + "…"
                    found.append(f"line {node.lineno}: {text!r} ({what})")
    return sorted(set(found), key=lambda s: int(s.split(":")[0].split()[1]))


def test_the_scan_finds_names_in_constants_and_skips_documentation():
    pid = policy_ids()[0]
    meta = get_policy(pid).meta
    planted = (f'"""Module doc naming {pid}."""\n'
               f'def f():\n    """Doc naming {meta.rule_prefix}-1 and {meta.city}."""\n'
               f'    # a comment naming {pid}\n'
               f'    return ["{pid}", f"x {{1}} {meta.rule_prefix}-2", "{meta.city_name["zh"]}", "{meta.city_name["en"]}",'
               f' "{meta.city}"]\n')
    got = offenders(planted)
    assert len(got) >= 5 and all(g.startswith("line 5:") for g in got), got
    assert {w for g in got for w in ("policy id", "rule id", "city") if w in g} == {"policy id", "rule id", "city"}
    assert offenders(f'"""Only documentation: {pid}, {meta.rule_prefix}-1."""\nx = "generic"\n') == []


@pytest.mark.parametrize("path", SIMULATE, ids=lambda p: str(p.relative_to(ROOT)))
def test_simulate_names_no_policy_rule_or_city(path):
    found = offenders(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)} names policies, rules or cities:\n" + "\n".join(found)
