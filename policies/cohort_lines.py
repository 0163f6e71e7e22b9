"""A policy's funding lines as cohorts of training places: what a policy declares so that a
scenario can count places by agency and line (a plan's task table of person-times), and the
simulator (simulate/cohorts.py, cohort_draw.py, calibration.py) can validate, draw and
report them without knowing any line.

A policy that has such lines returns a ``CohortLines`` from ``Policy.cohort_lines()``
(beijing-2019-skills-action does; the default is None). The declaration says, per line: its
name, the attributes its places need, how a place fails its main condition, whether it pays
"up to" a ceiling; which lines cannot be drawn as places and why; each attribute's kind; and
the vectorised draw that turns one cohort's places into claim fields.

Attribute kinds (a scenario writes each as ``name = { …, source = "…" }`` in a cohort):

* ``chance``: ``value`` in 0–1 (e.g. the share of places with a top-up);
* ``shares``: ``shares`` over keys the attribute or the line allows (``keys``), summing to 1;
* ``bands``: ``shares`` over integer bands "lo-hi" within ``bounds``.

Nothing here imports the simulator: the draw gets numpy arrays, plain dicts of the cohort's
attributes and the population's assumptions, and a ``Draws`` (random draws of the kinds
above, from the simulator's one generator, so a seed gives the same places).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Mapping, Protocol

from .parameters import ParameterSet

if TYPE_CHECKING:  # annotations only: a plug-in's import (skillsim.plugin) does without numpy
    import numpy as np

KINDS = ("chance", "shares", "bands")


@dataclass(frozen=True)
class Attribute:
    """An attribute a line's places are drawn with."""
    kind: Literal["chance", "shares", "bands"]
    meaning: str
    keys: tuple[str, ...] = ()                # shares: the keys allowed (empty: CohortLines.keys says, per line)
    bounds: tuple[int, int] | None = None     # bands: every band within lo … hi

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"attribute kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if (self.kind == "bands") != (self.bounds is not None):
            raise ValueError("bounds go with kind bands, and only with it")


@dataclass(frozen=True)
class Line:
    """One funding line as places."""
    name: str                                 # as the text names the programme
    attributes: tuple[str, ...] = ()          # needed besides target and eligible_share (occupation is optional)
    fails: str | None = None                  # how a place fails the line's main condition; None: it has none
    up_to: bool = False                       # pays up to a ceiling (不超过): its budget scales with a paid share


@dataclass(frozen=True)
class Wording:
    """Phrases of the policy's own for the calibration note (simulate/calibration.py)."""
    target: str                               # what the cohorts' targets are ("the task table, <rule>")
    second_payments: str                      # what the budget adds to each amount ("the <rule> top-up …")
    up_to: str                                # what else scales with the up-to lines' paid shares


class Draws(Protocol):
    """Random draws from the simulator's generator (``rng``, for anything else)."""
    rng: np.random.Generator

    def pick(self, n: int, shares: Mapping[str, float]) -> np.ndarray:
        """n labels (an object array) drawn with the given shares."""

    def between(self, lo: Any, hi: Any, n: int) -> np.ndarray:
        """n integers uniform in [lo, hi] (scalars or arrays of n)."""

    def bands(self, n: int, shares: Mapping[str, float]) -> np.ndarray:
        """n integers from band shares {"lo-hi": share}, uniform within a band."""


@dataclass(frozen=True)
class Places:
    """One cohort's places, as the simulator hands them to their line's draw."""
    line: str
    ok: np.ndarray                            # bool, one per place: it meets the line (else it fails ``fails``)
    issue: np.ndarray                         # int: each place's cert_issue_date, days since 1970-01-01
    a: Mapping[str, Mapping[str, Any]]        # the cohort's attributes: name -> {value | shares, source}
    people: Mapping[str, Mapping[str, Any]]   # the population's assumptions (insurance_months, …)

    @property
    def n(self) -> int:
        return self.ok.size


class CohortLines:
    """A policy's lines as cohorts of places. Subclass it, set the class attributes, write
    ``claim_fields``, and override ``keys``, ``needs`` or ``cannot_fail`` where a line's
    requirements depend on its mix (one branch of a line needing more than another)."""
    lines: ClassVar[Mapping[str, Line]]
    attributes: ClassVar[Mapping[str, Attribute]]     # in the order a cohort lists them (summary, manifest)
    unsupported: ClassVar[Mapping[str, str]] = {}     # line -> why it cannot be drawn as places
    wording: ClassVar[Wording]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        for rid, line in cls.lines.items():
            for name in line.attributes:
                if name not in cls.attributes:
                    raise TypeError(f"{cls.__name__}: line {rid} needs {name!r}, which attributes does not declare")
            if rid in cls.unsupported:
                raise TypeError(f"{cls.__name__}: line {rid} is both drawn and unsupported")

    def keys(self, line: str, name: str, p: ParameterSet) -> tuple[str, ...]:
        """The keys a ``shares`` attribute may name for this line (default: the attribute's)."""
        return self.attributes[name].keys

    def needs(self, line: str, a: Mapping[str, Mapping[str, Any]], p: ParameterSet) -> set[str]:
        """The attributes a cohort of this line must give, given the ones it gives (``a``)."""
        return set(self.lines[line].attributes)

    def cannot_fail(self, line: str, a: Mapping[str, Mapping[str, Any]], p: ParameterSet) -> str | None:
        """Why this cohort's places cannot fail their line (so its eligible share must be 1), or None."""
        return None if self.lines[line].fails else f"{line} has no per-place condition"

    def claim_fields(self, places: Places, p: ParameterSet, draw: Draws) -> dict[str, Any]:
        """The line's claim fields for one cohort's places: field -> an array of n, or one
        value for all (None: null). ``p``: the policy's default parameters (the text's
        thresholds), so a reform is judged on the same places."""
        raise NotImplementedError
