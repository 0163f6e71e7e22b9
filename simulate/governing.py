"""Which encoded policy governs a certificate issued on a given day, per city
(``skillsim policies --date``).

A policy covers a day when its certificate window (policy.toml ``certificates_from`` …
``certificates_until``, an absent bound open) holds it. Where several of a city's
policies cover the day, the one that governs is, in this order:

1. not a draft (a consultation draft governs only where nothing else covers the day);
2. the most specific: the shortest certificate window (an open bound is endless), so a
   notice for certificates of 2019–2021 wins over a programme open to any earlier one;
3. the latest: the later ``certificates_from``, then the later ``in_force_from``;
4. the policy id, so the choice never depends on the order of the registry.

The status "expired" does not count against a policy: a certificate issued in 2020 is
governed by the notice in force then.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple, Protocol


class Meta(Protocol):  # engine.PolicyMeta, as far as this module reads it
    id: str
    city: str
    status: str
    in_force_from: dt.date
    certificates_from: dt.date | None
    certificates_until: dt.date | None


class Governing(NamedTuple):
    policy: Meta
    others: list[str]  # the city's other policies that also cover the day, in order of precedence


RULE = ("among a city's policies whose certificate window holds the date: not a draft (unless nothing else), "
        "then the shortest window (an open bound is endless), then the latest start, then the id")


def covers(meta: Meta, day: dt.date) -> bool:
    lo, hi = meta.certificates_from, meta.certificates_until
    return (lo is None or day >= lo) and (hi is None or day <= hi)


def _precedence(meta: Meta) -> tuple:
    lo, hi = meta.certificates_from, meta.certificates_until
    days = (hi - lo).days if lo is not None and hi is not None else float("inf")
    return (meta.status == "draft", days, -(lo or dt.date.min).toordinal(), -meta.in_force_from.toordinal(), meta.id)


def governing(metas: Iterable[Meta], day: dt.date) -> dict[str, Governing]:
    """city -> the policy that governs a certificate issued on ``day`` (cities with none are absent)."""
    by_city: dict[str, list[Meta]] = {}
    for m in metas:
        if covers(m, day):
            by_city.setdefault(m.city, []).append(m)
    out = {}
    for city, ms in sorted(by_city.items()):
        ranked = sorted(ms, key=_precedence)
        out[city] = Governing(ranked[0], [m.id for m in ranked[1:]])
    return out


__all__ = ["Governing", "RULE", "covers", "governing"]
