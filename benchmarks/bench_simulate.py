"""Speed and memory of the main job: N claims generated, run through both headline
policies (with their population caps) and aggregated into totals and breakdowns.

    python benchmarks/bench_simulate.py            # 1M claims (median of 5) and 10M (median of 3)
    python benchmarks/bench_simulate.py --claims 1000000 --repeat 3

The run is ``skillsim.simulate.runner.run`` on beijing-2026-baseline + shanghai-2025-baseline
resized to N claims, one replication, without keeping the claims (claims.parquet).

Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own, after a
small warm-up run whose time (one-off first-use imports and catalog loading) is printed
apart. Prints claims per second and the ratio to a bare polars pass over the same frame
(one when/then per row, summed). Not a timed test: the machine is small and noisy, so
read the medians and the ratio.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

CLAIMS_PER_PERSON = 0.3 * 1.15 * 0.8  # take-up × (1 + extra certificates) × applying (population_defaults)


def one_run(n_claims: int, seed: int) -> dict[str, float]:
    """The main job (``runner.run``: both baselines, chunked, caps, metrics), then the
    bare polars pass over a frame of the same size."""
    import dataclasses

    import numpy as np
    import polars as pl

    from skillsim.policies.contract import validate_frame
    from skillsim.simulate import runner, scenario
    from skillsim.simulate.population import generate

    bj, sh = (scenario.load(n) for n in ("beijing-2026-baseline", "shanghai-2025-baseline"))
    both = dataclasses.replace(bj, name="bench", seed=seed, replications=1, populations=bj.populations + sh.populations,
                               parameters={**bj.parameters, **sh.parameters},
                               catalog_assumptions={**bj.catalog_assumptions, **sh.catalog_assumptions})
    # A small run first: first-use imports (numpy.random, pyarrow.compute, compiled from
    # source where PYTHONDONTWRITEBYTECODE is set) and catalog loading happen once per
    # process, whatever N; the figure is printed apart as "warm-up".
    w0 = time.perf_counter()
    runner.run(both.with_changes(size=10_000), keep_claims=False)
    warm_up = time.perf_counter() - w0
    both = both.with_changes(size=int(n_claims / CLAIMS_PER_PERSON / 2))
    t0 = time.perf_counter()
    res = runner.run(both, keep_claims=False)
    t1 = time.perf_counter()
    claims = int(res.totals["claims"].sum()) // 1  # each population runs one policy
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    frame = pl.concat([validate_frame(generate(p, np.random.default_rng(seed)).claims) for p in
                       both.with_changes(size=min(both.populations[0].size, runner.CHUNK_PEOPLE)).populations])
    reps = max(1, claims // frame.height)
    b0 = time.perf_counter()
    for _ in range(reps):  # the bare pass over as many rows as the run had
        frame.select(pl.when(pl.col("cert_level") <= 3).then(2000).otherwise(1000).sum())
    b1 = time.perf_counter()
    return {"claims": claims, "total_s": t1 - t0, "bare_polars_s": b1 - b0, "peak_rss_gib": rss,
            "warm_up_s": warm_up}


def measure(n_claims: int, repeat: int) -> dict[str, float]:
    runs = []
    for i in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--one", str(n_claims), "--seed", str(i + 1)],
                             check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    med["claims_per_s"] = med["claims"] / med["total_s"]
    med["ratio_to_bare_polars"] = med["total_s"] / med["bare_polars_s"]
    return med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, action="append", help="claims per run (repeatable)")
    ap.add_argument("--repeat", type=int, help="runs per size (median reported)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.seed)))
        return
    sizes = args.claims or [1_000_000, 10_000_000]
    print(f"{'claims':>11} {'total':>8} {'claims/s':>11} {'bare pass':>9} {'ratio':>6} {'peak RSS':>9} {'warm-up':>8}")
    for n in sizes:
        m = measure(n, args.repeat or (5 if n <= 2_000_000 else 3))
        print(f"{m['claims']:>11,.0f} {m['total_s']:>7.2f}s {m['claims_per_s']:>11,.0f} {m['bare_polars_s']:>8.3f}s "
              f"{m['ratio_to_bare_polars']:>6.0f} {m['peak_rss_gib']:>8.2f}G {m['warm_up_s']:>7.2f}s", flush=True)


if __name__ == "__main__":
    main()
