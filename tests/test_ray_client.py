"""RAY_ADDRESS=ray://HOST:PORT (Ray Client, a cluster reached from outside it): a sweep through
it writes what the local engine writes, bit for bit, its tasks run by the cluster's workers;
Ctrl-C stops them there; an address where no Ray answers, one that is no address, or Ray Client
without grpcio is one line, exit 2, within seconds, nothing written (docs/cluster.md)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from skillsim.simulate.cli import main

from .test_executor import alive, descendants, running
from .test_sweep import VARY, write

SKILLSIM = Path(sys.executable).with_name("skillsim")


def free_port() -> int:
    """A port nothing listens on now (the system's pick, released at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client_server():
    """A Ray head of 2 CPUs with a Ray Client server, in a temporary folder of its own, started
    here and stopped by its own handle (never `ray stop`: other Rays on the machine live on).
    Yields the ray:// address and the head's log folder."""
    pytest.importorskip("ray")
    pytest.importorskip("grpc", reason="Ray Client needs grpcio: pip install 'ray[client]'")
    from ray.cluster_utils import Cluster
    temp = tempfile.mkdtemp(prefix="skillsim-rc-")  # short: Ray's socket paths have a length limit
    port = free_port()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": False,
                                                            "ray_client_server_port": port, "temp_dir": temp})
    try:
        yield f"ray://127.0.0.1:{port}", Path(cluster.head_node.get_session_dir_path()) / "logs"
    finally:
        cluster.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def sweep_args(tmp_path: Path, out: str) -> list[str]:
    return ["sweep", write(tmp_path), "--out", str(tmp_path / out), *VARY, "--format", "csv"]


def ray_server_start_failed(returncode: int, stderr: str) -> bool:
    """Ray's client server starts a server process for each connection and sometimes fails to
    (seen in CI and once on a quiet machine, then not again). The command then says so in one
    line, exit 2, as it should; that is Ray's own start-up, not what these tests test, so they
    connect again (at most twice more)."""
    return returncode == 2 and "Starting Ray client server failed" in stderr and stderr.count("\n") == 1


def ran_on_the_cluster(logs: Path, task: str) -> bool:
    """Whether a worker of the cluster logged running ``task`` (Ray writes its name per task)."""
    return any(f":task_name:{task}" in f.read_text(errors="replace") for f in logs.glob("worker-*.out"))


def test_a_sweep_through_ray_client_writes_what_the_local_engine_writes(tmp_path, client_server, capsys):
    address, logs = client_server
    assert not ran_on_the_cluster(logs, "run_task")
    assert main(sweep_args(tmp_path, "local")) == 0
    capsys.readouterr()
    for attempt in range(3):
        client = subprocess.run([str(SKILLSIM), *sweep_args(tmp_path, "client"), "--engine", "ray"],
                                capture_output=True, text=True, timeout=120, env={**os.environ, "RAY_ADDRESS": address})
        if not ray_server_start_failed(client.returncode, client.stderr):
            break
    assert client.returncode == 0, client.stderr
    assert (tmp_path / "client" / "sweep.parquet").read_bytes() == (tmp_path / "local" / "sweep.parquet").read_bytes()
    assert ran_on_the_cluster(logs, "run_task")  # the cluster's workers ran them, not a Ray of the command's own


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_ctrl_c_through_ray_client_stops_the_tasks_on_the_cluster(tmp_path, client_server):
    address, _ = client_server
    # 6 points × 40 replications of 300,000 people: minutes of work, interrupted in its first tasks
    args = [str(SKILLSIM), "sweep", write(tmp_path), "--out", str(tmp_path / "o"), *VARY, "--size", "300000",
            "--replications", "40", "--engine", "ray"]
    cluster = os.getpid()  # the cluster's processes are this test's children: its workers too
    for attempt in range(3):
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "RAY_ADDRESS": address})
        end = time.monotonic() + 60
        while not running(cluster, "ray::run_task") and p.poll() is None:
            assert time.monotonic() < end, "no task started on the cluster"
            time.sleep(0.05)
        if p.poll() is None:
            break
        out, err = p.communicate()
        assert ray_server_start_failed(p.returncode, err) and attempt < 2, (out, err)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130 and stderr.splitlines()[-1] == "skillsim sweep: interrupted" and stdout == "", stderr
    assert not (tmp_path / "o").exists()  # finished tasks, if any, wait in the staging folder for --resume
    end = time.monotonic() + 20
    while running(cluster, "ray::run_task") and time.monotonic() < end:
        time.sleep(0.1)
    assert not running(cluster, "ray::run_task"), "the cluster still runs the interrupted sweep's tasks"


@pytest.mark.parametrize("address, said", [
    ("ray://127.0.0.1:{port}", "nothing answers at 127.0.0.1:{port}"),
    ("127.0.0.1:{port}", "nothing answers at 127.0.0.1:{port}"),
    ("ray://head-without-port", "is not HOST:PORT, ray://HOST:PORT"),
])
def test_a_ray_address_where_no_ray_answers_is_one_line_exit_2_at_once(tmp_path, capsys, monkeypatch, address, said):
    ray = pytest.importorskip("ray")
    assert not ray.is_initialized()  # else the command would use that Ray, not RAY_ADDRESS
    port = free_port()
    monkeypatch.setenv("RAY_ADDRESS", address.format(port=port))
    started = time.monotonic()
    assert main(sweep_args(tmp_path, "o") + ["--engine", "ray"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skillsim sweep: RAY_ADDRESS") and said.format(port=port) in err
    assert time.monotonic() - started < 15  # Ray itself would wait 30 s (Ray Client) or 12 minutes (a head)
    assert [p.name for p in tmp_path.iterdir()] == ["toy.toml"]


def test_ray_client_without_grpcio_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    pytest.importorskip("ray")
    monkeypatch.setitem(sys.modules, "grpc", None)  # as if ray[client] were not installed
    monkeypatch.setenv("RAY_ADDRESS", f"ray://127.0.0.1:{free_port()}")
    assert main(sweep_args(tmp_path, "o") + ["--engine", "ray"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Ray Client needs grpcio" in err and "pip install 'skillsim[ray]'" in err
    assert [p.name for p in tmp_path.iterdir()] == ["toy.toml"]
