"""skillsim: Chinese vocational-skills subsidy policies as code, and what they cost.

The installed import name is ``skillsim``; its parts are ``skillsim.policies`` (the
calculators), ``skillsim.simulate`` (scenarios, runs, metrics, the command line) and
``skillsim.dashboard``. This module is the public Python API (docs/api.md): a few functions
that do in a line what a command does, each delegating to the code the command runs.

    >>> import skillsim
    >>> results = skillsim.evaluate("claims.csv", policies=["beijing-2026-key-groups"])
    >>> run = skillsim.run("beijing-2026-baseline", size=5000, replications=2)

Importing skillsim is cheap: polars, the policies and the scenario models load on first use.
The policy and scenario listings are ``list_policies`` and ``list_scenarios``, not
``policies`` and ``scenarios``: those names are sub-packages, and importing one replaces a
function of the same name on this module.
"""
from __future__ import annotations

import datetime as dt
import os
import warnings
from importlib.metadata import PackageNotFoundError, version as _version
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, Sequence, Union, overload

from .run_result import RunResult

if TYPE_CHECKING:  # what type checkers see; at run time these load on first use (``__getattr__``)
    import polars as pl

    from skillsim.policies import ContractError, ParameterError, Policy, PolicyError, UnknownPolicy
    from skillsim.simulate.claims_file import ClaimsFileError
    from skillsim.simulate.comparison import Comparison
    from skillsim.simulate.outputs import OutputError
    from skillsim.simulate.scenario import Scenario, ScenarioError

try:
    __version__ = _version("skillsim")
except PackageNotFoundError:  # run from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["__version__", "list_policies", "policy", "explain", "read_claims", "evaluate", "summarise", "flatten",
           "list_scenarios", "run", "compare", "RunResult", "Policy", "Comparison", "ContractError", "ClaimsFileError", "ParameterError",
           "PolicyError", "UnknownPolicy", "ScenarioError", "OutputError"]

# Re-exported lazily (PEP 562): name -> the module that defines it.
_LAZY = {
    "Policy": "skillsim.policies",
    "ContractError": "skillsim.policies",
    "ParameterError": "skillsim.policies",
    "PolicyError": "skillsim.policies",
    "UnknownPolicy": "skillsim.policies",
    "ClaimsFileError": "skillsim.simulate.claims_file",
    "Comparison": "skillsim.simulate.comparison",
    "OutputError": "skillsim.simulate.outputs",
    "ScenarioError": "skillsim.simulate.scenario",
}

Claims = Union["pl.DataFrame", Iterable[Mapping[str, Any]], str, "os.PathLike[str]"]
Overrides = Mapping[str, Mapping[str, Any]]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skillsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# ---------------------------------------------------------------- policies

def list_policies(city: str | None = None, date: str | dt.date | None = None, *,
                  details: bool = False) -> list[str] | list[dict[str, Any]]:
    """The encoded policies, sorted by id: their ids, or with ``details=True`` each one's
    metadata (id, city, year, title, document, status, payee, dates in force).

    ``city`` keeps one city's policies; ``date`` (``"2026-05-01"`` or a ``datetime.date``)
    keeps, per city, the one policy that governs a certificate issued that day (the rule of
    ``skillsim policies --date``: ``skillsim.simulate.governing``).

        >>> skillsim.list_policies(city="beijing", date="2020-03-01")
        ['beijing-2019-skills-action']
    """
    from skillsim.policies import all_policies
    chosen = [p for p in all_policies() if city is None or p.meta.city == city]
    if date is not None:
        from skillsim.simulate.governing import governing
        day = dt.date.fromisoformat(date) if isinstance(date, str) else date
        ids = {g.policy.id for g in governing([p.meta for p in chosen], day).values()}
        chosen = [p for p in chosen if p.id in ids]
    return [p.describe() for p in chosen] if details else [p.id for p in chosen]


def policy(policy_id: str) -> "Policy":
    """One policy's calculator (``skillsim.policies.Policy``): ``.meta``, ``.parameters``,
    ``.rules``, ``.catalog``, ``.explain(claim)``, ``.evaluate(frame)``. UnknownPolicy (a
    KeyError listing the known ids) if there is none of that id.

        >>> skillsim.policy("beijing-2026-key-groups").meta.document
        '京人社能发〔2026〕2号'
    """
    from skillsim.policies import get_policy
    return get_policy(policy_id)


