"""The executor's engines side by side: a sweep of 20 points × 10 replications over about a
million claims, in this process, on 2 local processes and on a local Ray of 2 CPUs; Ray's
overhead per task; and, from the measured cost per task, what 100 reforms × 100
replications of 20 million people would take on 1, 10 and 100 nodes (an extrapolation).

    python benchmarks/bench_engines.py                       # about 20 minutes on 2 cores
    python benchmarks/bench_engines.py --claims 200000 --repeat 3
    python benchmarks/bench_engines.py --claims 200000 --replications 4 --repeat 10 --no-in-process

The sweep is ``skillsim sweep``'s own (simulate/sweep.py: ``make_plan``, then ``run_task``
on each task through ``Executor.map``, then ``assemble``) over Beijing's 2026 key-groups
policy, its A-tier uplift at 20 values, the population sized to ``--claims`` claims a
replication. A task is one replication: the population drawn once, the baseline and the 20
points run on it. The engines take turns, ``--repeat`` rounds (so a change in the shared
machine's load falls on all of them; every other round in reverse order, so a drift in
the load does not favour one): each is started afresh and warmed up (its workers import
skillsim), that start timed apart, then the sweep timed. ``--no-in-process`` leaves out the
slow in-process engine, for more rounds of local processes against Ray. Printed: the medians, and
a task's time (in this process: the median of each task's own; on workers: the wall time
× workers ÷ tasks). Every engine's sweep frame must equal the in-process one bit
for bit (checked). Ray's overhead is measured three ways: 200 empty tasks' round trip; the
CPU its own processes (raylet, GCS, agents; not the task workers) use during the sweep; and
the sweep's extra wall time over the local engine with as many workers (on a shared machine
the noisiest of the three), also paired round by round: each round's Ray sweep over the local
one's just before or after it, the median of those ratios and of the extra time a task's turn;
and the same for the CPU seconds that this process and every process under it (the workers,
Ray's own) used during each sweep, which another program's load moves far less than wall time.

Not a timed test: the machine is small and shared, so read the medians (the load average
is printed beside them).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import time

POLICY = "beijing-2026-key-groups"
SCENARIO = """
[scenario]
name = "bench-engines"
description = "Beijing's 2026 key-groups policy, its A-tier uplift swept (benchmark)"
seed = 2026
replications = REPLICATIONS

