"""Calculation speed of the headline calculators (issue 17): claims already in memory, every claim
through beijing-2026-key-groups and shanghai-2025-skills-upgrade with
``evaluate(..., detail="amounts", validate=False)`` collected, the same with ``detail="rules"``, and
beside them a lean polars pass of comparable work on the same number of rows (enum and integer
columns, one join to a ~170-row catalog, 40 boolean checks, the first failed check and an amount,
results only), with each policy's ratio to it.

    python benchmarks/bench_calc.py                          # 1,000,000 claims, median of 5
    python benchmarks/bench_calc.py --claims 10000000 --repeat 5
    python benchmarks/bench_calc.py --against HEAD~3         # an earlier commit beside this checkout
    python benchmarks/bench_calc.py --against HEAD~3 --against-parquet OLD.parquet  # each on its own draw

The claims are drawn once by the simulator (Beijing's and Shanghai's baselines, half the rows each,
validated) and kept as parquet (``--parquet FILE``, default /tmp/skillsim-bench-calc-<N>.parquet),
so later runs time the same claims. Each measurement is a fresh process that reads the parquet,
warms the policies up on a thousand claims, then times its step (wall seconds) and reports its
CPU seconds (user + system, both cores: less moved by other work on the machine than wall time)
and peak memory (max RSS, claims included): ``amounts`` (both policies, one after the other),
``rules`` (the same with detail="rules") and ``lean``. Rounds alternate the steps and, with
``--against REF``, the two code bases (REF exported from git into a temporary folder, laid out as
installed), so a noisy machine slows both alike; medians over the rounds are printed, and ratios.
Not a timed test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_evaluate import export  # noqa: E402  (git ref -> a folder holding the skillsim package)

POLICIES = ("beijing-2026-key-groups", "shanghai-2025-skills-upgrade")
STEPS = ("amounts", "rules", "lean")
PILOT_PEOPLE = 20_000
GOALS = {"amounts_1m": 0.25, "amounts_10m": 2.5, "peak_10m_gib": 4.0, "rules_over_amounts": 1.5, "lean_ratio": 3.0}

# One measurement, run as `python -c CHILD PARQUET STEP`: prints one JSON line.
CHILD = r"""
import json, resource, sys, time
import polars as pl
src, step, policies = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
claims = pl.read_parquet(src)
if step == "lean":
    import numpy as np
    rng = np.random.default_rng(0)
    n = claims.height
    # Inputs as a lean engine would hold them: closed vocabularies as enums, codes as integers.
    hukou = pl.Enum(["beijing", "shanghai", "other"])
    kind = pl.Enum(["skill_level", "special_ability", "other"])
    codes = claims["occupation_code"].fill_null("").unique().sort()
    lean = pl.DataFrame({
        "hukou": claims["hukou"].replace_strict({"beijing": "beijing", "shanghai": "shanghai"}, default="other").cast(hukou),
        "kind": claims["cert_kind"].replace_strict({"skill_level": "skill_level", "special_ability": "special_ability"},
                                                   default="other").cast(kind),
        "occ": claims["occupation_code"].fill_null("").replace_strict(codes, pl.Series(range(len(codes))) % 170,
                                                                      return_dtype=pl.Int32),
        "level": claims["cert_level"].fill_null(0).cast(pl.Int8),
        "age": claims["age"].cast(pl.Int16),
        **{f"i{k}": rng.integers(0, 100, n, dtype=np.int16) for k in range(8)},
        **{f"b{k}": rng.random(n) < 0.97 for k in range(8)},
    })
    catalog = pl.DataFrame({"occ": pl.Series(range(170), dtype=pl.Int32), "tier": pl.Series(["A", "B"] * 85, dtype=pl.Enum(["A", "B"])),
                            "base": pl.Series([1000 + 100 * (k % 7) for k in range(170)], dtype=pl.Int32)})
    def run(frame):
        C = pl.col
        checks = ([C("hukou") == "other", C("kind") == "other", C("level") == 0, C("age") < 16, C("age") > 65,
                   C("tier").is_null()]
                  + [C(f"i{k % 8}") < (k % 5) for k in range(18)] + [~C(f"b{k % 8}") & (C("level") == k % 6) for k in range(16)])
        assert len(checks) == 40
        first = pl.coalesce([pl.when(c).then(pl.lit(k, pl.UInt8)) for k, c in enumerate(checks)] + [pl.lit(None, pl.UInt8)])
        pct = pl.when(C("tier") == "A").then(120).otherwise(100)
        return (frame.lazy().join(catalog.lazy(), on="occ", how="left", maintain_order="left")
                .select(first.alias("first_fail"),
                        pl.when(first.is_null()).then(C("base") * pct // 100).otherwise(0).alias("amount"))
                .collect(engine="in-memory"))
    run(lean.head(1000))
    t, c = time.perf_counter(), time.process_time()
    out = run(lean)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
else:
    from skillsim.policies import get_policy
    from skillsim.policies.engine import collect
    detail = step
    pols = [get_policy(pid) for pid in policies]
    for pol in pols:
        collect(pol.evaluate(claims.head(1000), detail=detail, validate=False))
    each = []
    t, c = time.perf_counter(), time.process_time()
    for pol in pols:
        s = time.perf_counter(); out = collect(pol.evaluate(claims, detail=detail, validate=False)); each.append(time.perf_counter() - s)
        del out
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"seconds": seconds, "cpu": cpu, "each": each if step != "lean" else [], "claims": claims.height,
                  "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def draw(n_claims: int, path: Path) -> None:
    """n_claims claims, half of each headline baseline, validated, written as parquet. Each baseline
    is drawn once, its size scaled from a small first draw to give its half; above a million claims
    the draw is repeated as copies under new person ids (the people a city has bound one draw)."""
    import polars as pl

    from skillsim.policies.contract import validate_frame
    from skillsim.simulate import runner, scenario

    frames, wanted = [], -(-n_claims // 2)
    once = min(wanted, 500_000)
    for name in ("beijing-2026-baseline", "shanghai-2025-baseline"):
        scen = scenario.load(name).with_changes(by="bench_calc", replications=1)
        pilot = runner.draw(scen.with_changes(by="bench_calc", size=PILOT_PEOPLE), scen.populations[0].name).claims
        size = int(PILOT_PEOPLE * once / max(pilot.height, 1) * 1.05) + 1
        claims = runner.draw(scen.with_changes(by="bench_calc", size=size), scen.populations[0].name).claims.head(once)
        copies = [claims.with_columns(pl.concat_str("person_id", pl.lit(f"~{k}")).alias("person_id")) if k else claims
                  for k in range(-(-wanted // claims.height))]
        frames.append(pl.concat(copies).head(wanted))
    validate_frame(pl.concat(frames, how="vertical_relaxed").head(n_claims)).write_parquet(path)


def measure(src: Path, step: str, path: Path | None) -> dict:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), step, ",".join(POLICIES)], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the {step} step failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def medians(runs: list[dict]) -> dict:
    return {"seconds": statistics.median(r["seconds"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "each": [statistics.median(r["each"][k] for r in runs) for k in range(len(runs[0]["each"]))],
            "peak_gib": statistics.median(r["peak_gib"] for r in runs), "claims": runs[0]["claims"]}


def report(name: str, med: dict[str, dict]) -> dict:
    am, ru, le = med["amounts"], med["rules"], med["lean"]
    per_policy = dict(zip(POLICIES, am["each"]))
    out = {"claims": am["claims"], "amounts_s": am["seconds"], "rules_s": ru["seconds"], "lean_s": le["seconds"],
           "amounts_cpu_s": am["cpu"], "rules_cpu_s": ru["cpu"], "lean_cpu_s": le["cpu"],
           "amounts_peak_gib": am["peak_gib"], "rules_peak_gib": ru["peak_gib"], "lean_peak_gib": le["peak_gib"],
           "rules_over_amounts": ru["seconds"] / am["seconds"],
           "policy_over_lean": {pid: s / le["seconds"] for pid, s in per_policy.items()}}
    print(f"{name}: {am['claims']:,} claims")
    print(f"  amounts, both policies: {am['seconds']:.3f} s ("
          + ", ".join(f"{pid} {s:.3f}" for pid, s in per_policy.items()) + f"); CPU {am['cpu']:.3f} s; peak {am['peak_gib']:.2f} GiB")
    print(f"  rules, both policies:   {ru['seconds']:.3f} s ("
          + ", ".join(f"{pid} {s:.3f}" for pid, s in zip(POLICIES, ru["each"]))
          + f"); {out['rules_over_amounts']:.2f}x amounts; CPU {ru['cpu']:.3f} s; peak {ru['peak_gib']:.2f} GiB")
    print(f"  lean polars pass:       {le['seconds']:.3f} s; CPU {le['cpu']:.3f} s; peak {le['peak_gib']:.2f} GiB")
    print("  each policy / lean:     " + ", ".join(f"{pid} {r:.1f}x" for pid, r in out["policy_over_lean"].items()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5, help="rounds (each step once per round and side); medians")
    ap.add_argument("--parquet", metavar="FILE", help="the claims (drawn and written here first if absent)")
    ap.add_argument("--against", metavar="REF", help="a git revision (or a folder holding a skillsim package) "
                                                     "timed alternately beside this checkout")
    ap.add_argument("--json", metavar="FILE", help="also write the medians and ratios as JSON")
    ap.add_argument("--against-parquet", metavar="FILE", help="the claims the --against side reads (default: the same "
                                                             "as this checkout's): e.g. drawn by that revision")
    args = ap.parse_args()
    src = Path(args.parquet or Path(tempfile.gettempdir()) / f"skillsim-bench-calc-{args.claims}.parquet")
    if not src.exists():
        print(f"drawing {args.claims:,} claims into {src} ...", flush=True)
        draw(args.claims, src)
    with tempfile.TemporaryDirectory() as tmp:
        sides: dict[str, Path | None] = {"this checkout": None}
        claims = {"this checkout": src}
        if args.against:
            sides[f"at {args.against}"] = (Path(args.against) if Path(args.against).is_dir()
                                           else export(args.against, Path(tmp)))
            claims[f"at {args.against}"] = Path(args.against_parquet) if args.against_parquet else src
        runs: dict[str, dict[str, list]] = {s: {step: [] for step in STEPS} for s in sides}
        for r in range(args.repeat):
            for side, path in (sides.items() if r % 2 == 0 else reversed(list(sides.items()))):
                for step in STEPS:
                    runs[side][step].append(measure(claims[side], step, path))
            print(f"round {r + 1}/{args.repeat} done", file=sys.stderr, flush=True)
    results = {side: report(side, {step: medians(runs[side][step]) for step in STEPS}) for side in sides}
    if args.against:
        new, old = results["this checkout"], results[f"at {args.against}"]
        print(f"this checkout / {args.against}: amounts {new['amounts_s'] / old['amounts_s']:.2f} "
              f"(CPU {new['amounts_cpu_s'] / old['amounts_cpu_s']:.2f}), rules {new['rules_s'] / old['rules_s']:.2f} "
              f"(CPU {new['rules_cpu_s'] / old['rules_cpu_s']:.2f}), peak memory "
              f"{new['amounts_peak_gib'] / old['amounts_peak_gib']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"repeat": args.repeat, "goals": GOALS, **results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
