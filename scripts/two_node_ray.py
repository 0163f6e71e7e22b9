"""A two-node Ray cluster on this one machine, a sweep across it, then the cluster stopped:
a stand-in for many machines (docs/cluster.md).

    .venv/bin/python scripts/two_node_ray.py [--size N] [--replications R] [--cpus N] [--out DIR]

Starts a head node and a second node with ``ray.cluster_utils.Cluster`` (the same Ray
processes ``ray start --head`` and ``ray start --address`` start; each node its own raylet
and object store, the second joining the head's GCS), so this script can stop exactly the
processes it started (``ray stop`` would stop every Ray on the machine). Then runs

    RAY_ADDRESS=<head> skillsim sweep beijing-2026-baseline --vary beijing-2026-key-groups.a_tier_uplift_pct=10:40:10
                       --engine ray --out DIR

as a separate driver (after 8 probe tasks that show the scheduler uses both nodes), stops
the cluster, and checks that sweep.parquet is the same bit for bit as the same sweep on the
local engine in one process. Exit 0 when the probes ran on both nodes and the files match.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

VARY = "beijing-2026-key-groups.a_tier_uplift_pct=10:40:10"
SCENARIO = "beijing-2026-baseline"
SKILLSIM = Path(sys.executable).with_name("skillsim")


def where_tasks_run(address: str, n: int = 8) -> Counter:
    """Node id of ``n`` one-CPU tasks that each hold their CPU a moment (so they spread)."""
    import ray
    ray.init(address=address, include_dashboard=False, logging_level="WARNING")
    try:
        @ray.remote(num_cpus=1)
        def node(_: int) -> str:
            time.sleep(0.5)
            return ray.get_runtime_context().get_node_id()[:8]
        return Counter(ray.get([node.remote(i) for i in range(n)]))
    finally:
        ray.shutdown()


def sweep(out: Path, args: argparse.Namespace, *engine: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([str(SKILLSIM), "sweep", SCENARIO, "--vary", VARY, "--size", str(args.size),
                    "--replications", str(args.replications), "--out", str(out), "--format", "csv", *engine],
                   check=True, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=50_000, help="people a population (default 50,000)")
    ap.add_argument("--replications", type=int, default=4, help="replications (default 4)")
    ap.add_argument("--out", help="the sweeps' folder (default: a temporary one)")
    ap.add_argument("--cpus", type=int, default=1, help="CPUs each node offers (default 1)")
    args = ap.parse_args()

    from ray.cluster_utils import Cluster

    base = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="skillsim-two-node-"))
    started = time.perf_counter()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": args.cpus, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=args.cpus)
        cluster.wait_for_nodes()
        print(f"two Ray nodes on this machine at {cluster.address} ({args.cpus} CPU each), "
              f"started in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        nodes = where_tasks_run(cluster.address)
        print(f"8 probe tasks ran on {len(nodes)} nodes: {dict(nodes)}", file=sys.stderr)
        seconds = sweep(base / "ray", args, "--engine", "ray", env={"RAY_ADDRESS": cluster.address})
        print(f"sweep on the two-node cluster: {seconds:.1f} s -> {base / 'ray'}", file=sys.stderr)
    finally:
        cluster.shutdown()  # exactly the processes this script started
    seconds = sweep(base / "local", args)
    print(f"the same sweep on the local engine (one process): {seconds:.1f} s -> {base / 'local'}", file=sys.stderr)
    same = (base / "ray" / "sweep.parquet").read_bytes() == (base / "local" / "sweep.parquet").read_bytes()
    print(f"sweep.parquet identical on both: {same}; tasks on both nodes: {len(nodes) == 2}", file=sys.stderr)
    return 0 if same and len(nodes) == 2 else 1


if __name__ == "__main__":
    sys.exit(main())