[[populations]]
name = "beijing"
city = "beijing"
policies = ["beijing-2026-key-groups"]
size = { value = SIZE, source = "benchmark: sized to the claims asked for" }
"""
EMPTY_TASKS = 200
WARM_PAUSE = 1.0  # seconds each warm-up task waits (not counted in the start)
# the extrapolation's job: 100 reforms × 100 replications of 20 million people
BIG_POINTS, BIG_REPLICATIONS, BIG_PEOPLE = 100, 100, 20_000_000


def warm(_: int) -> int:
    """A worker's first task: the imports a sweep task needs (timed with the engine's start),
    then a pause, so that each worker takes one of them."""
    from skillsim.policies import get_policy
    from skillsim.simulate import sweep  # noqa: F401
    get_policy(POLICY)
    time.sleep(WARM_PAUSE)
    return os.getpid()


def empty(i: int) -> int:
    return i


def scenario_for(claims: int, replications: int):
    from skillsim.simulate import runner, scenario
    probe = scenario.loads(SCENARIO.replace("SIZE", "100000").replace("REPLICATIONS", "1"))
    per_person = runner.draw(probe, "beijing", 0).claims.height / 100_000
    return scenario.loads(SCENARIO.replace("SIZE", str(round(claims / per_person)))
                          .replace("REPLICATIONS", str(replications))), per_person


def processes_below() -> dict[int, tuple[str, float]]:
    """The processes under this one (Linux /proc; none elsewhere): command line, CPU seconds so far."""
    from pathlib import Path
    tick = os.sysconf("SC_CLK_TCK")
    parents, stats = {}, {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (d / "cmdline").read_text(errors="replace").replace("\0", " ")
        except OSError:
            continue
        parents[int(d.name)] = int(fields[1])
        stats[int(d.name)] = (cmd, (int(fields[11]) + int(fields[12])) / tick)
    mine, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - mine
        mine |= frontier
    return {pid: stats[pid] for pid in mine}


def ray_machinery_cpu() -> float:
    """CPU seconds used so far by the Ray processes under this one that are not task workers
    (raylet, GCS, agents): what Ray itself costs the machine."""
    workers = ("ray::IDLE", "ray::warm", "ray::empty", "ray::run_task")
    return sum(cpu for cmd, cpu in processes_below().values() if not cmd.startswith(workers))


def engine_cpu() -> float:
    """CPU seconds used so far by this process and every process under it (workers, Ray's own):
    what an engine costs, which a busy machine's other work changes far less than wall time."""
    return time.process_time() + sum(cpu for _, cpu in processes_below().values())


def load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=1_000_000, help="claims a replication (default 1,000,000)")
    ap.add_argument("--points", type=int, default=20, help="points of the sweep (default 20)")
    ap.add_argument("--replications", type=int, default=10, help="replications (default 10)")
    ap.add_argument("--repeat", type=int, default=2, help="rounds: each engine's sweep timed once a round (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="local processes and Ray CPUs (default 2)")
    ap.add_argument("--no-in-process", action="store_true",
                    help="only local processes and Ray, taking turns (the in-process engine is the slow one)")
    args = ap.parse_args()

    import polars as pl

    from skillsim.simulate import runner, sweep
    from skillsim.simulate.executor import cores, executor

    scen, per_person = scenario_for(args.claims, args.replications)
    people = scen.populations[0].size
    uplifts = ",".join(f"{round(100 * (i + 1) / args.points, 2):g}" for i in range(args.points))  # up to 100 %
    plan = sweep.make_plan(scen, [f"{POLICY}.a_tier_uplift_pct={uplifts}"])
    tasks = plan.tasks()
    print(f"a sweep of {args.points} points × {args.replications} replications of {people:,} people "
          f"(about {args.claims:,} claims a replication; {per_person:.4f} claims a person): {len(tasks)} tasks "
          f"of one replication each; {cores()} cores, load average {load()}")

    # the parts of a task, in this process: the draw, and one policy run on its claims
    t0 = time.perf_counter()
    drawn = runner.draw(scen, "beijing", 0)
    t1 = time.perf_counter()
    runner.run_policy(drawn.claims, POLICY, runner.policy_params(scen, POLICY, "baseline", drawn.classes[POLICY]))
    t2 = time.perf_counter()
    draw_s, run_s, claims = t1 - t0, t2 - t1, drawn.claims.height
    del drawn
    print(f"one task's parts here: the draw {draw_s:.2f} s, one policy run {run_s:.2f} s ({claims:,} claims)")

    engines = [("local", args.workers), ("ray", args.workers)]
    if not args.no_in_process:
        engines.insert(0, ("local", 1))
    names = [f"{e}, {w} worker{'s' * (w > 1)}" for e, w in engines]
    starts: dict[str, list[float]] = {n: [] for n in names}
    walls: dict[str, list[float]] = {n: [] for n in names}
    own: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    frames, empties, machinery = {}, [], []
    os.environ.pop("RAY_ADDRESS", None)  # a local Ray of `workers` CPUs
    for rnd in range(args.repeat):  # the engines in turn, each started afresh, so they share the machine's moods
        turn = list(zip(engines, names))
        for (engine, workers), name in (turn if rnd % 2 == 0 else turn[::-1]):
            s0 = time.perf_counter()
            ex = executor(engine, workers)
            ex.map(warm, range(workers))
            starts[name].append(time.perf_counter() - s0 - WARM_PAUSE)
            try:
                if engine == "ray":
                    e0 = time.perf_counter()
                    ex.map(empty, range(EMPTY_TASKS))
                    empties.append((time.perf_counter() - e0) / EMPTY_TASKS)
                stamps, cpu, whole = [time.perf_counter()], ray_machinery_cpu(), engine_cpu()
                parts = ex.map(sweep.run_task, tasks, progress=lambda done, total: stamps.append(time.perf_counter()))
                cpus[name].append(engine_cpu() - whole)
                if engine == "ray":
                    machinery.append((ray_machinery_cpu() - cpu) / (stamps[-1] - stamps[0]))
            finally:
                ex.close()
            walls[name].append(stamps[-1] - stamps[0])
            own[name] += [b - a for a, b in zip(stamps, stamps[1:])]
            frames[name] = sweep.assemble(plan, parts)
            print(f"  round {rnd + 1}: {name}: {walls[name][-1]:.1f} s, CPU {cpus[name][-1]:.1f} s "
                  f"(load average {load()})", flush=True)
    rows = []
    for (engine, workers), name in zip(engines, names):
        wall = statistics.median(walls[name])
        per_task = statistics.median(own[name]) if workers == 1 else wall * workers / len(tasks)
        start = statistics.median(starts[name])
        rows.append({"engine": name, "start_s": start, "sweep_s": wall, "task_s": per_task})
        print(f"{name:>20}: start {start:5.1f} s, sweep median {wall:6.1f} s "
              f"({', '.join(f'{w:.1f}' for w in walls[name])}), a task {per_task:5.2f} s; "
              f"CPU a task {statistics.median(cpus[name]) / len(tasks):5.2f} s")
    empty_per_task = statistics.median(empties) if empties else None

    base = frames[rows[0]["engine"]]
    same = all(f.equals(base) for f in frames.values())
    print(f"sweep frames identical on every engine: {same}")
    assert same, "the engines disagree"
    local_n, ray_n = rows[-2], rows[-1]
    extra = ray_n["sweep_s"] - local_n["sweep_s"]
    waves = math.ceil(len(tasks) / args.workers)
    paired = list(zip(walls[local_n["engine"]], walls[ray_n["engine"]]))  # the same round's two sweeps
    ratios = [r / loc for loc, r in paired]
    per_turn = [(r - loc) / waves for loc, r in paired]
    print(f"paired by round, Ray's sweep over the local engine's: median {statistics.median(ratios):.3f} "
          f"({', '.join(f'{x:.3f}' for x in ratios)}); the extra a task's turn: median "
          f"{statistics.median(per_turn):+.2f} s ({', '.join(f'{x:+.2f}' for x in per_turn)}); "
          f"a task on local processes {local_n['task_s']:.2f} s")
    paired_cpu = list(zip(cpus[local_n["engine"]], cpus[ray_n["engine"]]))
    cpu_ratios = [r / loc for loc, r in paired_cpu]
    cpu_extra = [(r - loc) / len(tasks) for loc, r in paired_cpu]
    print(f"paired by round, CPU (this process and all under it) of Ray's sweep over the local engine's: median "
          f"{statistics.median(cpu_ratios):.3f} ({', '.join(f'{x:.3f}' for x in cpu_ratios)}); the extra CPU a "
          f"task: median {statistics.median(cpu_extra):+.3f} s ({', '.join(f'{x:+.2f}' for x in cpu_extra)})")
    share = statistics.median(machinery) / cores()
    print(f"Ray's own processes (raylet, GCS, agents) used {share:.1%} of the machine's CPU during its sweeps")
    print(f"Ray's overhead: an empty task's round trip {empty_per_task * 1000:.1f} ms; the sweep "
          f"{extra:+.1f} s against the local engine with {args.workers} workers ({extra / local_n['sweep_s']:+.1%}, "
          f"{extra / waves:+.2f} s a task's turn); Ray's start {ray_n['start_s']:.1f} s, once a session")
    if not args.no_in_process:
        print(f"{args.workers} local workers: {rows[0]['sweep_s'] / local_n['sweep_s']:.2f}× one")

    # ------------------------------------------------------------ the extrapolation
    big_claims = BIG_PEOPLE * per_person
    tasks_per_rep = math.ceil(BIG_POINTS / sweep.POINTS_PER_TASK)
    big_tasks = BIG_REPLICATIONS * tasks_per_rep
    runs_per_task = 1 + math.ceil(BIG_POINTS / tasks_per_rep)
    # a task's time on one of a node's slots: the measured one of the local engine with
    # `workers` processes (each polars on its share of the cores), scaled linearly in claims
    # and from this sweep's runs a task to the big one's (the parts above weigh draw and runs)
    scale = (draw_s + runs_per_task * run_s) / (draw_s + (1 + args.points) * run_s) * big_claims / claims
    per_slot = local_n["task_s"] * scale
    overhead = max(extra / waves, 0.0) + (empty_per_task or 0.0)
    print(f"\nextrapolation (not measured): {BIG_POINTS} reforms × {BIG_REPLICATIONS} replications of "
          f"{BIG_PEOPLE / 1e6:.0f} million people ({big_claims / 1e6:.1f} million claims a replication): {big_tasks} "
          f"tasks (a replication × {sweep.POINTS_PER_TASK} points: a draw and {runs_per_task} policy runs), "
          f"{per_slot / 60:.1f} min a task on a node like this one running {args.workers} at once, "
          f"plus Ray's {overhead:.2f} s a task and its start:")
    print(f"{'nodes':>6} {'cores':>6} {'turns':>6} {'hours':>8}")
    for nodes in (1, 10, 100):
        slots = nodes * args.workers
        turns = math.ceil(big_tasks / slots)
        hours = (turns * (per_slot + overhead) + ray_n["start_s"]) / 3600
        print(f"{nodes:>6} {slots:>6} {turns:>6} {hours:>8.1f}")
    print("(a task holds a whole replication's draw: about "
          f"{big_claims / 1e6:.1f} million claims and their results, several GB, so a node needs that per core)")


if __name__ == "__main__":
    main()