def _overrides_for(overrides: Overrides | None, ids: Sequence[str]) -> dict[str, Any]:
    """``overrides`` keyed by policy id, each id one of ``ids`` (a reform of a policy not
    asked for would silently change nothing; ``evaluate`` refuses it alike)."""
    from skillsim.policies import PolicyError
    stray = sorted(set(overrides or {}) - set(ids))
    if stray:
        raise PolicyError(f"overrides for {stray[0]}: it is not among the policies explained")
    return dict(overrides or {})


@overload
def explain(claim: Mapping[str, Any], policy: Literal["all"],
            overrides: Overrides | None = None) -> list[dict[str, Any]]: ...
@overload
def explain(claim: Mapping[str, Any], policy: str, overrides: Overrides | None = None) -> dict[str, Any]: ...


def explain(claim: Mapping[str, Any], policy: str, overrides: Overrides | None = None) -> Any:
    """One claim's result under ``policy``, as ``skillsim explain`` prints it: a dict with
    ``status``, ``amount_cny``, ``base_amount_cny``, ``rate``, ``payee``, ``funding``,
    ``deciding_rule``, ``category``, ``tier``, ``payment_month`` and ``reasons`` (one
    ``{rule, clause, message}`` per rule that decided it).

    ``claim`` is a dict of the claim contract (docs/claim-contract.md; dates as ISO text).
    ``policy="all"``: a list, one dict per policy; a policy that cannot run (the draft
    without amounts) gives ``{"policy_id": ..., "error": ...}`` instead.
    ``overrides`` (a reform): ``{policy_id: {parameter: value}}``.
    A claim that breaks the contract raises ContractError naming the field.

        >>> skillsim.explain(claim, "beijing-2026-key-groups")["amount_cny"]
        1500
    """
    from skillsim.policies import PolicyError, get_policy, policy_ids
    ids = policy_ids() if policy == "all" else [get_policy(policy).id]
    changes = _overrides_for(overrides, ids)
    out = []
    for pid in ids:
        pol = get_policy(pid)
        try:
            out.append(pol.explain(claim, pol.params(changes.get(pid))))
        except PolicyError as exc:
            if policy != "all":
                raise
            out.append({"policy_id": pid, "error": " ".join(str(exc).split())})
    return out if policy == "all" else out[0]


# ---------------------------------------------------------------- your own claims

def read_claims(path: str | os.PathLike[str], defaults: bool = False) -> "pl.DataFrame":
    """A claims file (``.csv``, ``.parquet``, ``.jsonl``/``.ndjson``, ``.json``) read through the claim
    contract: dates parsed, types cast, every column present (docs/evaluate.md). A file that
    breaks it raises ClaimsFileError (a ContractError) whose ``.problems`` list every bad
    row, field and value. Missing columns are an error unless ``defaults=True``, which fills
    them with the contract's defaults and names them in a warning (DefaultedColumns).

        >>> claims = skillsim.read_claims("claims.csv", defaults=True)
    """
    from skillsim.simulate.claims_file import read_claims as read
    with warnings.catch_warnings(record=True) as said:  # said again below, at the caller's line
        warnings.simplefilter("always")
        claims = read(path, defaults=defaults)
    for w in said:
        warnings.warn(w.message, stacklevel=2)
    return claims


def _claims_frame(claims: Claims) -> tuple["pl.DataFrame", bool]:
    """The claims as a frame, and whether it still needs the contract's checks."""
    import polars as pl
    if isinstance(claims, pl.DataFrame):
        return claims, True
    if isinstance(claims, (str, os.PathLike)):
        return read_claims(claims), False
    from skillsim.policies import claims_frame
    return claims_frame(claims), False


