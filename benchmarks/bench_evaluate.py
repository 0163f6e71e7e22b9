"""Speed of `skillsim evaluate`'s job: a claims CSV read through the contract, evaluated
under both headline policies with their population caps, written as parquet.

    python benchmarks/bench_evaluate.py                    # 1,000,000 rows, median of 3
    python benchmarks/bench_evaluate.py --claims 200000 --repeat 5

The CSV is drawn once by the simulator's population generator (Beijing's and Shanghai's
baselines, half the rows each, prior subsidies in their JSON cells) and written before any
timing. Each repeat times ``load_claims`` (read), ``evaluate`` under
beijing-2026-key-groups and shanghai-2025-skills-upgrade with caps (evaluate) and
``write_parquet`` of the results (write); the median of each and of the total is printed,
with the machine's load average (other work on the machine slows every figure), and the CPU
seconds of each step, which other work does not inflate. Not a timed test.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

POLICIES = ("beijing-2026-key-groups", "shanghai-2025-skills-upgrade")
CLAIMS_PER_PERSON = 0.277  # drawn claims per person of the baselines (take-up × certificates × applying)


def draw_csv(n_claims: int, path: Path) -> int:
    """About n_claims claims of both baselines, as a claims CSV; returns the rows written."""
    import polars as pl

    from skillsim.policies.contract import SCHEMA, validate_frame
    from skillsim.simulate import runner, scenario
    from skillsim.simulate.evaluation import flatten

    frames = []
    for name in ("beijing-2026-baseline", "shanghai-2025-baseline"):
        scen = scenario.load(name).with_changes(by="bench", size=int(n_claims / 2 / CLAIMS_PER_PERSON), replications=1)
        frames.append(runner.draw(scen, scen.populations[0].name).claims)
    claims = validate_frame(pl.concat(frames, how="vertical_relaxed")).head(n_claims)
    flatten(claims.with_columns(pl.col(n).cast(t) for n, t in SCHEMA.items())).write_csv(path)
    return claims.height


def one_repeat(src: Path, out: Path) -> dict[str, float]:
    from skillsim.simulate.claims_file import load_claims
    from skillsim.simulate.evaluation import evaluate

    wall, cpu = [time.perf_counter()], [time.process_time()]
    got = load_claims(src)
    wall.append(time.perf_counter()), cpu.append(time.process_time())
    results = evaluate(got.claims, POLICIES, rows=got.rows, validate=False)
    wall.append(time.perf_counter()), cpu.append(time.process_time())
    results.write_parquet(out)
    wall.append(time.perf_counter()), cpu.append(time.process_time())
    steps = ("read", "evaluate", "write")
    return {**{s: wall[i + 1] - wall[i] for i, s in enumerate(steps)}, "total": wall[-1] - wall[0],
            **{f"{s}_cpu": cpu[i + 1] - cpu[i] for i, s in enumerate(steps)}, "total_cpu": cpu[-1] - cpu[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "claims.csv", Path(tmp) / "results.parquet"
        rows = draw_csv(args.claims, src)
        print(f"{rows:,} claims, CSV of {src.stat().st_size / 1e6:,.0f} MB; {os.cpu_count()} cores; "
              f"load average before {os.getloadavg()[0]:.1f}")
        one_repeat(src, out)  # warm-up: first-use imports, catalogs
        runs = [one_repeat(src, out) for _ in range(args.repeat)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"median of {args.repeat}: total {med['total']:.2f} s = read {med['read']:.2f} + evaluate "
          f"{med['evaluate']:.2f} + write {med['write']:.2f} ({rows / med['total']:,.0f} claims/s; "
          f"load average after {os.getloadavg()[0]:.1f})")
    print(f"CPU seconds (both cores together; wall time on an idle machine lies between this and half of it): "
          f"total {med['total_cpu']:.2f} = read {med['read_cpu']:.2f} + evaluate {med['evaluate_cpu']:.2f} + "
          f"write {med['write_cpu']:.2f}")
    print("each (wall): " + "; ".join(f"{r['total']:.2f}" for r in runs))


if __name__ == "__main__":
    main()
