"""How much memory a run of a scenario takes at its peak, and refusing one that cannot fit.

A run (simulate/runner.py) draws each population in chunks of at most CHUNK_PEOPLE people,
WORKERS chunks at a time; a chunk holds its claims and every policy's results on them
while it runs, and replication 0 keeps every result row for claims.parquet until the end
(joined into one frame whose columns are every policy's, hence the factor of policies).

The constants are measured: peak RSS (``/usr/bin/time -f %M``) of ``skillsim run NAME
--size N --replications 1`` on this machine (2 cores, polars 1.x):

    beijing-2026-baseline   500,000 people   ~395 MiB     (138k claims, 1 policy)
    beijing-2026-baseline 2,000,000          ~885 MiB     (552k)
    beijing-2026-baseline 4,000,000        ~1,410 MiB     (2 chunks in flight)
    beijing-2026-baseline 8,000,000        ~1,805 MiB     (2 in flight, 2.2M rows kept)
    shanghai-2025-baseline 2,000,000         ~940 MiB
    swap 2 × 1,000,000 (2 policies each)   ~1,890 MiB
    beijing-2019-task-table 623,000 places   ~655 MiB

BASE + CLAIM × claims in flight × policies + KEPT × rows kept × distinct policies, times
MARGIN, is above every point (by 5–80 %): refusing a run that would fit is better than a
machine that swaps.
"""
from __future__ import annotations

import os

from .cohorts import CohortPopulation
from .scenario import Scenario, ScenarioError

MIB = 2**20
BASE_BYTES = 370 * MIB    # the interpreter, polars, numpy, the policies' tables
CLAIM_BYTES = 600         # a claim of a chunk in flight, per policy it is run through
KEPT_BYTES = 370          # a result row kept for claims.parquet, per distinct policy of the scenario
MARGIN = 1.15


def claims_per_person(pop) -> float:
    """Expected claims a person (holders × certificates × applications); one a training place."""
    if isinstance(pop, CohortPopulation):
        return 1.0
    a = pop.a
    return a["certificate_take_up"]["value"] * (1 + a["extra_certificates"]["value"]) * a["application_take_up"]["value"]


def _chunks(pop, chunk_people: int) -> list[float]:
    """People (or places) of each chunk, as runner.chunks cuts them."""
    if isinstance(pop, CohortPopulation):
        return [pop.places]  # drawn whole
    count = max(1, -(-pop.size // chunk_people))
    per = -(-pop.size // count)
    return [min(per, pop.size - i * per) for i in range(count)]


def peak_memory_bytes(scen: Scenario, keep_claims: bool = True) -> int:
    """An upper estimate of the run's peak memory (bytes)."""
    from .runner import CHUNK_PEOPLE, WORKERS  # the runner imports the scenario module: read at call time
    in_flight, kept = [], 0.0
    for pop in scen.populations:
        runs = sum(2 if pid in scen.reform else 1 for pid in pop.policies)  # baseline (+ reform)
        per = claims_per_person(pop)
        for people in _chunks(pop, CHUNK_PEOPLE):
            in_flight.append(people * per * runs)
            kept += people * per * runs
    rows = sum(sorted(in_flight, reverse=True)[:WORKERS])
    total = BASE_BYTES + CLAIM_BYTES * rows + (KEPT_BYTES * kept * len(scen.policy_ids) if keep_claims else 0)
    return int(total * MARGIN)


def available_memory_bytes() -> int | None:
    """Memory the machine can give without swapping: MemAvailable of /proc/meminfo, else
    the free physical pages; None when neither can be read (then nothing is refused)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(scen: Scenario, keep_claims: bool = True) -> None:
    """ScenarioError (key "size") when the run's estimated peak exceeds the available memory."""
    need, have = peak_memory_bytes(scen, keep_claims), available_memory_bytes()
    if have is not None and need > have:
        raise ScenarioError("size", f"the run needs an estimated {need / 2**30:.1f} GiB of memory at its peak, "
                                    f"more than the {have / 2**30:.1f} GiB available: lower the populations' "
                                    "size (--size) or their number")
