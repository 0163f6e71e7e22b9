"""Speed and memory of the main job: N claims generated, run through both headline
policies (with their population caps) and aggregated into totals and breakdowns.

    python benchmarks/bench_simulate.py            # 1M claims (median of 5) and 10M (median of 3)
    python benchmarks/bench_simulate.py --claims 1000000 --repeat 3

Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own. Prints
claims per second, the split by stage, and the ratio to a bare polars pass over the same
frame (one when/then per row, summed). Not a timed test: the machine is small and noisy,
so read the medians and the ratio.
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
    import numpy as np
    import polars as pl

    from simulate import metrics, runner, scenario
    from policies.contract import validate_frame
    from simulate.population import Draw, generate

    scen = {name: scenario.load(name) for name in ("beijing-2026-baseline", "shanghai-2025-baseline")}
    size = int(n_claims / CLAIMS_PER_PERSON / 2)
    t0 = time.perf_counter()
    draws = []
    for s in scen.values():
        pop = s.with_changes(size=size).populations[0]
        draw = generate(pop, np.random.default_rng(seed))
        draws.append((s, pop, Draw(validate_frame(draw.claims), draw.holders)))  # as the runner does
    t1 = time.perf_counter()
    results = []
    for s, pop, draw in draws:
        pid = pop.policies[0]
        classes = runner.catalog_draw(s, pid, draw.claims, np.random.default_rng(seed))
        results.append((pop, draw, runner.run_policy(draw.claims, pid, runner.policy_params(s, pid, "baseline", classes))))
    t2 = time.perf_counter()
    for pop, draw, res in results:
        metrics.totals(res, pop.size, draw.holders)
        metrics.breakdowns(res)
    t3 = time.perf_counter()
    frame = pl.concat([d.claims for _, _, d in draws], how="vertical_relaxed")
    b0 = time.perf_counter()
    frame.select(pl.when(pl.col("cert_level") <= 3).then(2000).otherwise(1000).sum())
    b1 = time.perf_counter()
    claims = sum(d.claims.height for _, _, d in draws)
    return {"claims": claims, "generate_s": t1 - t0, "policies_s": t2 - t1, "aggregate_s": t3 - t2,
            "total_s": t3 - t0, "bare_polars_s": b1 - b0,
            "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


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
    print(f"{'claims':>11} {'generate':>9} {'policies':>9} {'aggregate':>9} {'total':>8} {'claims/s':>11} "
          f"{'bare pass':>9} {'ratio':>6} {'peak RSS':>9}")
    for n in sizes:
        m = measure(n, args.repeat or (5 if n <= 2_000_000 else 3))
        print(f"{m['claims']:>11,.0f} {m['generate_s']:>8.2f}s {m['policies_s']:>8.2f}s {m['aggregate_s']:>8.2f}s "
              f"{m['total_s']:>7.2f}s {m['claims_per_s']:>11,.0f} {m['bare_polars_s']:>8.3f}s "
              f"{m['ratio_to_bare_polars']:>6.0f} {m['peak_rss_gib']:>8.2f}G", flush=True)


if __name__ == "__main__":
    main()
