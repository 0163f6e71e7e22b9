"""What each registered policy declares, read without importing its code.

The claim contract (claim_schema) needs every jurisdiction and every plug-in's own claim
fields before any calculator is imported, and a plug-in whose code is broken must not take
the contract down with it. So this module reads only data files: for each entry point of
the ``skillsim.policies`` group it finds the package folder (``importlib.util.find_spec``,
which does not run the plug-in's module) and reads its ``policy.toml`` (``id``, ``city``,
``rule_prefix``) and, if there is one, ``claim_fields.toml``::

    [on_benefit]
    kind = "bool"                  # bool | int | number | str | enum | date
    nullable = true                # null = not known; a rule that needs it says needs_info
    rule = "PREFIX-S1"             # the rule that reads it (of the policy's own rule_prefix)
    meaning = "draws unemployment insurance benefit"
    label = { zh = "领取失业保险金", en = "Draws unemployment benefit" }   # optional: a plain name
    # choices = ["a", "b"]         # enum: the values allowed
    # bounds = [0, 1200]           # int, number: the valid range, inclusive
    # default = 0                  # a field that is not nullable: its value when left out

A plug-in whose declarations cannot be read is one warning line naming it and the reason,
and is left out; the others are unaffected. Nothing of the engine is imported here.
"""
from __future__ import annotations

import importlib.util
import re
import tomllib
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Iterable

GROUP = "skillsim.policies"
KINDS = ("bool", "int", "number", "str", "enum", "date")
FIELD_KEYS = {"kind", "nullable", "choices", "bounds", "default", "meaning", "rule", "label"}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CITY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


class PluginWarning(UserWarning):
    """A registered policy left out (its declarations or its code could not be used)."""


class DeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class DeclaredField:
    """A claim field a policy declares (claim_fields.toml); the contract adds it to FIELDS."""
    name: str
    kind: str
    nullable: bool
    rule: str
    meaning: str
    choices: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    default: Any = None
    label: tuple[str, str] | None = None   # (zh, en): the plain name the dashboard shows, if declared

    def same_type(self, other: "DeclaredField") -> bool:
        """Two plug-ins may share a field only if claims hold the same values in it."""
        return (self.kind, self.nullable, self.choices, self.lo, self.hi, self.default) == \
            (other.kind, other.nullable, other.choices, other.lo, other.hi, other.default)


@dataclass(frozen=True)
class Declaration:
    policy_id: str
    city: str
    rule_prefix: str
    folder: Path
    fields: tuple[DeclaredField, ...] = ()