def evaluate(claims: Claims, policies: str | Sequence[str], overrides: Overrides | None = None,
             caps: bool = True) -> "pl.DataFrame":
    """Every claim under each of ``policies``: one row per claim and policy (the claim's
    columns, then ``policy_id``, ``status``, ``amount_cny``, … and ``rules``), as
    ``skillsim evaluate`` computes it. With ``caps`` (the default) each policy's caps between
    claims (per person, per year) apply across the whole set.

    ``claims``: a polars DataFrame of the contract, a list of claim dicts, or a path to a
    claims file (``read_claims``). ``overrides`` (a reform): ``{policy_id: {parameter: value}}``.

        >>> skillsim.evaluate("claims.csv", ["beijing-2026-key-groups", "shanghai-2025-skills-upgrade"])
    """
    from skillsim.simulate.evaluation import evaluate as run_all
    frame, unchecked = _claims_frame(claims)
    ids = [policies] if isinstance(policies, str) else list(policies)
    return run_all(frame, ids, overrides, caps=caps, validate=unchecked)


def summarise(results: "pl.DataFrame") -> "pl.DataFrame":
    """Per policy and status: claims, eligible claims and budget (yuan) of an ``evaluate``
    result, as ``skillsim evaluate`` prints them."""
    from skillsim.simulate.evaluation import summarise as by_status
    return by_status(results)


def flatten(results: "pl.DataFrame") -> "pl.DataFrame":
    """``evaluate``'s rows without nested columns (rule ids joined with ";", funding as
    columns, lists as text), so they write to CSV."""
    from skillsim.simulate.evaluation import flatten as flat
    return flat(results)


# ---------------------------------------------------------------- scenarios

def list_scenarios(baselines: bool = False) -> list[str]:
    """The names of the ready scenarios (``run`` takes any of them, or a TOML file's path): skillsim's
    own and those the installed plug-ins ship. ``baselines``: only the jurisdictions' baselines
    (``baseline = true``: what ``skillsim run`` runs with no scenario, and what the swap moves)."""
    from skillsim.simulate import scenario
    return scenario.baselines() if baselines else scenario.ready_scenarios()


def run(scenario: "str | os.PathLike[str] | Scenario", size: int | None = None,
        replications: int | None = None, seed: int | None = None) -> RunResult:
    """Run a scenario, as ``skillsim run`` does, without writing anything: a RunResult with
    ``.summary`` (the dict of summary.json), ``.breakdowns``, ``.claims``, and ``.write(dir)``.

    ``scenario``: a ready scenario's name, a TOML file's path, or a loaded Scenario.
    ``size`` (people in every population), ``replications`` and ``seed`` override the file's,
    and the summary's manifest records it. A bad scenario raises ScenarioError naming the key.

        >>> result = skillsim.run("beijing-2026-baseline", size=5000, replications=2)
        >>> result.summary["policies"]["beijing-2026-key-groups"]["budget_cny"]["mean"]
    """
    from skillsim.simulate import runner, scenario as scenarios
    scen = scenario if isinstance(scenario, scenarios.Scenario) else scenarios.load(os.fspath(scenario))
    changes = {k: v for k, v in (("size", size), ("replications", replications), ("seed", seed)) if v is not None}
    if changes:
        scen = scen.with_changes(by="skillsim.run", **changes)
    return RunResult.of(runner.run(scen))


def compare(a: "RunResult | str | os.PathLike[str] | Mapping[str, Any]",
            b: "RunResult | str | os.PathLike[str] | Mapping[str, Any]", *,
            allow_different_sizes: bool = False) -> "Comparison":
    """B against A, as ``skillsim compare`` shows it: a Comparison with ``.rows`` (a polars
    DataFrame: comparison, policy_id, population, metric, unit, a, b, difference and its 90 %
    interval, relative, paired), ``.notes`` and ``.paired`` (docs/compare.md). Each of ``a``
    and ``b`` is a RunResult, a run folder, or a loaded summary. Totals of runs whose target
    populations differ are not differenced unless ``allow_different_sizes``.

        >>> skillsim.compare(skillsim.run("swap", size=2000), "out/default/beijing-2026-baseline")
    """
    from skillsim.simulate.comparison import compare as comparison
    return comparison(*(x.summary if isinstance(x, RunResult) else x for x in (a, b)),
                      allow_different_sizes=allow_different_sizes)
