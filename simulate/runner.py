"""Run a scenario: draw each population, put it through its policies, apply the
population caps, and measure — once per replication.

Randomness: one ``SeedSequence(scenario.seed)`` spawns a child per replication and each
replication a child per population (and one for catalog assumptions), so adding a
population or a replication never changes the draws of the others, and the same seed
gives the same result bit for bit.

Uncertain assumptions (simulate/uncertainty.py): each replication first draws them, then
runs the point-valued scenario ``uncertainty.at`` makes of the draw. Replications come in
pairs sharing one draw (2k and 2k+1; an unpaired last one has its own), so the summary can
split each interval into assumptions and sampling. The draw's seed is a further child of
the pair's first replication, after the populations' and the catalog's (index: populations
+ 1): SeedSequence children are keyed by index, so every other draw is as it was, and a
point-valued scenario draws exactly what it drew before.

A population "under another city's rules" (the swap scenario) is the same people moved to
the policy's city and, by whole years, to when it governs (simulate/relocation.py).
"""
from __future__ import annotations

import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import polars as pl

from skillsim.policies import get_policy
from skillsim.policies.contract import SCHEMA, canonical_dtypes
from skillsim.policies.engine import collect
from skillsim.policies.parameters import NO_CLASSES, AssumedClasses

from . import interrupts, metrics
from .estimate import available_memory_bytes, check_fits, peak_memory_bytes
from .executor import Executor, InProcess, progress_bar
from .cohort_draw import CohortDraw, generate as generate_places
from .cohorts import CohortPopulation
from .population import Draw, generate, occupation_pool
from .relocation import move, relocate
from .scenario import Population, Scenario, ScenarioError
from .uncertainty import at, draw as draw_assumptions, pair_of

VARIANTS = ("baseline", "reform")


@dataclass
class RunResult:
    scenario: Scenario
    breakdowns: pl.DataFrame        # long format: replication, population, policy_id, variant, dimension, key, …
    totals: pl.DataFrame            # one row per replication × population × policy × variant
    claims: pl.DataFrame            # every claim × policy result of replication 0 (baseline and reform)
    classes: tuple[dict[str, AssumedClasses], ...] = ()   # per replication: policy -> drawn catalog classes
    defaulted: dict[str, tuple[str, ...]] = field(default_factory=dict)  # population -> claim fields left at defaults
    draws: tuple[dict[str, Any], ...] = ()  # per replication: uncertain key -> value drawn (none: point-valued)


def issue_window(pop: Population) -> tuple | None:
    """The population's issue dates (start, end), as its assumptions give them."""
    d = pop.a.get("issue_dates")
    return (d["start"], d["end"]) if d else None


def moved(claims: pl.DataFrame, pop: Population, pid: str) -> pl.DataFrame:
    """The population's claims as ``pid`` sees them: moved to its city and time (simulate/relocation.py)."""
    return move(claims, pop.city, issue_window(pop), pid)


def catalog_draw(scen: Scenario, pid: str, pop: Population, rng: np.random.Generator) -> AssumedClasses:
    """The scenario's catalog assumption (catalog_assumptions): a class drawn for each
    occupation or item of the population's pool that the policy's catalog (with the
    scenario's catalog_overrides) does not name; one draw per code and replication, so a
    code has one class in every chunk. Assumptions, not law: ``policy_params`` hands them to
    the policy apart from its parameters."""
    spec = scen.catalog_assumptions.get(pid)
    if spec is None:
        return NO_CLASSES
    policy = get_policy(pid)
    maps = policy.class_maps(policy.params(scen.parameters.get(pid)))
    codes, _, items = occupation_pool(pop)
    unknown_occ, unknown_items = sorted(set(codes) - set(maps.occupations)), sorted(set(items) - set(maps.items))
    classes = list(spec["shares"])
    p = np.array([spec["shares"][c] for c in classes])
    drawn = [classes[i] for i in rng.choice(len(classes), size=len(unknown_occ) + len(unknown_items), p=p / p.sum())]
    return AssumedClasses(dict(zip(unknown_occ, drawn)), dict(zip(unknown_items, drawn[len(unknown_occ):])))


