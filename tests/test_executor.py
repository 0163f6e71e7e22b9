"""One executor for every multi-run command (simulate/executor.py): in this process, in spawned
processes, or on Ray (started here with 2 CPUs), the results are the same bit for bit and in
task order; a worker killed mid-map is retried by Ray; Ctrl-C stops the work with nothing
written; without ray, --engine ray is one line, exit 2; nothing in policies/ imports ray."""
from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skillsim.simulate import calibration_fit as cf, executor as ex_mod, report, runner, scenario, sensitivity
from skillsim.simulate.cli import main
from skillsim.simulate.executor import EngineError, executor

from .test_calibrate import RANGE, toy as calibrate_toy
from .test_sensitivity import toy, write_toy
from .test_uncertainty import UNCERTAIN

ROOT = Path(__file__).resolve().parents[1]
SKILLSIM = Path(sys.executable).with_name("skillsim")
FILES = ("summary.json", "breakdowns.parquet", "claims.parquet")


# ------------------------------------------------------------------ tasks (module level: workers import them)

def square(task: tuple[int, str | None]) -> tuple[int, str | None]:
    """i², and the worker's POLARS_MAX_THREADS. With a folder, task 0 waits until task 1 has
    finished (it leaves a file there): where two run at once, the first finishes after the second."""
    i, folder = task
    if folder is not None and i == 0:
        end = time.monotonic() + 30
        while not os.path.exists(os.path.join(folder, "1")) and time.monotonic() < end:
            time.sleep(0.01)
        time.sleep(0.5)  # task 1 is back with the caller first
    if folder is not None:
        Path(folder, str(i)).touch()
    return i * i, os.environ.get("POLARS_MAX_THREADS")


def dies_once(task: tuple[tuple, str]) -> runner.Replicated:
    """Replication 1 kills its own worker process the first time it runs (a marker file says it did)."""
    (scen, r, keep), marker = task
    if r == 1 and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return runner.replicate((scen, r, keep))


def small() -> scenario.Scenario:
    """Two policies, an uncertain size, take-up, shares and parameter: replications 2k and 2k+1
    share a draw, so a task must find it from its own index."""
    return scenario.loads(UNCERTAIN).with_changes(replications=4)


def same_run(a: runner.RunResult, b: runner.RunResult) -> None:
    assert json.dumps(report.summary(a), sort_keys=True) == json.dumps(report.summary(b), sort_keys=True)
    assert a.breakdowns.equals(b.breakdowns) and a.totals.equals(b.totals) and a.claims.equals(b.claims)
    assert a.draws == b.draws and a.classes == b.classes and a.defaulted == b.defaulted


@pytest.fixture(scope="module")
def in_process() -> runner.RunResult:
    return runner.run(small())


@pytest.fixture(scope="module")
def processes():
    with executor("local", 2) as ex:
        yield ex


@pytest.fixture(scope="module")
def ray_ex():
    pytest.importorskip("ray")
    with executor("ray", 2) as ex:  # a local Ray with 2 CPUs, shut down after the module
        yield ex


def finishing(ex, tasks) -> tuple[list, list[int], list[tuple[int, int]]]:
    order, seen = [], []
    out = ex.map(square, tasks, progress=lambda done, total: seen.append((done, total)),
                 on_result=lambda i, r: order.append(i))
    return out, order, seen


# ------------------------------------------------------------------ the executor itself

@pytest.mark.parametrize("engine", ["in_process", "processes", "ray_ex"])
def test_results_come_in_task_order_whatever_the_finishing_order(engine, request, tmp_path):
    n = 5
    ex = executor() if engine == "in_process" else request.getfixturevalue(engine)
    out, order, seen = finishing(ex, [(i, None if engine == "in_process" else str(tmp_path)) for i in range(n)])
    assert [r for r, _ in out] == [i * i for i in range(n)]
    assert sorted(order) == list(range(n)) and seen == [(d, n) for d in range(1, n + 1)]
    if engine == "in_process":
        assert order == sorted(order) and out[0][1] == os.environ.get("POLARS_MAX_THREADS")
    else:
        assert order.index(1) < order.index(0)  # finished out of order, and still in task order
        assert {threads for _, threads in out} == {str(ex_mod.polars_threads(2))}  # each worker's share of the cores


