"""The dashboard's disk cache: each ready scenario's run computed once, then read from disk.

A run of the two grounded baselines at their own sizes takes minutes; its outputs (what
``skillsim run --out`` writes: ``summary.json``, ``breakdowns.parquet`` and an empty
``claims.parquet``, since the pages read no claim) take milliseconds to read back. So the
first server to need a run writes it into the user's cache folder and every later server,
session and page reads it:

* the folder: ``$SKILLSIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/skillsim``, else
  ``~/.cache/skillsim`` (never inside the repository); runs go under ``dashboard/runs/``;
* an entry's name is the hash of what decides the run: the scenario (name and file hash),
  the size and replications forced on it, its seed, the skillsim version and the code and
  data the run reads (every file of ``skillsim.policies``, ``skillsim.simulate``, the ready
  scenarios and each registered plug-in policy's package: a changed parameter file, rule
  or catalog is a new entry); ``key.json`` beside the outputs lists them;
* an entry is written into a temporary folder and renamed into place, so a reader sees a
  whole entry or none; two servers computing the same entry at once both finish, one
  rename wins;
* ``skillsim dashboard --warm`` computes every ready scenario's entry ahead of time, and the
  server starts computing those not on disk in the background as it starts (``precompute``:
  the baselines first), so a first visitor waits only for what is left, with a progress bar.

Delete the folder to start afresh; nothing else refers to it.

This module imports no streamlit: the ``skillsim dashboard --warm`` command uses it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

DIR_ENV = "SKILLSIM_CACHE_DIR"
FORMAT = 1            # bump when what an entry holds changes
FILES = ("summary.json", "breakdowns.parquet")   # what an entry must hold to be read


def root() -> Path:
    """The user's cache folder for skillsim."""
    explicit = os.environ.get(DIR_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg and Path(xdg).expanduser().is_absolute() else Path.home() / ".cache"
    return base / "skillsim"


def runs_dir() -> Path:
    return root() / "dashboard" / "runs"


def _package_dirs() -> list[Path]:
    """The folders whose files decide a run: the simulator, the policies, the ready scenarios,
    and each registered plug-in policy's package."""
    import skillsim
    from skillsim.policies import all_policies

    top = Path(skillsim.__file__).parent
    dirs = [top / "policies", top / "simulate", top / "scenarios"]
    for pol in all_policies():
        here = Path(sys.modules[type(pol).__module__].__file__).parent
        if not any(here.is_relative_to(d) for d in dirs):
            dirs.append(here)
    return dirs


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of every file (name and bytes) the runs read: the code, parameters, rules,
    catalogs and scenarios. Computed once a process."""
    h = hashlib.sha256()
    for d in _package_dirs():
        for path in sorted(p for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(path.relative_to(d)).encode() + b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()[:16]


def resized(scen: Any, size: int | None, replications: int | None) -> Any:
    """The scenario with the dashboard's forced size and replications (None: its own)."""
    changes = {k: v for k, v in (("size", size), ("replications", replications)) if v}
    return scen.with_changes(**changes) if changes else scen


def key_facts(scen: Any, size: int | None, replications: int | None) -> dict[str, Any]:
    """What decides a scenario's run, as a cache entry's key.json holds it."""
    from skillsim import __version__
    return {"format": FORMAT, "scenario": scen.name, "scenario_hash": scen.digest, "seed": scen.seed,
            "size": size, "replications": replications, "skillsim_version": __version__, "code": code_digest()}


def entry(scen: Any, size: int | None, replications: int | None) -> Path:
    """The cache folder of this scenario's run at this size and number of replications
    (None: the scenario's own), whether it exists yet or not."""
    facts = key_facts(scen, size, replications)
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]
    return runs_dir() / f"{scen.name}-{digest}"


def has(folder: Path) -> bool:
    return all((folder / f).is_file() for f in FILES)


_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()
# the entries this process is computing: (replications done, of all, when the run started)
_running: dict[Path, tuple[int, int, float]] = {}


def _lock(folder: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(folder, threading.Lock())


def compute(scen: Any, size: int | None, replications: int | None,
            progress: Callable[..., None] | None = None) -> Path:
    """The entry of ``scen`` (already resized), run and written if it is not there yet;
    ``progress(done, total)`` as replications finish. One run at a time per entry in this
    process: a second caller (a page while the server's start-up run of it goes on) waits
    for the first, its ``progress(done, total, since=start)`` following that run, and reads
    its entry: it waits only for what is left."""
    from skillsim.simulate import report, runner

    folder = entry(scen, size, replications)
    lock = _lock(folder)
    if not lock.acquire(blocking=False):
        shown = None
        while not lock.acquire(timeout=0.25):
            now = _running.get(folder)
            if progress and now and now != shown:
                shown = now
                progress(now[0], now[1], since=now[2])
    try:
        if has(folder):
            return folder
        started = time.perf_counter()

        def track(done: int, total: int) -> None:
            _running[folder] = (done, total, started)
            if progress:
                progress(done, total)
        _running[folder] = (0, scen.replications, started)
        res = runner.run(scen, progress=track, keep_claims=False)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        try:
            mask = os.umask(0)
            os.umask(mask)
            tmp.chmod(0o777 & ~mask)     # mkdtemp makes 0700: follow the user's umask like any folder
            report.write_files(res, tmp)
            (tmp / "key.json").write_text(json.dumps(key_facts(scen, size, replications), indent=1) + "\n",
                                          encoding="utf-8")
            try:
                os.rename(tmp, folder)
            except OSError:
                if not has(folder):      # not another server's entry that won the race
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        _running.pop(folder, None)
        lock.release()
    return folder


def precompute(names: list[str], size: int | None, replications: int | None,
               log: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> threading.Thread:
    """Compute these ready scenarios' entries one after another in a background thread (the
    server's start-up: ``serve.py``), those already on disk skipped; a page that needs one
    meanwhile waits for it with the progress bar (``compute``). A scenario that fails is one
    line on the console; the page will say why when it asks for it."""
    from skillsim.simulate import scenario

    def work() -> None:
        for name in names:
            try:
                scen = resized(scenario.load(name), size, replications)
                if has(entry(scen, size, replications)):
                    continue
                started = time.perf_counter()
                compute(scen, size, replications)
                log(f"skillsim dashboard: {name} computed into the cache in {time.perf_counter() - started:.0f} s")
            except Exception as exc:  # noqa: BLE001 -- the page that needs it shows the error
                log(f"skillsim dashboard: {name} not computed ahead: {type(exc).__name__}: {exc}")
    thread = threading.Thread(target=work, name="skillsim-precompute", daemon=True)
    thread.start()
    return thread