def policy_params(scen: Scenario, pid: str, variant: str, drawn_classes: AssumedClasses | None = None):
    """Baseline: the policy's parameters with the scenario's [parameters]; reform: the same
    with [reform] on top; either with the replication's drawn catalog classes, which the
    policy takes after a claim's own catalog_class and its catalog (catalog_overrides too)."""
    policy = get_policy(pid)
    changes = dict(scen.parameters.get(pid, {}))
    if variant == "reform":
        changes.update(scen.reform.get(pid, {}))
    return policy.params(changes).assume_classes(drawn_classes)


def run_policy(claims: pl.DataFrame, pid: str, params, detail: str = "amounts") -> pl.DataFrame:
    """Every claim through one policy, then its population caps; validated claims only."""
    policy = get_policy(pid)
    results = policy.evaluate(claims, params, detail=detail, validate=False)
    return collect(policy.population_caps(results, params))


def by_people(claims: pl.DataFrame, parts: int = 2) -> list[pl.DataFrame]:
    """The claims cut in ``parts`` frames, all of one person's claims in one of them. The
    caps are per person, so a policy gives the same results on the parts as on the whole."""
    part = claims["person_id"].hash(seed=0) % parts
    return [claims.filter(part == i) for i in range(parts)]


def run_policy_on_parts(parts: list[pl.DataFrame], pid: str, params, detail: str = "amounts") -> pl.DataFrame:
    """``run_policy`` on each part of ``by_people`` at once (one thread each), results
    together: ~25 % faster than one frame for a half-million claims, as the many small
    steps of the caps leave polars' threads idle."""
    if get_policy(pid).cap_groups:  # caps across people (per enterprise, …): the parts are one population
        return run_policy(pl.concat(parts, how="vertical_relaxed"), pid, params, detail)  # caps.order: any row order
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        done = list(pool.map(lambda part: run_policy(part, pid, params, detail), parts))
    return pl.concat(done, how="vertical_relaxed", rechunk=False)


def _steps(scen: Scenario) -> list[tuple[int, Population, str, str]]:
    return [(r, pop, pid, v) for r in range(scen.replications) for pop in scen.populations
            for pid in pop.policies for v in VARIANTS if v == "baseline" or pid in scen.reform]


CHUNK_PEOPLE = 2_000_000  # at most this many people a chunk (~550k claims): bounds memory


