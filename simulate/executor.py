"""One executor for every multi-run command (``run``'s replications, ``sweep``,
``sensitivity``, ``calibrate``): independent tasks on this machine or on a Ray cluster.

    with executor("local", workers=2) as ex:
        results = ex.map(fn, tasks, progress=bar, on_result=save)   # results in task order

``fn`` is a module-level function (workers import it by name) and ``tasks`` a sequence of
picklable arguments, one a task. ``progress(done, total)`` and ``on_result(index, result)``
are called in this process as tasks finish (in finishing order); the returned list is in
task order. A task's randomness must come from its argument alone, so results are the same
bit for bit whatever the engine, the number of workers or the order tasks finish in.

Engines:
- ``local``, 1 worker (the default): the tasks one after another in this process.
- ``local``, N workers: N processes started by spawn (polars must not be forked), each with
  POLARS_MAX_THREADS = max(1, cores // N), set before the worker imports polars.
- ``ray``: a local Ray with N CPUs, or the cluster named by RAY_ADDRESS (docs/cluster.md):
  HOST:PORT from a node of the cluster, ray://HOST:PORT (Ray Client) from outside it, or auto.
  A task whose worker dies is retried by Ray (3 times); results come back through Ray's
  object store (polars frames as Arrow). Ray is optional: ``pip install 'skillsim[ray]'``.

Ctrl-C (simulate/interrupts.py): the map stops at once; local worker processes are
terminated and Ray tasks cancelled (force), and the Interrupted exception goes on up, so the
command's output transaction lands nothing.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any, Iterator

from . import interrupts

ENGINES = ("local", "ray")
RAY_HINT = "pip install 'skillsim[ray]'"
RAY_RETRIES = 3        # a task whose worker process dies is run again, at most this often
POLL_SECONDS = 0.25    # how often a waiting map looks for a signal
CONNECT_SECONDS = 5    # how long RAY_ADDRESS's host may take to accept a connection


class EngineError(ValueError):
    """A bad --engine or --workers, or an engine that is not installed: one line, exit 2."""


Progress = Callable[[int, int], None]
OnResult = Callable[[int, Any], None]


def cores() -> int:
    return os.cpu_count() or 1


def polars_threads(workers: int) -> int:
    """Polars' threads in each of ``workers`` processes sharing this machine."""
    return max(1, cores() // max(1, workers))


class Executor:
    """Runs independent tasks; a context manager (``close`` on leaving)."""

    engine = "local"
    workers = 1

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any], *, progress: Progress | None = None,
            on_result: OnResult | None = None) -> list:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(engine={self.engine!r}, workers={self.workers})"


def _finished(results: list, index: int, result: Any, done: int, total: int,
              progress: Progress | None, on_result: OnResult | None) -> None:
    results[index] = result
    if on_result is not None:
        on_result(index, result)
    if progress is not None:
        progress(done, total)


