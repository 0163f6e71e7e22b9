"""How the dashboard writes numbers: money, shares, counts, ratios, in the chosen language.

One rule for money: an amount is written in the largest unit of which it holds at least
one, among the language's units (Chinese: 元, 万元 = 10⁴ yuan, 亿元 = 10⁸ yuan; English:
yuan, million yuan, billion yuan); a column of amounts takes the unit of its largest
(``money_unit``), so the figures of one table or axis read in the same unit. Yuan are whole
with thousands separators, 万元 with one decimal, the larger units with two. A share
(coverage, 0–1) is written in % with one decimal, a difference of shares in percentage
points, a count as a whole number with separators, a ratio as ×1.8. A missing value (None,
NaN) is "—", never "None". Unit words come from labels.TEXT, so both languages are whole.

The pages show these strings in tables (preformatted columns) and on chart marks; chart
axes keep the raw numbers and scale their labels with ``label_expr`` (Vega's expression
language), so what a test reads from a chart's data is the source's number.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from .labels import lang, t

DASH = "—"
MINUS = "−"        # U+2212, as the labels write a difference ("模型 − 公开")

# the money units of each language: (unit key, yuan in one of it, decimals shown), largest first;
# the words are labels.TEXT["unit_<key>"]
UNITS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "zh": (("yi", 10**8, 2), ("wan", 10**4, 1), ("yuan", 1, 0)),
    "en": (("billion", 10**9, 2), ("million", 10**6, 2), ("yuan", 1, 0)),
}


def missing(v: Any) -> bool:
    """None or NaN (a float that is not a number)."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def _units() -> tuple[tuple[str, int, int], ...]:
    return UNITS[lang()]


def _unit(key: str) -> tuple[str, int, int]:
    found = [u for u in _units() if u[0] == key]
    if not found:   # a unit of the other language (a column's unit picked before a switch): yuan
        return _units()[-1]
    return found[0]


def money_unit(values: Iterable[Any]) -> str:
    """The unit a column of amounts is written in: the largest unit the largest amount (by
    size) holds at least one of; yuan for an empty column or one of missing values only."""
    sizes = [abs(float(v)) for v in values if not missing(v)]
    top = max(sizes, default=0.0)
    return next(key for key, yuan_in, _ in _units() if top >= yuan_in or yuan_in == 1)


def unit_word(unit: str) -> str:
    """The unit's word in the current language ("亿元", "million yuan")."""
    return t(f"unit_{_unit(unit)[0]}")


def scaled(v: float, unit: str) -> float:
    """An amount in yuan expressed in ``unit``."""
    return float(v) / _unit(unit)[1]


def _number(x: float, decimals: int, sign: bool = False) -> str:
    text = f"{abs(x):,.{decimals}f}"
    if sign:
        if float(text.replace(",", "")) == 0:      # shown as zero: no sign
            return text
        return ("+" if x > 0 else MINUS) + text
    return (MINUS if x < 0 and float(text.replace(",", "")) != 0 else "") + text


def money(v: Any, unit: str | None = None, *, sign: bool = False) -> str:
    """An amount in yuan, written in ``unit`` (default: its own, by the rule above) with the
    unit's word: "85,469,810 元" in yuan, "8,547.0 万元", "0.85 亿元", "85.47 million yuan".
    ``sign``: a difference, with + or −."""
    if missing(v):
        return DASH
    key = unit or money_unit([v])
    _, yuan_in, decimals = _unit(key)
    return f"{_number(float(v) / yuan_in, decimals, sign)} {unit_word(key)}"


def yuan(v: Any, *, sign: bool = False) -> str:
    """An amount in whole yuan with separators and the unit's word ("1,445 元", "1,445 yuan")."""
    return money(v, "yuan", sign=sign)


def percent(share: Any, digits: int = 1) -> str:
    """A share (0–1) in % ("3.1%" in Chinese, "3.1 %" in English, as the labels write it)."""
    if missing(share):
        return DASH
    return t("unit_percent", v=_number(float(share) * 100, digits))


def pp(difference: Any, digits: int = 1) -> str:
    """A difference of two shares (0–1) in percentage points, signed ("+1.8 个百分点", "+1.8 pp")."""
    if missing(difference):
        return DASH
    return t("unit_pp", v=_number(float(difference) * 100, digits, sign=True))


def count(v: Any, *, sign: bool = False) -> str:
    """A count (people, claims; a mean over replications too) as a whole number with separators."""
    if missing(v):
        return DASH
    return _number(float(v), 0, sign)


def ratio(a: Any, b: Any) -> str:
    """``a`` ÷ ``b`` as "×1.8" (at most two decimals); "—" where either is missing or ``b`` is 0."""
    if missing(a) or missing(b) or float(b) == 0:
        return DASH
    return "×" + f"{float(a) / float(b):,.2f}".rstrip("0").rstrip(".")


def text(v: Any) -> str:
    """Any other cell: "—" for a missing value, else the value as text."""
    return DASH if missing(v) else str(v)


# what each headline figure is: money, a share or a count
KINDS = {"budget_cny": "money", "cost_per_beneficiary_cny": "yuan", "coverage": "share",
         "beneficiaries": "count", "claims": "count", "eligible_claims": "count"}


def figure(metric: str, v: Any, unit: str | None = None, *, sign: bool = False) -> str:
    """A headline figure written by its kind (``KINDS``): a budget in ``unit`` (or its own), a
    cost per beneficiary in yuan, coverage in % (a difference of it in pp), a count whole."""
    kind = KINDS.get(metric, "count")
    if kind == "money":
        return money(v, unit, sign=sign)
    if kind == "yuan":
        return yuan(v, sign=sign)
    if kind == "share":
        return pp(v) if sign else percent(v)
    return count(v, sign=sign)


def label_expr(unit: str) -> str:
    """A Vega label expression writing an axis's raw yuan in ``unit`` (the word goes in the title)."""
    _, yuan_in, decimals = _unit(unit)
    return f"format(datum.value / {yuan_in}, ',.{decimals}~f')"


def titled(title: str, unit: str) -> str:
    """An axis or column title with its unit: "预算 (亿元)"."""
    return f"{title} ({unit_word(unit)})"
