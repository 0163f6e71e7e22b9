"""The one rounding rule of every policy: a percentage of an amount in whole yuan.

``apply_pct(base, pct)`` = base × pct / 100, rounded half up to the yuan, computed in
integers: the rate in hundredths of a percent (80.9 % = 8090), so a rate is applied
exactly, never truncated. Percentage parameters have at most two decimals
(parameters.py rejects more, naming the parameter), so the conversion to hundredths
is exact.

No overflow: parameters.py bounds every amount by 10⁹ yuan and every percentage by
1000 % (10⁵ hundredths), so base × hundredths ≤ 10¹⁴, and even times a count of 10⁴
(months, people) it stays far below int64's 9.2 × 10¹⁸.
"""
from __future__ import annotations

from numbers import Real

import polars as pl

HUNDREDTHS = 100    # a percent in hundredths: 1 % = 100
WHOLE = 100 * HUNDREDTHS   # 100 % in hundredths


def hundredths(pct: Real) -> int:
    """A percentage as whole hundredths of a percent (80.9 -> 8090). ValueError if it has
    more than two decimals: a rate is applied exactly or not at all."""
    h = round(pct * HUNDREDTHS)
    if abs(pct * HUNDREDTHS - h) > 1e-6:
        raise ValueError(f"{pct!r} % has more than two decimals")
    return int(h)


def apply_pct(base: pl.Expr | int, pct: pl.Expr | Real) -> pl.Expr | int:
    """``base`` × ``pct`` %, half up to whole yuan (both ≥ 0). ``base`` and ``pct`` may
    each be a number or a polars expression (a column of rates in percent, ≤ 2 decimals);
    the result is an int, or an Int64 expression when either is an expression."""
    h = (pct * HUNDREDTHS).round(0).cast(pl.Int64) if isinstance(pct, pl.Expr) else hundredths(pct)
    if isinstance(base, pl.Expr):
        base = base.cast(pl.Int64)
    elif not isinstance(h, pl.Expr):
        return (int(base) * h + WHOLE // 2) // WHOLE
    return (base * h + WHOLE // 2) // WHOLE


def pct_text(pct: pl.Expr) -> pl.Expr:
    """A percentage for a message: 80 or 80.0 -> "80", 80.9 -> "80.9"."""
    x = pct.cast(pl.Float64)
    return pl.when(x == x.round(0)).then(x.cast(pl.Int64).cast(pl.String)).otherwise(x.round(2).cast(pl.String))
