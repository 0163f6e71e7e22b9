"""A policy's per-claim messages in Chinese: ``messages.zh.toml`` beside its policy.toml.

A policy's code writes each reason's message in English, with the figures it used
(``fmt("applied on {}, after the window closed on {}", ...)``). The file maps each English
template to its Chinese one, the same values in the place of each ``{}`` (``{0}``, ``{1}`` …
where the Chinese order differs), and English phrases that stand as a value in a message
(``"ungraded"``) to theirs::

    [messages]
    "applied on {}, after the window closed on {}" = "申请日期 {}, 晚于申请期截止日 {}"
    [values]
    "ungraded" = "不分等级"

A produced message is matched against the templates as patterns (the most literal text
first), and the Chinese template is filled with the captured values, each translated in
turn: a phrase of ``[values]``, another template's message (a message within a message), a
claim field's choice (the contract's CHOICE_LABELS: "employed" -> 在职), a jurisdiction by
its name, true/false; anything else (numbers, dates, codes, ids) as it is. The same matching
gives the English for a reader (``translate(message, "en")``): the template's English side
filled with the values' plain English names (the contract's choices, the jurisdictions' names),
so "a skill_level certificate" reads "a skill-level certificate". The file is optional: a
policy without it keeps its English messages as written (the conformance kit warns).
"""
from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .claim_schema import CHOICE_LABELS, FIELDS

FILE = "messages.{lang}.toml"
# an English word in a translated message: 2+ letters, not part of an id or code name
# (BJSA-4, cert_level, 4-01-05-01, p1), which stay as they are
_ID = re.compile(r"\b[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)+\b|\b[A-Z][A-Z0-9]{1,7}-(?:[A-Z0-9]+|\*)|\b\w*\d\w*\b")
_WORD = re.compile(r"[A-Za-z]{2,}")
BOOLEANS = {"true": "是", "false": "否"}


class MessagesError(ValueError):
    """A messages file that cannot be read or whose templates do not fit each other."""


def english_words(text: str) -> list[str]:
    """The English words a translated message still holds (ids, claim fields' code names,
    numbers aside)."""
    return [w for w in _WORD.findall(_ID.sub(" ", text)) if w not in {f.name for f in FIELDS}]


def _slots(template: str) -> list[str | None]:
    """The placeholders of a str.format template: None for ``{}``, the index text for ``{0}``."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise MessagesError(f"{template!r}: {exc}") from None
    return [name or None for _, name, _, _ in parsed if name is not None]


@dataclass(frozen=True)
class Template:
    english: str
    chinese: str
    pattern: re.Pattern[str]
    literal: int     # characters of fixed text: the more, the more specific

    @classmethod
    def of(cls, english: str, chinese: str) -> "Template":
        n = english.count("{}")
        if "{" in english.replace("{}", "") or "}" in english.replace("{}", ""):
            raise MessagesError(f"{english!r}: an English template holds {{}} placeholders only")
        slots = _slots(chinese)
        numbered = [s for s in slots if s is not None]
        if numbered and len(numbered) != len(slots):
            raise MessagesError(f"{english!r}: the Chinese template mixes {{}} and {{0}}")
        if numbered:
            if sorted(set(numbered)) != sorted(str(i) for i in range(n)):
                raise MessagesError(f"{english!r}: the Chinese template must use each of {{0}} … {{{n - 1}}}")
        elif len(slots) != n:
            raise MessagesError(f"{english!r}: {n} placeholders, the Chinese template has {len(slots)}")
        parts = english.split("{}")
        pattern = "(.*?)".join(re.escape(p) for p in parts)
        return cls(english, chinese, re.compile(pattern, re.DOTALL), len(english) - 2 * n)


@dataclass(frozen=True)
class Messages:
    """One policy's translations (an empty one where the policy ships none)."""
    templates: tuple[Template, ...] = ()
    values: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> "Messages":
        if not path.is_file():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise MessagesError(f"{path.name}: {exc}") from None
        unknown = set(raw) - {"messages", "values"}
        if unknown:
            raise MessagesError(f"{path.name}: unknown table {sorted(unknown)[0]!r} (messages, values)")
        pairs = {**raw.get("messages", {}), **raw.get("values", {})}
        bad = next((k for k, v in pairs.items() if not (isinstance(v, str) and v.strip())), None)
        if bad is not None:
            raise MessagesError(f"{path.name}: {bad!r} needs a Chinese text")
        try:
            templates = [Template.of(en, zh) for en, zh in raw.get("messages", {}).items()]
        except MessagesError as exc:
            raise MessagesError(f"{path.name}: {exc}") from None
        templates.sort(key=lambda t: -t.literal)
        return cls(tuple(templates), dict(raw.get("values", {})), path)

    def __bool__(self) -> bool:
        return bool(self.templates or self.values)

    def translate(self, message: str, lang: str = "zh") -> str | None:
        """``message`` in Chinese; with ``lang="en"`` the same template's English side, the values
        it quotes by their plain English names ("a skill_level certificate" -> "a skill-level
        certificate"). None where no template or phrase matches it."""
        if message in self.values:
            return self.values[message] if lang == "zh" else message
        for t in self.templates:
            m = t.pattern.fullmatch(message)
            if m:
                values = [self._value(v, lang) for v in m.groups()]
                return t.chinese.format(*values) if lang == "zh" else _filled(t.english, values)
        return None

    def _value(self, v: str, lang: str = "zh") -> str:
        """A value a message quotes, in the language where it is a phrase, a message, a choice, a
        jurisdiction or a truth value; else (numbers, dates, codes) as it is. In English a phrase
        and a truth value are already what they are."""
        if v in self.values:
            return self.values[v] if lang == "zh" else v
        if v in BOOLEANS:
            return BOOLEANS[v] if lang == "zh" else v
        if v in CHOICE_LABELS:
            return CHOICE_LABELS[v][0 if lang == "zh" else 1]
        inner = self.translate(v, lang) if len(v) > 3 else None   # a message within the message
        return inner if inner is not None else _city_names(lang).get(v, v)


def _filled(english: str, values: list[str]) -> str:
    """An English template filled with plain names, a word the name ends with and the template
    goes on with said once ("a {} certificate" with "skill-level certificate")."""
    parts = english.split("{}")
    out = [parts[0]]
    for value, after in zip(values, parts[1:]):
        last = value.rsplit(" ", 1)
        if len(last) == 2 and re.match(rf" {re.escape(last[1])}\b", after):
            value = last[0]
        out += [value, after]
    return "".join(out)


def _city_names(lang: str = "zh") -> dict[str, str]:
    """Each jurisdiction's id -> its name in the language (policy.toml's city_name), from the registry."""
    from .registry import all_policies      # here: the registry imports the engine, which imports this
    return {p.meta.city: p.meta.city_name[lang] for p in all_policies()}


ENGINE = Path(__file__).resolve().parent      # the engine's own messages (a cap's trimming)


def load_messages(folder: Path, lang: str = "zh") -> Messages:
    """A policy's messages file with the engine's own templates added."""
    own, core = Messages.load(folder / FILE.format(lang=lang)), Messages.load(ENGINE / FILE.format(lang=lang))
    if not own:
        return own
    templates = sorted(own.templates + core.templates, key=lambda t: -t.literal)
    return Messages(tuple(templates), {**core.values, **own.values}, own.path)