class InProcess(Executor):
    """The tasks one after another in this process: no process cost, today's behaviour."""

    def map(self, fn, tasks, *, progress=None, on_result=None) -> list:
        tasks = list(tasks)
        results: list = [None] * len(tasks)
        for i, task in enumerate(tasks):
            interrupts.checkpoint()
            _finished(results, i, fn(task), i + 1, len(tasks), progress, on_result)
        return results


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """These environment variables while the block starts processes (they inherit them);
    this process's own polars has read its threads already."""
    if "polars" in sys.modules:  # its thread pool starts on first use: before the change, not during it
        sys.modules["polars"].thread_pool_size()
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _worker_start(threads: int) -> None:
    """A spawned worker: polars' threads set before anything imports polars; signals left
    to the parent (a Ctrl-C at the terminal reaches the whole process group, and the parent
    ends the workers itself)."""
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Processes(Executor):
    """``workers`` processes started by spawn, each with its share of the cores for polars."""

    def __init__(self, workers: int):
        self.workers = workers
        self.threads = polars_threads(workers)
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                             initializer=_worker_start, initargs=(self.threads,))
        return self._pool

    def map(self, fn, tasks, *, progress=None, on_result=None) -> list:
        tasks = list(tasks)
        results: list = [None] * len(tasks)
        if not tasks:
            return results
        # the environment a spawned worker starts with: its polars reads it on import, even
        # where the worker's first import (the parent's main module) comes before the initializer
        with _environment(POLARS_MAX_THREADS=str(self.threads)):
            pool = self._start()
            index: dict[Future, int] = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        pending, done = set(index), 0
        try:
            while pending:
                interrupts.checkpoint()
                finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=index.__getitem__):
                    done += 1
                    _finished(results, index[fut], fut.result(), done, len(tasks), progress, on_result)
        except BaseException:
            self._terminate()
            raise
        return results

    def _terminate(self) -> None:
        """End the workers now (an interrupt or a failed task): queued tasks are dropped and
        running ones killed, not waited for."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
        for p in processes:
            if p.is_alive():
                p.terminate()
        for p in processes:
            p.join(timeout=5)
        pool.shutdown(wait=True, cancel_futures=True)  # its manager thread sees the workers gone and ends
        # its queues' semaphores are released by their finalizers, which run when they are
        # collected: now, as an interrupted program ends without running them (os._exit)
        del pool, processes
        gc.collect()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(f"--engine ray: ray is not installed ({RAY_HINT})") from None
    return ray


def _check_address(address: str) -> None:
    """RAY_ADDRESS names a cluster that answers, before Ray tries it: Ray waits for an absent
    head about 12 minutes (20 tries of 35 s, deaf to Ctrl-C inside each) and for an absent
    Ray Client server 30 s, and Ray Client needs grpcio (``ray[client]``)."""
    if address in ("auto", "local"):
        return
    client = address.startswith("ray://")
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not host or not port.isdigit():
        raise EngineError(f"RAY_ADDRESS: {address!r} is not HOST:PORT, ray://HOST:PORT (Ray Client) or auto")
    if client:
        import importlib.util
        if importlib.util.find_spec("grpc") is None:
            raise EngineError(f"RAY_ADDRESS={address}: Ray Client needs grpcio ({RAY_HINT}, which brings ray[client])")
    import socket
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        raise EngineError(f"RAY_ADDRESS={address}: nothing answers at {host}:{port} ({exc.strerror or exc}); "
                          f"is a Ray {'client server' if client else 'head'} running there? (docs/cluster.md)") from None


class Ray(Executor):
    """Tasks on Ray: a local Ray of ``workers`` CPUs, or the cluster at RAY_ADDRESS."""

    engine = "ray"

    def __init__(self, workers: int | None):
        ray = self._ray = _ray()
        self.address = os.environ.get("RAY_ADDRESS") or None
        self.started = False
        if not ray.is_initialized():
            if self.address is not None:
                _check_address(self.address)
            import logging
            # no address: a Ray of our own ("local"), never a cluster another `ray start` left running
            options: dict[str, Any] = dict(address=self.address or "local", include_dashboard=False,
                                           logging_level=logging.WARNING)
            if self.address is None:
                options["num_cpus"] = workers or cores()
                # its worker processes inherit this environment: each polars gets its share of
                # the cores (a runtime_env would do the same at several seconds a start; on a
                # cluster, set POLARS_MAX_THREADS where `ray start` runs: docs/cluster.md)
                threads = os.environ.get("POLARS_MAX_THREADS") or str(polars_threads(options["num_cpus"]))
            try:
                with _environment(**({"POLARS_MAX_THREADS": threads} if self.address is None else {})):
                    ray.init(**options)
            except ConnectionError as exc:  # it answers, but no Ray there (or another version of it)
                ray.shutdown()
                raise EngineError(f"RAY_ADDRESS={self.address}: {' '.join(str(exc).split())}") from None
            except BaseException:  # an interrupt while it starts: its processes must not outlive us
                ray.shutdown()
                raise
            self.started = True
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))

    def map(self, fn, tasks, *, progress=None, on_result=None) -> list:
        ray = self._ray
        tasks = list(tasks)
        results: list = [None] * len(tasks)
        if not tasks:
            return results
        remote = ray.remote(max_retries=RAY_RETRIES, retry_exceptions=False, num_cpus=1)(fn)
        index = {remote.remote(task): i for i, task in enumerate(tasks)}
        pending, done = list(index), 0
        try:
            while pending:
                interrupts.checkpoint()
                finished, pending = ray.wait(pending, num_returns=1, timeout=POLL_SECONDS, fetch_local=True)
                for ref in finished:  # one at a time: in the order they finish
                    done += 1
                    _finished(results, index[ref], ray.get(ref), done, len(tasks), progress, on_result)
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        return results

    def close(self) -> None:
        if self.started:
            self.started = False
            self._ray.shutdown()


def executor(engine: str = "local", workers: int | None = None) -> Executor:
    """The executor of ``engine`` ("local" or "ray") with ``workers`` (local: 1 by default,
    in this process; ray: the cluster's CPUs by default)."""
    if engine not in ENGINES:
        raise EngineError(f"--engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise EngineError(f"--workers: {workers!r} must be a whole number of at least 1")
    if engine == "ray":
        return Ray(workers)
    return InProcess() if workers in (None, 1) else Processes(workers)


@contextmanager
def progress_bar(description: str, total: int, show: bool | None = None) -> Iterator[Progress | None]:
    """A rich progress bar on stderr (when it is a terminal, or ``show``): tasks done, rate
    and time left. Yields the ``progress(done, total)`` callback for ``Executor.map``, or
    None when nothing is shown."""
    show = sys.stderr.isatty() if show is None else show
    if not show:
        yield None
        return
    from rich.markup import escape
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    class Rate(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task: Any):  # tasks a second (or a minute), from rich's own speed estimate
            from rich.text import Text
            speed = task.finished_speed or task.speed
            if not speed:
                return Text("–/s", style="progress.data.speed")
            return Text(f"{speed:.2f}/s" if speed >= 0.1 else f"{speed * 60:.2f}/min", style="progress.data.speed")

    with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), Rate(),
             TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(escape(description), total=total, start=True)
        yield lambda done, _total: bar.update(task, completed=done)


__all__ = ["executor", "Executor", "EngineError", "ENGINES", "RAY_HINT", "progress_bar", "polars_threads", "cores"]
