"""The same people under another jurisdiction's policy (the swap scenario): moved to its city
and, by whole years, to when it governs.

Moving to a city swaps every city field that names the population's own city with the policy's
city (and the other way round), so "own hukou, certificate from the city" stays true. Moving in
time shifts every date of the claim (the contract's date fields and the prior subsidies' dates)
by the whole years that put the largest share of the population's issue dates inside the
policy's window (in force and covering certificates), the fewest years on a tie: people of 2026
under a policy of 2025 are that policy's people of 2025, not people it never governed. Ages and
everything else stay. A population under a policy of its own city is never moved: comparing a
city's policies of different years is the point of running them on one population.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from skillsim.policies import get_policy
from skillsim.policies.claim_schema import FIELDS, PRIOR_FIELDS

CITY_FIELDS = ("hukou", "cert_issuer_city", "school_city")
DATE_FIELDS = tuple(f.name for f in FIELDS if f.kind == "date")
PRIOR_DATES = tuple(f.name for f in PRIOR_FIELDS if f.kind == "date")
FAR = 60  # years searched either way (the contract's dates span 1900-2199)


def relocate(claims: pl.DataFrame, home: str, to: str) -> pl.DataFrame:
    """The same people, living in ``to`` instead of ``home`` (city fields swapped)."""
    if home == to:
        return claims
    swap = {home: to, to: home}
    return claims.with_columns(pl.col(c).replace(swap) for c in CITY_FIELDS if c in claims.columns)


def governs(pid: str) -> tuple[dt.date, dt.date]:
    """The issue dates a policy governs: in force and covering certificates (open ends: far)."""
    m = get_policy(pid).meta
    lo = max(d for d in (m.in_force_from, m.certificates_from) if d is not None)
    hi = min((d for d in (m.in_force_until, m.certificates_until) if d is not None), default=dt.date(2199, 12, 31))
    return lo, hi


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> int:
    return max(0, (min(a[1], b[1]) - max(a[0], b[0])).days + 1)


def _shift(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a year without one
        return d.replace(year=d.year + years, day=28)


def years_moved(home: str, issue_dates: tuple[dt.date, dt.date] | None, pid: str) -> int:
    """Whole years the people of ``home`` issued within ``issue_dates`` are moved to run under
    ``pid``: 0 under their own city's policies, else the shift with the largest share of the dates
    inside the policy's window (the smallest on a tie; 0 when no shift reaches it)."""
    if issue_dates is None or get_policy(pid).meta.city == home:
        return 0
    window = governs(pid)

    def inside(k: int) -> float:  # the share of the moved dates inside the window (leap years alike)
        moved = (_shift(issue_dates[0], k), _shift(issue_dates[1], k))
        return _overlap(moved, window) / ((moved[1] - moved[0]).days + 1)
    best = max(range(-FAR, FAR + 1), key=lambda k: (inside(k), -abs(k), k))
    return best if inside(best) > 0 else 0


def in_time(claims: pl.DataFrame, years: int) -> pl.DataFrame:
    """Every date of the claims ``years`` later (earlier if negative); 29 February → 28."""
    if years == 0:
        return claims
    by = f"{years}y"
    out = claims.with_columns(pl.col(c).dt.offset_by(by) for c in DATE_FIELDS if c in claims.columns)
    if "prior_subsidies" in claims.columns and PRIOR_DATES:
        out = out.with_columns(pl.col("prior_subsidies").list.eval(pl.element().struct.with_fields(
            pl.field(c).dt.offset_by(by) for c in PRIOR_DATES)))
    return out


def move(claims: pl.DataFrame, home: str, issue_dates: tuple[dt.date, dt.date] | None, pid: str) -> pl.DataFrame:
    """The claims of people of ``home`` as the people of ``pid``'s city, when it governs."""
    return in_time(relocate(claims, home, get_policy(pid).meta.city), years_moved(home, issue_dates, pid))
