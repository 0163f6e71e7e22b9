"""Uncertain assumptions: what a scenario does not know, as ranges and distributions.

A population assumption whose number sits under ``value`` (certificate_take_up, size, …) may
give a range instead, and any ``shares`` table a concentration; so may an assumption-kind
parameter of ``[parameters.<policy>]`` (simulate/scenario.py reads them)::

    certificate_take_up = { low = 0.2, high = 0.4, source = "…" }            # uniform
    application_take_up = { low = 0.6, mode = 0.8, high = 0.9, source = "…" } # triangular
    employment = { shares = { … }, concentration = 50, source = "…" }          # Dirichlet(50 × shares)

The scenario then holds its central values (the mode, else the midpoint; the shares), so
everything that reads one point (the estimate, the dashboard) reads those, and
``Scenario.uncertain`` the specs (:class:`Uncertain`). Each replication of a run draws one
value of every spec (``draw``) and runs the point-valued copy ``at`` gives.

Rounding: an integer quantity (a population's size, a whole-number or money parameter) is
drawn as a real number and rounded half to even (Python's ``round``); a percentage that
allows fractions is rounded to two decimals (money.apply_pct works in hundredths).

Keys: ``populations.<population>.<assumption>.<field>`` (``…beijing.certificate_take_up.value``,
``…beijing.employment.shares``, ``…beijing.claim_fields.<field>.shares``),
``catalog_assumptions.<policy>.unknown_class_shares.shares`` and
``parameters.<policy>.<name>``; ``uncertain(scen)`` lists them in a stable order (populations
in file order, each one's assumptions in the schema's order, then catalog assumptions and
parameters in file order).

Splitting an interval: a run with uncertain assumptions draws them once for each PAIR of
replications (2k and 2k+1), so ``split`` can tell the variance of a figure between pairs
(assumptions and sampling) from the variance within them (sampling alone).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from .scenario import Scenario

Kind = Literal["uniform", "triangular", "dirichlet"]
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Uncertain:
    """One uncertain assumption: a uniform or triangular number, or Dirichlet shares."""
    key: str
    kind: Kind
    low: float | None
    high: float | None
    mode: float | None
    shares: dict[str, float] | None
    concentration: float | None
    source: str
    integer: bool
    decimals: int | None = None     # a fractional percentage: two (hundredths of a percent)

    def central(self) -> Any:
        """The value a point-valued copy takes: the mode, else the midpoint; the shares."""
        if self.kind == "dirichlet":
            return dict(self.shares)
        if self.mode is not None:
            return self._rounded(self.mode)
        return self._rounded(float(f"{(self.low + self.high) / 2:.12g}"))  # 0.775, not 0.7749999999999999

    def ppf(self, u: float) -> int | float:
        """The value at quantile ``u`` in [0, 1] (inverse distribution function; for samplers)."""
        if self.kind == "dirichlet":
            raise ValueError(f"{self.key}: shares have no single quantile (draw them with sample)")
        if not 0 <= u <= 1:
            raise ValueError(f"{self.key}: quantile {u!r} is not within 0–1")
        lo, hi, width = self.low, self.high, self.high - self.low
        if self.kind == "uniform":
            x = lo + u * width
        elif u * width < self.mode - lo:       # below the mode: F(x) = (x-lo)² / (width (mode-lo))
            x = lo + math.sqrt(u * width * (self.mode - lo))
        else:
            x = hi - math.sqrt((1 - u) * width * (hi - self.mode))
        return self._rounded(min(max(x, lo), hi))

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw: a number by ``ppf`` of a uniform, or shares from Dirichlet(K × shares)
        (a share of 0 stays 0)."""
        if self.kind != "dirichlet":
            return self.ppf(float(rng.random()))
        keys = self.components()
        drawn = dict(zip(keys, rng.dirichlet([self.concentration * self.shares[k] for k in keys]).tolist()))
        return {k: drawn.get(k, 0.0) for k in self.shares}

    def components(self) -> list[str]:
        """The shares that vary (a share of 0 stays 0): one uniform each in ``shares_at``."""
        return [k for k, s in self.shares.items() if s > 0]

    def shares_at(self, us: Sequence[float]) -> dict[str, float]:
        """Shares from one uniform in (0, 1) per ``components()`` share: x_i = the Gamma(K × share_i)
        quantile at u_i, shares = x / sum(x); Dirichlet(K × shares) when the u_i are independent
        uniforms (a share of 0 stays 0)."""
        from scipy.stats import gamma
        keys = self.components()
        if len(us) != len(keys) or any(not 0 < u < 1 for u in us):
            raise ValueError(f"{self.key}: give {len(keys)} quantiles within (0, 1), one a share of "
                             f"{', '.join(keys)}")
        x = gamma.ppf(np.asarray(us, dtype=float), [self.concentration * self.shares[k] for k in keys])
        total = float(np.sum(x))
        if not total > 0 or not np.isfinite(total):
            raise ValueError(f"{self.key}: quantiles {list(us)} give no shares (every Gamma draw 0)")
        drawn = dict(zip(keys, (x / total).tolist()))
        return {k: drawn.get(k, 0.0) for k in self.shares}

    def check(self, value: Any) -> Any:
        """``value`` as ``at`` applies it, if it is one this spec can take; else ValueError naming the key."""
        if self.kind == "dirichlet":
            if not isinstance(value, Mapping) or set(value) != set(self.shares):
                raise ValueError(f"{self.key}: give shares of exactly {', '.join(self.shares)}")
            if any(not _real(v) or v < 0 for v in value.values()) or abs(sum(value.values()) - 1) > SHARE_TOLERANCE:
                raise ValueError(f"{self.key}: shares are numbers of 0 or more that sum to 1")
            return {k: float(value[k]) for k in self.shares}
        if not _real(value) or not self.low <= value <= self.high:
            raise ValueError(f"{self.key}: {value!r} is not a number within {self.low}–{self.high}")
        return self._rounded(value)

    def describe(self) -> str:
        """One line: "uniform 0.2–0.4", "triangular 0.6–0.9 (mode 0.8)", "Dirichlet, concentration 50"."""
        if self.kind == "dirichlet":
            return f"Dirichlet around the shares, concentration {self.concentration:g}"
        return f"{self.kind} {self.low:g}–{self.high:g}" + (f" (mode {self.mode:g})" if self.mode is not None else "")

    def as_dict(self) -> dict[str, Any]:
        """The spec for summary.json (what was uncertain, how, and its source)."""
        d = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        return {**d, "central": self.central()}

    def _rounded(self, x: float) -> int | float:
        if self.integer:
            return int(round(x))                # half to even
        return round(float(x), self.decimals) if self.decimals is not None else float(x)