def chunks(pop: Population) -> list[tuple[Population, int]]:
    """The population in equal chunks of at most CHUNK_PEOPLE, each with its first person
    number. Caps are per person, so chunks are independent; the split depends only on the
    size (so does the result). Chunks are not made smaller to keep both cores busy: polars
    already uses both within a chunk, and a smaller chunk costs more per claim."""
    if isinstance(pop, CohortPopulation):
        return [(pop, 0)]  # training places by cohort: drawn whole
    count = max(1, -(-pop.size // CHUNK_PEOPLE))
    per = -(-pop.size // count)
    out, first = [], 0
    while first < pop.size:
        n = min(per, pop.size - first)
        out.append((pop.resized(n), first))
        first += n
    return out


WORKERS = 2


def _draw_chunk(part: Population, first: int, seed: np.random.SeedSequence) -> tuple[Draw | CohortDraw, pl.DataFrame]:
    """One chunk's draw and its claims (validated as drawn: ``draw.defaulted`` names the
    contract fields the draw leaves at their defaults)."""
    rng = np.random.default_rng(seed)
    draw = (generate_places(part, rng) if isinstance(part, CohortPopulation)
            else generate(part, rng, first_person=first))
    return draw, draw.claims


def _run_chunk(scen: Scenario, pop: Population, part: Population, first: int, seed: np.random.SeedSequence,
               classes: dict[str, AssumedClasses], detail: str, keep: bool,
               cancelled: threading.Event | None = None) -> tuple[tuple[str, ...], list[tuple]]:
    """One chunk of one population through its policies: the fields its draw defaulted, and
    [((pid, variant), totals, breakdowns, claims|None)].
    Stops between policies once ``cancelled`` is set (the run failed or was interrupted)."""
    draw, claims = _draw_chunk(part, first, seed)
    out = []
    for pid in pop.policies:
        local = moved(claims, pop, pid)
        for variant in VARIANTS:
            if variant == "reform" and pid not in scen.reform:
                continue
            if cancelled is not None and cancelled.is_set():
                raise CancelledError
            res = run_policy(local, pid, policy_params(scen, pid, variant, classes[pid]), detail)
            bd = metrics.breakdowns(res)
            if isinstance(draw, CohortDraw):  # agency and line beside the claims (BJSA-K1)
                res = draw.tag(res)
                bd = pl.concat([bd, draw.breakdowns(res)])
            out.append(((pid, variant), metrics.totals(res, part.size, draw.holders), bd, res if keep else None))
    return draw.defaulted, out


def _replication(scen: Scenario, rep_seed: np.random.SeedSequence, pieces: list[list[tuple[Population, int]]]):
    """One replication's jobs [(population, chunk, first person, seed)] and its drawn catalog
    classes {policy: {code: class}}: the seeds of ``run`` and ``draw`` come from here alone."""
    pop_seeds = rep_seed.spawn(len(scen.populations) + 1)
    cat_rng = np.random.default_rng(pop_seeds[-1])
    classes = {pid: catalog_draw(scen, pid, pop, cat_rng) for pop in scen.populations for pid in pop.policies}
    jobs = [(pop, part, first, chunk_seed) for pop, seed, parts in zip(scen.populations, pop_seeds, pieces)
            for (part, first), chunk_seed in zip(parts, seed.spawn(len(parts)))]
    return jobs, classes


def assumption_seed(scen: Scenario, replication: int) -> np.random.SeedSequence:
    """The seed of ``replication``'s draw of the uncertain assumptions: the child after the
    populations' and the catalog's of its pair's first replication (shared by the pair)."""
    return np.random.SeedSequence(scen.seed, spawn_key=(pair_of(replication), len(scen.populations) + 1))


def fixed(scen: Scenario, replication: int) -> tuple[Scenario, dict[str, Any]]:
    """The point-valued scenario ``replication`` runs and the values it drew: the scenario
    itself and {} where nothing is uncertain."""
    if not scen.is_uncertain:
        return scen, {}
    values = draw_assumptions(scen, np.random.default_rng(assumption_seed(scen, replication)))
    return at(scen, values, by=f"replication {replication}'s draw"), values


def widest(scen: Scenario) -> Scenario:
    """The scenario with every uncertain number at its high end: the most people and claims
    its ranges allow (what must fit in memory)."""
    return at(scen, {s.key: s.high for s in scen.uncertain if s.kind != "dirichlet"}, by="the memory check")


@dataclass(frozen=True)
class Drawn:
    """One population of one replication, as ``run`` draws it."""
    claims: pl.DataFrame                    # validated, in the population's own city
    holders: int                            # certificate holders (coverage's second denominator)
    classes: dict[str, AssumedClasses]      # policy -> drawn catalog classes (catalog_assumptions)
    defaulted: tuple[str, ...] = ()         # claim fields the draw left at the contract's defaults


def draw(scen: Scenario, pop: Population | str, replication: int = 0) -> Drawn:
    """The claims of population ``pop`` (or its name) in ``replication`` of ``run(scen)``:
    the same seeds, chunks and catalog classes, so a policy run on them (``run_policy``
    with ``policy_params``) gives that replication's result (the dashboard's Reform page
    re-runs them)."""
    if not 0 <= replication < scen.replications:
        raise ValueError(f"replication {replication}: the scenario has {scen.replications}")
    rep_seed = np.random.SeedSequence(scen.seed).spawn(replication + 1)[replication]
    scen, _ = fixed(scen, replication)
    jobs, classes = _replication(scen, rep_seed, [chunks(p) for p in scen.populations])
    name = pop if isinstance(pop, str) else pop.name
    mine = [job for job in jobs if job[0].name == name]
    if not mine:
        raise ValueError(f"population {name!r} is not in scenario {scen.name!r}")
    drawn = [_draw_chunk(part, first, seed) for _, part, first, seed in mine]
    return Drawn(pl.concat([claims for _, claims in drawn]), sum(d.holders for d, _ in drawn),
                 {pid: classes[pid] for pid in mine[0][0].policies},
                 tuple(dict.fromkeys(f for d, _ in drawn for f in d.defaulted)))


@dataclass(frozen=True)
class Replicated:
    """One replication's share of a run (what ``replicate`` returns to ``run``)."""
    totals: list[dict[str, Any]]            # a row per population × policy × variant
    breakdowns: list[pl.DataFrame]          # a frame per population × policy × variant
    claims: list[pl.DataFrame]              # the kept claim results (replication 0 only)
    classes: dict[str, AssumedClasses]      # policy -> drawn catalog classes
    defaulted: dict[str, tuple[str, ...]]   # population -> claim fields left at defaults
    draw: dict[str, Any]                    # uncertain key -> value drawn (none: point-valued)


def replicate(task: tuple[Scenario, int, bool]) -> Replicated:
    """Replication ``r`` of ``scen`` (``keep_claims``: keep replication 0's claim results):
    a pure function of its task, so every executor gives the same result. Its seeds come from
    ``SeedSequence(scen.seed).spawn(replications)[r]`` (the same child as ``spawn_key=(r,)``)
    and its draw of the uncertain assumptions from ``assumption_seed(scen, r)``: the task's
    index alone, never the order replications run in."""
    scen, r, keep_claims = task
    rep_seed = np.random.SeedSequence(scen.seed, spawn_key=(r,))
    rs, values = fixed(scen, r)  # the replication's point-valued scenario (a size drawn: its own chunks)
    jobs, classes = _replication(rs, rep_seed, [chunks(pop) for pop in rs.populations])
    keep = r == 0 and keep_claims
    detail = "rules" if keep else "amounts"
    # Chunks are independent (own seed, own people): two at a time, as a chunk alternates numpy
    # draws with polars queries. Results are gathered in job order, so the outcome is the same
    # as one at a time.
    interrupts.checkpoint()
    cancelled = threading.Event()
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        outcomes = list(pool.map(lambda job: _run_chunk(rs, *job, classes, detail, keep, cancelled), jobs))
    except BaseException:
        cancelled.set()  # do not wait for the chunks of a run that has failed
        raise
    finally:
        pool.shutdown(wait=not cancelled.is_set(), cancel_futures=True)
    interrupts.checkpoint()
    totals, parts, kept, defaulted = [], [], [], {}
    for pop in rs.populations:
        acc: dict[tuple[str, str], list] = {}
        for (job_pop, *_), (fields, outcome) in zip(jobs, outcomes):
            if job_pop is not pop:
                continue
            defaulted[pop.name] = tuple(dict.fromkeys(defaulted.get(pop.name, ()) + fields))
            for key, tot, bd, res in outcome:
                acc.setdefault(key, []).append((tot, bd))
                if res is not None:  # as claims.parquet documents them: the claim columns as text
                    kept.append(canonical_dtypes(res).with_columns(pl.lit(pop.name).alias("population"),
                                                 pl.lit(key[1]).alias("variant")))
        for (pid, variant), got in acc.items():
            tags = dict(replication=r, population=pop.name, policy_id=pid, variant=variant)
            totals.append({**tags, **metrics.add_totals([t for t, _ in got])})
            parts.append(metrics.add_breakdowns([b for _, b in got]).with_columns(
                pl.lit(r, pl.Int32).alias("replication"), pl.lit(pop.name).alias("population"),
                pl.lit(pid).alias("policy_id"), pl.lit(variant).alias("variant")))
    return Replicated(totals, parts, kept, classes, defaulted, values)


def combine(scen: Scenario, reps: list[Replicated]) -> RunResult:
    """The run's result from its replications, in replication order."""
    defaulted: dict[str, tuple[str, ...]] = {}
    for rep in reps:
        for name, fields in rep.defaulted.items():
            defaulted[name] = tuple(dict.fromkeys(defaulted.get(name, ()) + fields))
    breakdowns = pl.concat([b for rep in reps for b in rep.breakdowns], how="vertical_relaxed").select(
        "replication", "population", "policy_id", "variant", "dimension", "key",
        "claims", "eligible_claims", "budget_cny")
    kept = [c for rep in reps for c in rep.claims]
    claims_out = pl.concat(kept, how="diagonal_relaxed") if kept else pl.DataFrame()
    return RunResult(scen, breakdowns, pl.DataFrame([t for rep in reps for t in rep.totals]), claims_out,
                     tuple(rep.classes for rep in reps), defaulted,
                     tuple(rep.draw for rep in reps) if scen.is_uncertain else ())


def check(scen: Scenario, keep_claims: bool = True, workers: int = 1) -> None:
    """What ``run`` refuses before it draws anything: a run that cannot fit in memory (with
    ``workers`` replications at once on this machine), or a policy whose amounts the
    scenario must supply (BJPT-2)."""
    widest_scen = widest(scen) if scen.is_uncertain else scen
    check_fits(widest_scen, keep_claims)
    at_once = min(workers, scen.replications)
    if at_once > 1:
        need, have = peak_memory_bytes(widest_scen, keep_claims) * at_once, available_memory_bytes()
        if have is not None and need > have:
            raise ScenarioError("size", f"{at_once} replications at once (--workers {workers}) need an estimated "
                                        f"{need / 2**30:.1f} GiB of memory at their peak, more than the "
                                        f"{have / 2**30:.1f} GiB available: fewer --workers, or a smaller --size")
    for pid, variant in sorted({(pid, v) for _, _, pid, v in _steps(scen)}):
        get_policy(pid).evaluate(pl.DataFrame(schema=SCHEMA), policy_params(scen, pid, variant), validate=False)


def run(scen: Scenario, progress: Callable[[int, int], None] | None = None,
        keep_claims: bool = True, stop: Callable[[], None] | None = None,
        executor: Executor | None = None) -> RunResult:
    """Run every replication, each a task of ``executor`` (default: one after another in this
    process): the same result bit for bit on any executor. ``progress(done, total)`` is
    called as replications finish. ``stop()`` is called before and after them and may raise
    to end the run (an interrupt; a signal also ends the executor's map: queued work is
    cancelled, running chunks end at their next policy, worker processes are ended)."""
    stop = stop or (lambda: None)
    ex = executor or InProcess()
    check(scen, keep_claims, ex.workers if ex.engine == "local" else 1)  # refused before it draws anything
    stop()

    def finished(done: int, total: int) -> None:  # in this process, as each replication comes back
        stop()
        if progress is not None:
            progress(done, total)

    reps = ex.map(replicate, [(scen, r, keep_claims) for r in range(scen.replications)], progress=finished)
    return combine(scen, reps)


def total_steps(scen: Scenario) -> int:
    """The tasks of ``run``: one a replication."""
    return scen.replications


def with_progress(scen: Scenario, show: bool | None = None, stop: Callable[[], None] | None = None,
                  executor: Executor | None = None, keep_claims: bool = True) -> RunResult:
    """``run`` with a rich progress bar on stderr (shown when stderr is a terminal):
    replications done, rate and time left."""
    with progress_bar(f"{scen.name}: replications", total_steps(scen), show) as bar:
        return run(scen, bar, keep_claims=keep_claims, stop=stop, executor=executor)


__all__ = ["run", "replicate", "combine", "Replicated", "check", "run_policy", "run_policy_on_parts", "by_people", "draw", "Drawn", "with_progress", "relocate",
           "moved", "issue_window", "chunks", "RunResult", "total_steps", "fixed", "assumption_seed"]
