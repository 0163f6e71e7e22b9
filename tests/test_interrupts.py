"""SIGINT / SIGTERM / SIGKILL on a real `skillsim run` process: one line, exit 130, the earlier
output untouched, no new output and nothing left beside it; a killed run's leftovers go with
the next run. Moments are found by what the process has done (polars loaded, the lock taken,
the output staged), not by guessing times."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skillsim.simulate import outputs, report, runner, scenario

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the moment")

SKILLSIM = Path(sys.executable).with_name("skillsim")
SMALL = ["--size", "100", "--replications", "1"]
LONG = ["--size", "1000000", "--replications", "20"]  # tens of seconds: interrupted long before the end


def start(out: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([str(SKILLSIM), "run", "beijing-2026-baseline", "--out", str(out), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def wait_for(p: subprocess.Popen, ready, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not ready():
        assert p.poll() is None, f"exited early: {p.communicate()}"
        assert time.monotonic() < end, "the moment never came"
        time.sleep(0.02)


def loading_polars(p: subprocess.Popen) -> bool:
    try:
        return "polars" in Path(f"/proc/{p.pid}/maps").read_text()
    except OSError:
        return False


@pytest.fixture(scope="module")
def result():
    return runner.run(scenario.load("beijing-2026-baseline").with_changes(size=100, replications=1))


@pytest.fixture
def earlier(tmp_path, result) -> Path:
    """An earlier output (its files' bytes are compared afterwards)."""
    out = tmp_path / "o"
    report.write(result, out)
    return out


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def assert_interrupted(p: subprocess.Popen, out: Path, before: dict[str, bytes]) -> None:
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, stderr
    assert stderr == "skillsim run: interrupted\n" and stdout == ""
    assert snapshot(out) == before
    assert {q.name for q in out.parent.iterdir()} == {out.name}  # no temporary folder, no lock file


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_computing_leaves_the_earlier_output(earlier, sig):
    before = snapshot(earlier)
    p = start(earlier, *LONG)
    lock = earlier.parent / ".o.skillsim-lock"
    wait_for(p, lock.exists)  # checked and locked: the computation starts now
    time.sleep(1.0)
    p.send_signal(sig)
    assert_interrupted(p, earlier, before)


def test_sigint_while_starting_up_is_quiet(earlier):
    before = snapshot(earlier)
    p = start(earlier, *SMALL)
    wait_for(p, lambda: loading_polars(p))
    p.send_signal(signal.SIGINT)
    assert_interrupted(p, earlier, before)


def staged(out: Path) -> bool:
    return any((q / "claims.parquet").exists() for q in out.parent.glob(".o.skillsim-tmp-*"))


def test_sigint_just_before_the_swap_writes_nothing(earlier):
    before = snapshot(earlier)
    p = start(earlier, *SMALL, env={outputs.PAUSE_ENV: "30"})
    wait_for(p, lambda: staged(earlier))
    p.send_signal(signal.SIGINT)
    assert_interrupted(p, earlier, before)


def test_sigkill_while_writing_then_a_rerun_cleans_up_and_succeeds(earlier):
    before = snapshot(earlier)
    p = start(earlier, *SMALL, env={outputs.PAUSE_ENV: "30"})
    wait_for(p, lambda: staged(earlier))
    p.kill()
    p.wait(timeout=30)
    assert snapshot(earlier) == before                                  # the earlier output is whole
    assert len({q.name for q in earlier.parent.iterdir()}) > 1          # the staged folder (and lock) stayed
    again = subprocess.run([str(SKILLSIM), "run", "beijing-2026-baseline", "--out", str(earlier), *SMALL,
                            "--seed", "9"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert {q.name for q in earlier.parent.iterdir()} == {"o"}
    assert snapshot(earlier)["summary.json"] != before["summary.json"] and outputs.is_ours(earlier)


def test_a_second_concurrent_run_into_the_same_folder_is_refused(earlier):
    before = snapshot(earlier)
    first = start(earlier, *SMALL, "--seed", "5", env={outputs.PAUSE_ENV: "60"})
    wait_for(first, (earlier.parent / ".o.skillsim-lock").exists)
    second = subprocess.run([str(SKILLSIM), "run", "beijing-2026-baseline", "--out", str(earlier), *SMALL],
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 2 and second.stdout == ""
    assert "another skillsim run is writing it" in second.stderr and len(second.stderr.splitlines()) == 1
    assert first.poll() is None  # the first still holds it (paused before its swap): stop it
    first.send_signal(signal.SIGINT)
    assert_interrupted(first, earlier, before)