def test_bad_engine_or_workers_is_an_engine_error():
    with pytest.raises(EngineError, match="--engine"):
        executor("dask")
    with pytest.raises(EngineError, match="--workers"):
        executor("local", 0)


# ------------------------------------------------------------------ bit for bit on every engine

def test_run_on_two_local_processes_is_the_same_bit_for_bit(in_process, processes):
    same_run(runner.run(small(), executor=processes), in_process)


def test_run_on_ray_is_the_same_bit_for_bit(in_process, ray_ex):
    same_run(runner.run(small(), executor=ray_ex), in_process)


def test_a_killed_ray_worker_is_retried_and_the_result_is_complete_and_identical(in_process, ray_ex, tmp_path):
    marker = tmp_path / "died"
    scen = small()
    reps = ray_ex.map(dies_once, [((scen, r, True), str(marker)) for r in range(scen.replications)])
    assert marker.exists()  # replication 1's worker did die once
    same_run(runner.combine(scen, reps), in_process)


def test_sensitivity_is_the_same_on_every_engine(processes, ray_ex):
    plan = sensitivity.make_plan(toy(), samples=2, size=1500)
    here = sensitivity.analyse(plan)
    for ex in (processes, ray_ex):
        other = sensitivity.analyse(plan, executor=ex)
        assert other.tornado.equals(here.tornado) and other.indices.equals(here.indices)


def test_calibrate_evaluates_a_round_the_same_on_every_engine(processes, ray_ex):
    scen = scenario.loads(calibrate_toy(RANGE, ("budget_cny", 1_000_000, "A")))
    free = cf.resolve(scen, ["certificate_take_up"])
    points = [np.array([v]) for v in (0.2, 0.45, 0.7)]
    here = cf.Evaluations(scen, free, 3000, 2).many(points)
    for ex in (processes, ray_ex):
        assert [m.tolist() for m in cf.Evaluations(scen, free, 3000, 2, ex).many(points)] == [m.tolist() for m in here]


def test_the_run_command_writes_the_same_files_on_every_engine(tmp_path, ray_ex, capsys):
    path = tmp_path / "u.toml"
    path.write_text(UNCERTAIN, encoding="utf-8")
    outs = {}
    for name, engine in [("one", []), ("two", ["--workers", "2"]), ("ray", ["--engine", "ray", "--workers", "2"])]:
        assert main(["run", str(path), "--replications", "3", "--out", str(tmp_path / name), *engine]) == 0
        outs[name] = {f: (tmp_path / name / f).read_bytes() for f in FILES}
        outs[name]["stdout"] = capsys.readouterr().out
    assert outs["one"] == outs["two"] == outs["ray"]


# ------------------------------------------------------------------ failures

