"""Speed of ``skillsim evaluate`` on a claims CSV: read through the contract, evaluated under
both headline policies with their population caps across the file, written, summarised.

    python benchmarks/bench_evaluate.py                        # 1,000,000 rows, median of 3
    python benchmarks/bench_evaluate.py --claims 200000 --repeat 5 --out csv
    python benchmarks/bench_evaluate.py --csv /tmp/claims.csv  # drawn there once, then the same file each time
    python benchmarks/bench_evaluate.py --against HEAD~3       # an earlier commit beside this checkout
    python benchmarks/bench_evaluate.py --against /tmp/old     # a folder holding a skillsim package
    python benchmarks/bench_evaluate.py --this HEAD --against HEAD~2   # two commits, not the working tree

The CSV is drawn once by the simulator's population generator (Beijing's and Shanghai's
baselines, half the rows each, prior subsidies in their JSON cells) and written before any
timing. Each repeat is the command's work in a fresh process, as a user meets it (no warm-up:
first imports, catalogs and the memory the process takes from the system count): start-up
(imports), read (``load_claims``), evaluate (``evaluate``, both policies with caps), write
(the command's own writer: parquet, or flat CSV with ``--out csv``) and summary (``summarise``),
each in wall and CPU seconds (user + system, both cores together; other work on the machine
inflates wall time, not CPU time), and the whole process from start to exit with its peak
memory. ``--against REF`` runs the same repeats, alternating, with skillsim as it was at git
revision REF (exported from this repository into a temporary folder; or REF is a folder that
holds a ``skillsim`` package, laid out as installed), and prints the ratios; ``--this REF`` times a
revision in place of the working tree (in a checkout others are changing). Installed plug-ins
load into both sides, so an old revision must still understand them. Not a timed test.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICIES = ("beijing-2026-key-groups", "shanghai-2025-skills-upgrade")
PILOT_PEOPLE = 20_000  # a first draw of each baseline, to find how many people make the claims asked for
REPO = Path(__file__).resolve().parents[1]
STEPS = ("start-up", "read", "evaluate", "write", "summary")

# One repeat, run as `python -c CHILD CSV OUT`: the steps of `skillsim evaluate --claims CSV --policy ...
# --out OUT` (simulate/evaluate_command.py), each timed; prints one JSON line.
CHILD = """
import json, sys, time
clock = lambda: (time.perf_counter(), time.process_time())
marks = [clock()]
from skillsim.simulate import cli  # the command line's start-up
from skillsim.simulate.claims_file import load_claims
from skillsim.simulate.evaluate_command import _write
from skillsim.simulate.evaluation import evaluate, summarise
from pathlib import Path
src, out, policies = sys.argv[1], Path(sys.argv[2]), sys.argv[3].split(",")
marks.append(clock())
got = load_claims(src)
marks.append(clock())
results = evaluate(got.claims, policies, rows=got.rows, validate=False)
marks.append(clock())
_write(results, out.suffix[1:], out)
marks.append(clock())
summarise(results)
marks.append(clock())
import resource
print(json.dumps({"wall": [b[0] - a[0] for a, b in zip(marks, marks[1:])],
                  "cpu": [b[1] - a[1] for a, b in zip(marks, marks[1:])], "claims": got.claims.height,
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def draw_csv(n_claims: int, path: Path) -> int:
    """n_claims claims, half of each baseline, as a claims CSV; returns the rows written. How many
    people make that many claims is found by a small draw first (the baselines' take-up moves)."""
    import polars as pl

    from skillsim.policies.contract import SCHEMA, validate_frame
    from skillsim.simulate import runner, scenario
    from skillsim.simulate.evaluation import flatten

    frames, wanted = [], -(-n_claims // 2)
    for name in ("beijing-2026-baseline", "shanghai-2025-baseline"):
        scen = scenario.load(name).with_changes(by="bench", replications=1)
        size, claims = PILOT_PEOPLE, pl.DataFrame()
        while claims.height < wanted:
            claims = runner.draw(scen.with_changes(size=size), scen.populations[0].name).claims
            size = int(size * wanted / max(claims.height, 1) * 1.05) + 1
        frames.append(claims.head(wanted))
    claims = validate_frame(pl.concat(frames, how="vertical_relaxed")).head(n_claims)
    flatten(claims.with_columns(pl.col(n).cast(t) for n, t in SCHEMA.items())).write_csv(path)
    return claims.height


def export(ref: str, into: Path) -> Path:
    """skillsim's code at git revision ``ref``, laid out as the installed package (setup.py:
    api/ is skillsim, the other folders its parts); returns the folder to put on PYTHONPATH."""
    src = into / "src"
    src.mkdir(parents=True)
    folders = ["api", "policies", "simulate", "dashboard", "scenarios", "examples"]
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, *folders], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    package = into / "path" / "skillsim"
    shutil.copytree(src / "api", package)
    for folder in folders[1:]:
        shutil.copytree(src / folder, package / folder)
    return into / "path"


def one_repeat(src: Path, out: Path, path: Path | None) -> dict:
    """One fresh process: its steps (wall, CPU), its wall from start to exit, CPU and peak memory."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), *filter(None, [env.get("PYTHONPATH")])])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(out), ",".join(POLICIES)], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"the run failed:\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    got = json.loads(done.stdout.splitlines()[-1])
    return {"process": wall, "process_cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "process_sys": after.ru_stime - before.ru_stime, "peak_gb": got["peak_gb"], "claims": got["claims"],
            **{s: w for s, w in zip(STEPS, got["wall"])}, **{f"{s}_cpu": c for s, c in zip(STEPS, got["cpu"])}}


def line(name: str, med: dict) -> str:
    steps = " + ".join(f"{s} {med[s]:.2f}" for s in STEPS)
    cpu = " + ".join(f"{med[f'{s}_cpu']:.2f}" for s in STEPS)
    return (f"{name}: {med['process']:.2f} s from start to exit ({med['claims'] / med['process']:,.0f} claims/s) = {steps} "
            f"(+ exit)\n{' ' * len(name)}  CPU {med['process_cpu']:.2f} s (system {med['process_sys']:.2f}) = {cpu}; "
            f"peak memory {med['peak_gb']:.2f} GB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", choices=["parquet", "csv"], default="parquet", help="the results' format")
    ap.add_argument("--csv", metavar="FILE", help="the claims CSV to time (drawn and written here first if it does "
                                                 "not exist, so later runs can time the same file)")
    ap.add_argument("--against", metavar="REF", help="also time skillsim at this git revision (or in this folder: "
                                                     "FOLDER/skillsim), side by side")
    ap.add_argument("--this", metavar="REF", help="time skillsim at this git revision instead of the working tree "
                                                  "(which may hold others' unfinished changes)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(args.csv) if args.csv else Path(tmp) / "claims.csv"
        drawn = "" if src.exists() else f"{draw_csv(args.claims, src):,} claims drawn, "
        mine = args.this or "this checkout"
        sides = {mine: None if not args.this else export(args.this, Path(tmp) / "this")}
        if args.against:
            given = Path(args.against)
            sides[args.against] = given if (given / "skillsim").is_dir() else export(args.against, Path(tmp) / "against")
        print(f"{drawn}CSV of {src.stat().st_size / 1e6:,.0f} MB; {os.cpu_count()} cores; load average "
              f"before {os.getloadavg()[0]:.1f}; skillsim evaluate --out results.{args.out}, each repeat a fresh "
              f"process, median of {args.repeat}{', the sides alternating' if args.against else ''}")
        runs: dict[str, list[dict]] = {name: [] for name in sides}
        for i in range(args.repeat):
            for name, path in sides.items():
                runs[name].append(one_repeat(src, Path(tmp) / f"results-{i}.{args.out}", path))
    med = {name: {k: statistics.median(r[k] for r in got) for k in got[0]} for name, got in runs.items()}
    width = max(map(len, med))
    for name, m in med.items():
        print(line(name.ljust(width), m))
        print(f"{' ' * width}  each (start to exit): " + "; ".join(f"{r['process']:.2f}" for r in runs[name]))
    if args.against:
        now, then = med[mine], med[args.against]
        print(f"ratio {mine} / {args.against}: wall {now['process'] / then['process']:.2f}, CPU "
              f"{now['process_cpu'] / then['process_cpu']:.2f}; by step (wall) "
              + ", ".join(f"{s} {now[s] / then[s]:.2f}" for s in STEPS if then[s]))
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
