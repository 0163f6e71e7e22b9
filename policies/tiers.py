"""A policy's [tiers] declaration, read and checked, and the probe claims it names.

A policy that pays by level declares in its policy.toml's [tiers] (``Policy.tier_probes()``
returns the raw table) which of its worked examples to vary, over which levels, which claim
field holds its tier or class and with which values, the rules that set the amounts, and
any alternative views (variants: claim fields laid over the example). ``read_tiers`` turns
that table into a ``Tiers`` (or None: the amounts do not go by level); a declaration that
cannot be read is a ``TiersError`` naming the policy and the key. The dashboard's Tiers page
evaluates the probe claims (``Tiers.probes``) and shows what the policy pays; the
conformance kit (skillsim.testing, check "tiers") requires every probe to be a valid claim
the policy pays. docs/dashboard.md, "Declaring a policy's tiers", describes the table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .engine import PolicyError

if TYPE_CHECKING:
    from .engine import Policy

UNGRADED = "ungraded"            # a level of [tiers] levels: a certificate without one (special ability)
KEYS = {"example", "label", "field", "values", "levels", "ungraded", "rules", "variants"}
VARIANT_KEYS = {"label", "short", "claim"}


class TiersError(PolicyError):
    """A policy's [tiers] declaration that cannot be used (names the policy and the key)."""


@dataclass(frozen=True)
class Variant:
    key: str
    label: dict[str, str]        # {zh, en}: the view's name
    short: dict[str, str]        # {zh, en}: added to a series' name
    claim: dict[str, Any]        # claim fields laid over the example's


@dataclass(frozen=True)
class Tiers:
    """One policy's declaration, read and checked."""
    policy_id: str
    claim: dict[str, Any]                                    # the example's claim
    label: dict[str, str] | None                             # the line shown, if the policy has several
    field: str | None                                        # the tier or class field (None: one series)
    values: tuple[tuple[Any, dict[str, str]], ...]           # (value, its name {zh, en})
    levels: tuple[int | None, ...]
    ungraded: dict[str, Any]                                 # claim fields of an ungraded certificate
    rules: tuple[str, ...]
    variants: tuple[Variant, ...]                            # the first: the default view

    def variant(self, key: str | None) -> Variant | None:
        return next((v for v in self.variants if v.key == key), self.variants[0] if self.variants else None)

    def probes(self, variant: str | None = None) -> list[tuple[Any, int | None, dict[str, Any]]]:
        """(tier value, level, claim) for every tier and level, under ``variant`` (default: the first)."""
        v = self.variant(variant)
        out = []
        for value, _ in self.values:
            for level in self.levels:
                claim = {**self.claim, **(v.claim if v else {}), "cert_level": level}
                if self.field:
                    claim[self.field] = value
                if level is None:
                    claim.update(self.ungraded)
                out.append((value, level, claim))
        return out


def _text(raw: Any, where: str) -> dict[str, str]:
    """A name in both languages: "text" (the same in both) or { zh = "…", en = "…" }."""
    if isinstance(raw, str) and raw.strip():
        return {"zh": raw, "en": raw}
    if isinstance(raw, dict) and set(raw) == {"zh", "en"} and all(isinstance(v, str) and v.strip()
                                                                 for v in raw.values()):
        return dict(raw)
    raise ValueError(f"{where} must be a text or {{ zh = \"…\", en = \"…\" }}")


def _value(raw: Any, where: str) -> tuple[Any, dict[str, str]]:
    if isinstance(raw, dict):
        if set(raw) != {"value", "label"}:
            raise ValueError(f"{where} must be a value or {{ value = …, label = … }}")
        return raw["value"], _text(raw["label"], f"{where}.label")
    if isinstance(raw, str) and raw:
        return raw, {"zh": raw, "en": raw}
    raise ValueError(f"{where}: {raw!r} needs a label ({{ value = {str(raw).lower()}, label = … }})")


def _read(policy: "Policy", raw: dict[str, Any]) -> Tiers:
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    examples = {e.get("name"): e.get("claim") for e in policy.examples()}
    if not isinstance(raw.get("example"), str) or raw["example"] not in examples:
        raise ValueError(f"example {raw.get('example')!r} is not an example of examples.json")
    field = raw.get("field")
    if field is not None and not (isinstance(field, str) and field):
        raise ValueError("field must be the name of a claim field")
    if (field is None) != ("values" not in raw):
        raise ValueError("field and values go together (the tier or class field and its values)")
    values = raw.get("values", [None])
    if not isinstance(values, list) or not values:
        raise ValueError("values must be a list of the field's values")
    read_values = tuple((None, {"zh": "", "en": ""}) if field is None else _value(v, f"values[{i}]")
                        for i, v in enumerate(values))
    levels = raw.get("levels")
    if not (isinstance(levels, list) and levels and len(set(map(str, levels))) == len(levels)
            and all(lv == UNGRADED or (isinstance(lv, int) and not isinstance(lv, bool) and 1 <= lv <= 5)
                    for lv in levels)):
        raise ValueError(f"levels must be distinct levels 5 … 1 or {UNGRADED!r}")
    ungraded = raw.get("ungraded", {})
    if (UNGRADED in levels) != bool(ungraded) or not isinstance(ungraded, dict):
        raise ValueError(f"ungraded (the claim fields of a certificate without a level) goes with level "
                         f"{UNGRADED!r}, and only with it")
    rules = raw.get("rules")
    if not (isinstance(rules, list) and rules):
        raise ValueError("rules must list the rules that set the amounts")
    for rid in rules:
        if not isinstance(rid, str) or rid not in policy.rules:
            raise ValueError(f"rules: {rid!r} is not a rule of rules.toml")
    if not isinstance(raw.get("variants") or {}, dict):
        raise ValueError("variants must be tables: [tiers.variants.KEY] with label, short and claim")
    variants = []
    for key, v in (raw.get("variants") or {}).items():
        where = f"variants.{key}"
        if not isinstance(v, dict) or sorted(set(v) - VARIANT_KEYS) or not isinstance(v.get("claim", {}), dict):
            raise ValueError(f"{where} must be a table of label, short and claim (a table of claim fields)")
        label = _text(v.get("label"), f"{where}.label")
        variants.append(Variant(key, label, _text(v["short"], f"{where}.short") if "short" in v else label,
                                dict(v.get("claim", {}))))
    return Tiers(policy.id, dict(examples[raw["example"]]),
                 _text(raw["label"], "label") if "label" in raw else None, field, read_values,
                 tuple(None if lv == UNGRADED else lv for lv in levels), dict(ungraded),
                 tuple(rules), tuple(variants))


def read_tiers(policy: "Policy") -> Tiers | None:
    """The policy's [tiers], read and checked; None: its amounts do not go by level.
    Raises TiersError (one line: ``<policy id>: policy.toml [tiers]: <what is wrong>``)."""
    raw = policy.tier_probes()
    if raw is None:
        return None
    try:
        return _read(policy, raw)
    except ValueError as exc:
        raise TiersError(f"{policy.id}: policy.toml [tiers]: {exc}") from None


__all__ = ["KEYS", "UNGRADED", "VARIANT_KEYS", "Tiers", "TiersError", "Variant", "read_tiers"]