def _toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise DeclarationError(f"{path.name} cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeclarationError(f"{path.name}: {exc}") from None


def folder_of(ep: EntryPoint) -> Path:
    """The folder of the entry point's module (its policy.toml sits there), not importing it."""
    try:
        spec = importlib.util.find_spec(ep.module)
    except (ImportError, ValueError) as exc:
        raise DeclarationError(f"module {ep.module!r} cannot be found ({exc})") from None
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        raise DeclarationError(f"module {ep.module!r} cannot be found")
    return Path(spec.origin).parent


def _field(name: str, raw: Any, prefix: str) -> DeclaredField:
    where = f"claim_fields.toml: field {name!r}"
    if not NAME.fullmatch(name):
        raise DeclarationError(f"{where}: a field name is lower-case letters, digits and _")
    if not isinstance(raw, dict):
        raise DeclarationError(f"{where} is not a table")
    unknown = sorted(set(raw) - FIELD_KEYS)
    if unknown:
        raise DeclarationError(f"{where}: unknown key {unknown[0]!r}")
    kind, nullable, rule, meaning = raw.get("kind"), raw.get("nullable", False), raw.get("rule"), raw.get("meaning")
    if kind not in KINDS:
        raise DeclarationError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(nullable, bool):
        raise DeclarationError(f"{where}: nullable is not true or false")
    if not isinstance(rule, str) or not rule.startswith(prefix + "-"):
        raise DeclarationError(f"{where}: rule {rule!r} is not a rule id of prefix {prefix}-")
    if not isinstance(meaning, str) or not meaning.strip():
        raise DeclarationError(f"{where}: meaning is missing (say what the field holds)")
    choices = raw.get("choices", [])
    if (kind == "enum") != bool(choices) or not isinstance(choices, list) \
            or not all(isinstance(c, str) and c for c in choices) or len(set(choices)) != len(choices):
        raise DeclarationError(f"{where}: choices (distinct strings) go with kind enum, and only with it")
    bounds = raw.get("bounds")
    numeric = kind in ("int", "number")
    if numeric != (bounds is not None) or (numeric and not (
            isinstance(bounds, list) and len(bounds) == 2
            and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
            and bounds[0] <= bounds[1] and (kind == "number" or all(isinstance(b, int) for b in bounds)))):
        raise DeclarationError(f"{where}: bounds = [low, high] go with kind int or number, and only with them")
    lo, hi = bounds if numeric else (None, None)
    default = raw.get("default")
    if nullable and default is not None:
        raise DeclarationError(f"{where}: a nullable field's default is null (leave default out)")
    if not nullable:
        if default is None and kind not in ("bool", "int", "number"):
            raise DeclarationError(f"{where}: a {kind} field that is not nullable needs a default")
        if kind == "date":
            raise DeclarationError(f"{where}: a date field is nullable (null = not known)")
        default = {"bool": False, "int": 0, "number": 0}.get(kind) if default is None else default
        ok = {"bool": lambda v: isinstance(v, bool),
              "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi,
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi,
              "str": lambda v: isinstance(v, str) and v.strip() != "",
              "enum": lambda v: v in choices}[kind]
        if not ok(default):
            raise DeclarationError(f"{where}: default {default!r} is not a valid {kind} value of the field")
    label = raw.get("label")
    if label is not None and not (isinstance(label, dict) and set(label) == {"zh", "en"} and all(
            isinstance(v, str) and v.strip() and "\n" not in v for v in label.values())):
        raise DeclarationError(f"{where}: label is {{ zh = \"…\", en = \"…\" }}, one line each")
    return DeclaredField(name, kind, nullable, rule, meaning.strip(), tuple(choices), lo, hi, default,
                         (label["zh"].strip(), label["en"].strip()) if label else None)


def read_declaration(ep: EntryPoint) -> Declaration:
    """One entry point's declarations; DeclarationError says why they cannot be used."""
    folder = folder_of(ep)
    meta = _toml(folder / "policy.toml")
    if meta.get("id") != ep.name:
        raise DeclarationError(f"policy.toml's id {meta.get('id')!r} is not the entry point's name")
    city, prefix = meta.get("city"), meta.get("rule_prefix")
    if not isinstance(city, str) or not CITY.fullmatch(city) or city == "other":
        raise DeclarationError(f"policy.toml: city {city!r} is not a jurisdiction name (lower-case, not 'other')")
    if not isinstance(prefix, str) or not PREFIX.fullmatch(prefix):
        raise DeclarationError(f"policy.toml: rule_prefix {prefix!r} is not 2–8 capitals and digits")
    fields: tuple[DeclaredField, ...] = ()
    if (folder / "claim_fields.toml").exists():
        fields = tuple(_field(n, raw, prefix) for n, raw in _toml(folder / "claim_fields.toml").items())
    return Declaration(ep.name, city, prefix, folder, fields)


def left_out(policy_id: str, reason: str) -> None:
    """The one warning line of a policy that is left out: ``skillsim:0: PluginWarning: policy
    'x' is left out: <reason>`` (attributed to no source line, so none is printed under it)."""
    warnings.warn_explicit(f"policy {policy_id!r} is left out: {reason}", PluginWarning, "skillsim", 0,
                           module="skillsim")


def read_all(eps: Iterable[EntryPoint]) -> tuple[dict[str, Declaration], dict[str, str]]:
    """(declarations by policy id, reasons by the id of each policy left out), ids sorted."""
    found: dict[str, Declaration] = {}
    refused: dict[str, str] = {}
    for ep in sorted(eps, key=lambda e: e.name):
        try:
            found[ep.name] = read_declaration(ep)
        except DeclarationError as exc:
            refused[ep.name] = str(exc)
            left_out(ep.name, str(exc))
    return found, refused


@lru_cache(maxsize=None)
def declarations() -> tuple[dict[str, Declaration], dict[str, str]]:
    """Every registered policy's declarations, read once per process."""
    return read_all(entry_points(group=GROUP))
