"""SIGINT and SIGTERM stop a command cleanly: no traceback, exit 130, nothing half-written.

The handler raises ``Interrupted`` once (later signals only count, so the clean-up that
the first one started is not cut short) and remembers that a signal came: library code
that swallows the exception (polars turns a signal seen inside Rust into its own error)
cannot hide it, since ``checkpoint`` raises again wherever the flag is set. The swap
that lands an output runs inside ``deferred``, with both signals blocked, so it is
either done whole or not begun.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 130


class Interrupted(KeyboardInterrupt):
    """A SIGINT or SIGTERM arrived (a KeyboardInterrupt, so ``except KeyboardInterrupt`` still sees it)."""


_received: int | None = None


def _raise_once(signum: int, frame: object) -> None:
    global _received
    first = _received is None
    _received = signum
    if first:
        raise Interrupted(signal.Signals(signum).name)


def received() -> bool:
    return _received is not None


def checkpoint() -> None:
    """Raise ``Interrupted`` if a signal came, even one whose exception was swallowed."""
    if _received is not None:
        raise Interrupted(signal.Signals(_received).name)


@contextmanager
def trapped() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` inside the block (main thread only: a
    command run from a worker thread keeps the process's handlers). Handlers are installed
    even where the parent left SIGINT ignored (a background job of a script), since the
    user who sends it means it."""
    global _received
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received = None
    before = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _raise_once)
    try:
        yield
    finally:
        for s, h in before.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)


@contextmanager
def deferred() -> Iterator[None]:
    """Both signals held back inside the block; one that came before is raised on entry,
    one that comes inside is delivered (and raised) on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        checkpoint()
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def is_program() -> bool:
    """Whether this process is the ``skillsim`` program (not a test or a notebook calling
    ``main``, nor a worker process spawned by it: spawn re-imports the program's main module
    under the program's sys.argv, but its own command line keeps multiprocessing's mark, and
    a worker the executor terminates must die quietly, not say "interrupted")."""
    if "--multiprocessing-fork" in getattr(sys, "orig_argv", ()):
        return False
    main = getattr(sys.modules.get("__main__"), "__spec__", None)
    started_as = "skillsim.simulate.cli" if main is not None and main.name == "skillsim.simulate.cli" else os.path.basename(sys.argv[0])
    return started_as in ("skillsim", "skillsim.simulate.cli") and threading.current_thread() is threading.main_thread()


def _exit_at_once(signum: int, frame: object) -> None:
    command = " ".join(["skillsim", *sys.argv[1:2]])
    os.write(2, f"{command}: interrupted\n".encode())
    os._exit(EXIT_CODE)


def exit_while_starting() -> None:
    """For the ``skillsim`` program only, while its modules load: nothing is written yet,
    so a signal ends the process at once (``trapped`` takes over when the command starts)."""
    if is_program():
        for s in SIGNALS:
            signal.signal(s, _exit_at_once)


def exit_now() -> None:
    """The ``skillsim`` program, interrupted and cleaned up, ends without waiting for worker
    threads to finish the polars query they are in (seconds for a large chunk)."""
    if is_program():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_CODE)


__all__ = ["Interrupted", "checkpoint", "received", "trapped", "deferred", "exit_while_starting", "exit_now", "is_program",
           "EXIT_CODE"]