def _real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def uncertain(scen: "Scenario") -> list[Uncertain]:
    """Every uncertain assumption of the scenario, in a stable order (see the module's docstring)."""
    return list(scen.uncertain)


def draw(scen: "Scenario", rng: np.random.Generator) -> dict[str, Any]:
    """One draw of every uncertain key, in ``uncertain``'s order (the same rng state: the same draw)."""
    return {s.key: s.sample(rng) for s in scen.uncertain}


def at(scen: "Scenario", values: Mapping[str, Any] = {}, by: str = "uncertainty.at") -> "Scenario":
    """A copy with no uncertainty: each key of ``values`` fixed to its value, every other
    uncertain key at its central value. Each fixed key is recorded in the copy's ``changed``
    (its spec, the value, and ``by`` whom), which the manifest reports."""
    specs = {s.key: s for s in scen.uncertain}
    for k in values:
        if k not in specs:
            raise ValueError(f"{k}: not an uncertain assumption of {scen.name} "
                             f"(uncertain: {', '.join(specs) or 'none'})")
    fixed = {k: (s.check(values[k]) if k in values else s.central()) for k, s in specs.items()}
    pops = {p.name: p for p in scen.populations}
    sections = {"parameters": {pid: dict(t) for pid, t in scen.parameters.items()},
                "catalog_assumptions": {pid: dict(t) for pid, t in scen.catalog_assumptions.items()}}
    changed = dict(scen.changed)
    for key, v in fixed.items():
        part, owner, *path = key.split(".")
        if part == "populations":
            pop = pops[owner]
            pops[owner] = dataclasses.replace(pop, a=_set(pop.a, path, v))
        elif part == "parameters":
            sections[part][owner][path[0]] = v
        else:  # catalog_assumptions.<policy>.unknown_class_shares.shares
            sections[part][owner] = {**sections[part][owner], path[-1]: v}
        changed[key] = {"from": specs[key].describe(), "to": v,
                        "by": by if key in values else f"{by} (central value)"}
    return dataclasses.replace(scen, populations=tuple(pops[p.name] for p in scen.populations),
                               changed=changed, uncertain=(), **sections)


def _set(a: Mapping[str, Any], path: list[str], v: Any) -> dict[str, Any]:
    """``a`` with a[path[0]]…[path[-1]] = v (copied along the path); new shares of bands
    (age, application_delay_days) get their bands anew."""
    out = dict(a)
    if len(path) > 1:
        out[path[0]] = _set(a[path[0]], path[1:], v)
        return out
    out[path[0]] = v
    if path[0] == "shares" and "bands" in a:
        from .assumptions import bands
        out["bands"] = bands(v)
    return out


def split(values: list[float] | np.ndarray) -> dict[str, float | None]:
    """How much of the variance of a figure comes from the assumptions and how much from
    sampling, from replications in pairs that share one draw of the assumptions (2k, 2k+1;
    an unpaired last one is left out): one-way random-effects ANOVA. Within a pair only the
    sampling differs, so the mean square within pairs estimates the sampling variance s²;
    the variance of the pairs' means estimates a² + s²/2, so a² is that minus s²/2 (at
    least 0). Shares of a² + s²; None with fewer than two pairs (nothing to estimate)."""
    v = np.asarray(values, dtype=float)
    pairs = v[: v.size - v.size % 2].reshape(-1, 2)
    if len(pairs) < 2:
        return {"from_assumptions": None, "from_sampling": None}
    sampling = float(np.mean((pairs[:, 0] - pairs[:, 1]) ** 2) / 2)   # within-pair mean square
    assumptions = max(0.0, float(np.var(pairs.mean(axis=1), ddof=1)) - sampling / 2)
    total = assumptions + sampling
    share = assumptions / total if total > 0 else 0.0
    return {"from_assumptions": share, "from_sampling": 1.0 - share}


def pair_of(replication: int) -> int:
    """The replication whose seed draws the assumptions of ``replication`` (the pair's first)."""
    return replication - replication % 2


__all__ = ["Uncertain", "uncertain", "draw", "at", "split", "pair_of"]
