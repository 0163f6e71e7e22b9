"""Structure checks: what a policy declares, read without running a claim.

Every rule the code or the parameters cite is in rules.toml with its clause and text;
every parameter cites a rule and a clause (legal) or a source (assumption), has a unit,
and bounds where its unit is ordered; every catalog row has a source; every rule id
carries the policy's prefix (PolicyMeta.rule_prefix)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from skillsim.policies.parameters import UNITS

if TYPE_CHECKING:
    from skillsim.policies import ParameterSet, Policy


def cited_rules(policy: "Policy", p: "ParameterSet") -> dict[str, str]:
    """rule id -> where it is cited (a parameter, a check, a note)."""
    cited = {p.meta(n).rule: f"parameter {n}" for n in p}
    cited |= {c.rule: "a check" for c in policy.checks(p)}
    cited |= {n.rule: "a note" for n in policy.notes(p)}
    return cited


def rule_problems(policy: "Policy", p: "ParameterSet") -> list[str]:
    problems = []
    prefix = getattr(policy.meta, "rule_prefix", None)
    for rid, where in sorted(cited_rules(policy, p).items()):
        rule = policy.rules.get(rid)
        if rule is None:
            problems.append(f"{where} cites {rid}, which rules.toml lacks: add [{rid}] with clause, title, "
                            "summary and text")
            continue
        for attr in ("clause", "text"):
            if not str(getattr(rule, attr) or "").strip():
                problems.append(f"rule {rid} ({where}) has no {attr}: give the {attr} of the official text")
    if prefix:
        problems += [f"rule {rid} lacks the policy's prefix {prefix}-: rename it {prefix}-…"
                     for rid in sorted({*policy.rules, *cited_rules(policy, p)}) if not rid.startswith(prefix + "-")]
    return problems


def parameter_problems(p: "ParameterSet") -> list[str]:
    problems = []
    for name in p:
        m = p.meta(name)
        cites = m.clause if m.kind == "legal" else m.source
        if not m.rule:
            problems.append(f"parameter {name} cites no rule: give rule = \"<its rule id>\"")
        if not (cites or "").strip():
            what = "clause (the text's article)" if m.kind == "legal" else "source (where the value comes from)"
            problems.append(f"parameter {name} ({m.kind}) has no {what}")
        if m.unit not in UNITS:
            problems.append(f"parameter {name} has unit {m.unit!r}, not one of {', '.join(UNITS)}")
        elif UNITS[m.unit].ordered and m.bounds is None:
            problems.append(f"parameter {name} ({m.unit}) declares no bounds: give bounds = [low, high]")
    return problems


def catalog_problems(policy: "Policy") -> list[str]:
    cat = policy.catalog
    if cat is None:
        return []
    if "source" not in cat.columns:
        return ["the catalog has no source column: every row names where it comes from"]
    blank = cat.filter(pl.col("source").is_null() | (pl.col("source").cast(pl.String).str.strip_chars() == ""))
    return [f"catalog row {blank.row(0)} has no source" + (f" ({blank.height} rows)" if blank.height > 1 else "")
            ] if blank.height else []
