"""What ``skillsim sensitivity`` costs: a Morris analysis of 10 uncertain assumptions on a
population of 100,000 people (Shanghai's 2025 notice, the baseline's assumptions with ranges).

    python benchmarks/bench_sensitivity.py                 # 10 trajectories, median of 3
    python benchmarks/bench_sensitivity.py --samples 20 --repeat 1 --method sobol

Each repeat is the whole analysis as the command runs it (``sensitivity.analyse``: the
central run, the tornado's 2k runs and the sampler's points, each a run of at most 100,000
people, one replication, one seed), after a small warm-up analysis whose time (first-use
imports, catalogs) is printed apart. Prints the runs, the median seconds of the whole and
of one run, and the budget's tornado, so the figures can be read beside the cost. Not a
timed test: the machine is small and noisy, so read the medians.
"""
from __future__ import annotations

import argparse
import statistics
import time

SIZE = 100_000
SCENARIO = """
[scenario]
name = "bench-sensitivity"
description = "Shanghai's 2025 skills-upgrade notice with ten uncertain assumptions (benchmark)"
seed = 2025

[[populations]]
name = "shanghai"
city = "shanghai"
policies = ["shanghai-2025-skills-upgrade"]
size = { low = 90000, high = 110000, source = "benchmark range around 100,000 people" }
hukou = { shares = { own = 0.55, beijing = 0.02, other = 0.43 }, concentration = 200, source = "benchmark" }
employment = { shares = { employed = 0.45, flexible = 0.15, unemployed = 0.2, student = 0.1, other = 0.1 }, concentration = 100, source = "benchmark" }
certificate_take_up = { low = 0.15, high = 0.45, source = "benchmark range" }
extra_certificates = { low = 0.05, high = 0.3, source = "benchmark range" }
qualification_ungraded = { low = 0.1, high = 0.5, source = "benchmark range" }
issuer_in_city = { low = 0.85, high = 1.0, source = "benchmark range" }
application_take_up = { low = 0.5, mode = 0.8, high = 0.95, source = "benchmark range" }
employed_in_matching_post = { low = 0.3, high = 0.7, source = "benchmark range" }
other_subsidy_same_cert = { low = 0.0, high = 0.05, source = "benchmark range" }
prior_subsidy_months_before = { low = 6, high = 24, source = "benchmark range" }
issue_dates = { start = 2025-05-01, end = 2026-04-30, source = "SHSU-V1: the first year of the notice" }
occupations = { catalogs = ["shanghai-2025-skills-upgrade"], outside_share = 0.6, outside_count = 60, source = "benchmark" }
special_ability_items = { catalogs = ["shanghai-2025-skills-upgrade"], outside_share = 0.5, outside_count = 10, source = "benchmark" }
prior_subsidies = { policies = { "shanghai-2025-skills-upgrade" = 0.03 }, source = "benchmark" }

[parameters.shanghai-2025-skills-upgrade]
payment_delay_months = { low = 1, high = 6, source = "benchmark range" }

[catalog_assumptions.shanghai-2025-skills-upgrade]
unknown_class_shares = { shares = { A = 0.15, B = 0.45, C = 0.4 }, concentration = 50, source = "benchmark" }
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", choices=["morris", "sobol"], default="morris")
    ap.add_argument("--samples", type=int, help="trajectories (Morris, default 10) or base points (Sobol, default 64)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import polars as pl

    from skillsim.simulate import scenario, sensitivity

    scen = scenario.loads(SCENARIO)
    w0 = time.perf_counter()
    sensitivity.analyse(sensitivity.make_plan(scen, args.method, 2, size=2_000))
    warm_up = time.perf_counter() - w0

    plan = sensitivity.make_plan(scen, args.method, args.samples, size=SIZE)
    totals, per_run, res = [], [], None
    for _ in range(args.repeat):
        stamps = [time.perf_counter()]
        res = sensitivity.analyse(plan, progress=lambda done, label: stamps.append(time.perf_counter()))
        totals.append(stamps[-1] - stamps[0])
        per_run += [b - a for a, b in zip(stamps, stamps[1:])]
    runs = plan.runs
    print(f"{len(plan.factors)} uncertain assumptions varied, "
          f"a population of {SIZE:,} people, {args.method} with {plan.samples} "
          f"{'trajectories' if args.method == 'morris' else 'base points'}")
    print(f"runs: {sum(runs.values())} ({', '.join(f'{k} {v}' for k, v in runs.items())})")
    print(f"warm-up (a 2,000-person analysis): {warm_up:.1f} s")
    print(f"whole analysis: median {statistics.median(totals):.1f} s of {args.repeat} "
          f"({', '.join(f'{t:.1f}' for t in totals)})")
    print(f"one run: median {statistics.median(per_run):.3f} s (min {min(per_run):.3f}, max {max(per_run):.3f})")
    by = sensitivity.RANKED_BY[args.method]
    top = (res.tornado.filter(pl.col("figure") == "budget_cny")
           .join(res.indices.select("assumption", "figure", by), on=["assumption", "figure"])
           .sort("rank").select("rank", "assumption", "low", "high",
                                pl.col("at_low", "at_high", "swing").round().cast(pl.Int64), pl.col(by).round(3)))
    print("the budget (yuan), by tornado swing:")
    with pl.Config(tbl_rows=20, fmt_str_lengths=60, tbl_width_chars=200, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True):
        print(top)


if __name__ == "__main__":
    main()