def test_engine_ray_without_ray_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if it were not installed
    out = tmp_path / "o"
    assert main(["run", "beijing-2026-baseline", "--size", "100", "--replications", "1", "--engine", "ray",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'skillsim[ray]'" in err and err.startswith("skillsim run: --engine")
    assert list(tmp_path.iterdir()) == []


def descendants(pid: int) -> set[int]:
    """The processes started (directly or not) by ``pid``, from /proc."""
    parents = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parents[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = set(), {pid}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    out = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(p)
    return out


def running(pid: int, name: str) -> set[int]:
    """The live processes under ``pid`` whose command line holds ``name`` and that have loaded polars."""
    out = set()
    for c in alive(descendants(pid)):
        try:
            if (name in Path(f"/proc/{c}/cmdline").read_text(errors="replace")
                    and "polars" in Path(f"/proc/{c}/maps").read_text(errors="replace")):
                out.add(c)
        except OSError:
            pass
    return out


def interrupted_mid_work(tmp_path: Path, argv: list[str], worker: str, workers: int, group: bool) -> None:
    """Start ``skillsim *argv``, SIGINT it once ``workers`` of its tasks run in their worker
    processes (command line holding ``worker``, polars loaded) -- to the command alone, or with
    ``group`` to its whole process group as Ctrl-C at a terminal does -- then: exit 130, the one
    interrupt line on stderr after what the command said before, nothing on stdout, nothing
    new in ``tmp_path`` (no output, no staged folder, no temporary file, no lock), and every
    process it had started gone."""
    before = set(tmp_path.iterdir())
    p = subprocess.Popen([str(SKILLSIM), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "RAY_ADDRESS": ""}, start_new_session=group)
    end = time.monotonic() + 90
    while len(running(p.pid, worker)) < workers:
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < end, "the workers never started"
        time.sleep(0.05)
    started = descendants(p.pid)
    os.killpg(p.pid, signal.SIGINT) if group else p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    lines = stderr.splitlines()
    assert p.returncode == 130 and lines[-1] == f"skillsim {argv[0]}: interrupted" and stdout == "", stderr
    assert not [line for line in lines[:-1] if "interrupted" in line or "Traceback" in line], stderr
    assert set(tmp_path.iterdir()) == before
    end = time.monotonic() + 20
    while alive(started) and time.monotonic() < end:
        time.sleep(0.1)
    assert not alive(started), "worker processes outlived the command"


ENGINES_AND_WORKERS = [pytest.param(["--workers", "2"], "spawn_main", 2, id="processes"),
                       pytest.param(["--engine", "ray", "--workers", "2"], "ray::", 1, id="ray")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
@pytest.mark.parametrize("engine, worker, workers", ENGINES_AND_WORKERS)
def test_ctrl_c_stops_the_workers_and_writes_nothing(tmp_path, engine, worker, workers):
    pytest.importorskip("ray") if "ray" in engine else None
    argv = ["run", "beijing-2026-baseline", "--size", "300000", "--replications", "20", "--out", str(tmp_path / "o"),
            *engine]
    interrupted_mid_work(tmp_path, argv, worker + ("replicate" if "ray" in worker else ""), workers, group=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
@pytest.mark.parametrize("engine, worker, workers", ENGINES_AND_WORKERS)
def test_ctrl_c_stops_sensitivity_s_workers_and_writes_nothing(tmp_path, engine, worker, workers):
    pytest.importorskip("ray") if "ray" in engine else None
    # 31 runs of 300,000 people, about a second each: interrupted long before the end
    argv = ["sensitivity", str(write_toy(tmp_path, 300_000)), "--samples", "4", "--size", "300000",
            "--out", str(tmp_path / "o"), *engine]
    interrupted_mid_work(tmp_path, argv, worker + ("run_point" if "ray" in worker else ""), workers, group=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
@pytest.mark.parametrize("engine, worker, workers", ENGINES_AND_WORKERS)
def test_ctrl_c_at_a_terminal_stops_calibrate_s_workers_and_writes_nothing(tmp_path, engine, worker, workers):
    pytest.importorskip("ray") if "ray" in engine else None
    src = tmp_path / "toy.toml"
    src.write_text(calibrate_toy(RANGE, ("budget_cny", 1_000_000, "A")), encoding="utf-8")
    # rounds of 7 evaluations, each 2 replications of 300,000 people: interrupted in the first
    argv = ["calibrate", str(src), "--free", "certificate_take_up", "--size", "300000",
            "--out", str(tmp_path / "calibrated.toml"), *engine]
    interrupted_mid_work(tmp_path, argv, worker + ("evaluation" if "ray" in worker else ""), workers, group=True)


# ------------------------------------------------------------------ layering

def test_nothing_in_policies_imports_ray():
    for path in (ROOT / "policies").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] == "ray"], path
    code = "import sys, skillsim.policies as p; p.all_policies(); print('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
