"""Output folders written as one transaction: the earlier output or the new one, never half of either.

    with Target(out, estimate=...) as target:   # checked and locked before anything is computed
        ...compute...
        folder = target.stage()                  # a marked temporary sibling of ``out``
        ...write files into folder (or target.subfolder(name) for several scenarios)...
        target.commit()                          # swapped in whole, signals held back

A folder is ours only when it holds the marker ``.skillsim-output`` that ``stage`` writes
(never judged by a file name a user might have too). ``--out`` must be absent, empty or ours.
A lock beside the target (``.<name>.skillsim-lock``, fcntl.flock) refuses a second run into
the same folder. Temporary and trash folders are named ``.<name>.skillsim-tmp-…`` /
``.<name>.skillsim-old-…``; ones left by a killed run are removed by the next run (holding
the lock, no live run can own them). Any OSError becomes an ``OutputError`` naming the path.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import fcntl
import glob
import json
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path
from types import TracebackType

from . import interrupts

MARKER = ".skillsim-output"
MARKER_FORMAT = 1
NAME = re.compile(r"[A-Za-z0-9_-]+")  # fullmatch: "$" would let a trailing newline through
PAUSE_ENV = "SKILLSIM_TEST_PAUSE_BEFORE_SWAP"  # tests: seconds to wait before the swap (to signal then)


class OutputError(ValueError):
    """The output folder cannot be used or written (named in the message)."""


def check_name(name: object, what: str = "scenario name") -> str:
    """A scenario's name becomes a folder name: letters, digits, '-' and '_' only."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:59] + "…"
        raise OutputError(f"{what} {shown}: only letters, digits, '-' and '_' (it names an output folder)")
    return name


def is_ours(folder: Path) -> bool:
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("skillsim_output") == MARKER_FORMAT


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mark(folder: Path, **facts: object) -> None:
    folder.chmod(0o777 & ~_umask())  # mkdtemp makes 0700: follow the user's umask like any folder
    doc = {"skillsim_output": MARKER_FORMAT, "written": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "host": socket.gethostname(), "pid": os.getpid(), **facts}
    (folder / MARKER).write_text(json.dumps(doc) + "\n", encoding="utf-8")


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_target(out: str | Path) -> Path:
    """Refuse, before anything runs, a target that is not absent, empty or an earlier output."""
    out = Path(out)
    if not out.name or out.name in (".", ".."):
        raise OutputError(f"--out {out}: name a folder, not '.' or '..'")
    if out.is_symlink():
        raise OutputError(f"--out {out}: is a symbolic link; name the folder itself")
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    absolute = out.resolve()
    if cwd is not None and (absolute == cwd or absolute in cwd.parents):
        raise OutputError(f"--out {out}: is the current folder or holds it; choose another folder")
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"--out {out}: exists and is not a folder")
        try:
            empty = not any(out.iterdir())
        except OSError as exc:
            raise OutputError(f"--out {out}: cannot be read ({_why(exc)})") from None
        if not empty and not is_ours(out):
            raise OutputError(f"--out {out}: exists and is not an earlier skillsim output; choose another --out")
    _check_ancestor(out, f"--out {out}")
    return out


def _check_ancestor(path: Path, label: str) -> None:
    """The nearest existing folder above ``path`` is a writable folder (the rest can be made)."""
    ancestor = path.parent
    while not ancestor.exists():
        if ancestor.is_symlink():  # a dangling link: the folder it names is not there
            raise OutputError(f"{label}: {ancestor} is a broken symbolic link")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{label}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"{label}: {ancestor} is not writable")


def _make_parents(path: Path, made: list[Path]) -> None:
    """The missing folders above ``path`` made, top first, each added to ``made`` as it is
    (so a failure can remove them)."""
    missing = []
    p = path.parent
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        p.mkdir()
        made.append(p)


def _renameat2() -> object | None:
    """Linux's renameat2 (glibc 2.28+), for an atomic exchange of two folders; None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


_RENAMEAT2 = _renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing folders in one step; False where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # a file system without the exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


class Target:
    """One ``--out`` folder for the length of a run: checked, locked, staged, swapped in."""

    def __init__(self, out: str | Path, estimate: int = 0):
        self.out = Path(out)
        self.estimate = estimate        # bytes the output will take at least (checked against free space)
        self._lock_fd: int | None = None
        self._made: list[Path] = []     # parent folders this run created (removed again on failure)
        self._stage: Path | None = None
        self._committed = False

    # ------------------------------------------------------------------ before the run
    def __enter__(self) -> "Target":
        check_target(self.out)
        try:
            _make_parents(self.out, self._made)
            self._lock()
            self._recover()
            check_target(self.out)  # again under the lock: another run may have just finished
            free = shutil.disk_usage(self.out.parent).free
        except OSError as exc:
            self._release()
            raise OutputError(f"--out {self.out}: {_why(exc)}") from None
        except BaseException:
            self._release()
            raise
        if free < self.estimate:
            self._release()
            raise OutputError(f"--out {self.out}: {free:,} bytes free on its disk, the output needs about "
                              f"{self.estimate:,}")
        return self

    def _hidden(self, kind: str) -> str:
        return f".{self.out.name}.skillsim-{kind}"

    def _lock(self) -> None:
        path = self.out.parent / (self._hidden("lock"))
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputError(f"--out {self.out}: another skillsim run is writing it (lock {path})") from None
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a lock file that its holder removed after we opened it
                self._lock_fd = fd
                return
            os.close(fd)

    def _recover(self) -> None:
        """Leftovers of killed runs into this target: we hold the lock, so no live run owns
        them (the pid in their names and markers says whose they were). A run killed mid-swap on a system without the exchange left the target missing and
        the earlier output aside (``old-``, complete): that is put back first."""
        def leftovers(kind: str) -> list[Path]:
            found = self.out.parent.glob(glob.escape(self._hidden(kind)) + "*")
            return sorted(p for p in found if p.is_dir() and not p.is_symlink())
        if not self.out.exists():
            for old in leftovers("old-"):
                if is_ours(old):
                    os.rename(old, self.out)
                    break
        for p in leftovers("tmp-"):
            if is_ours(p) or not any(p.iterdir()):  # killed while staging (or right after mkdtemp)
                shutil.rmtree(p)
        for p in [*leftovers("old-"), *leftovers("trash-")]:  # only ever made by _swap
            shutil.rmtree(p)

    # ------------------------------------------------------------------ the write
    def stage(self) -> Path:
        """A new marked temporary folder beside the target; the files go in here."""
        try:
            self._stage = Path(tempfile.mkdtemp(prefix=self._hidden(f"tmp-{os.getpid()}-"), dir=self.out.parent))
            _mark(self._stage)
        except OSError as exc:
            raise OutputError(f"--out {self.out}: cannot write beside it ({_why(exc)})") from None
        return self._stage

    def subfolder(self, name: str) -> Path:
        """``<stage>/<name>/``, marked too (one scenario's output among several)."""
        check_name(name)
        assert self._stage is not None, "stage() first"
        folder = self._stage / name
        try:
            folder.mkdir()
            _mark(folder)
        except FileExistsError:
            raise OutputError(f"--out {self.out}: two outputs named {name}") from None
        except OSError as exc:
            raise OutputError(f"{self.out / name}: {_why(exc)}") from None
        return folder

    def commit(self) -> None:
        """Swap the staged folder in; the earlier output goes only once the new one is in place."""
        assert self._stage is not None, "stage() first"
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        with interrupts.deferred():
            try:
                self._swap()
            except OSError as exc:
                raise OutputError(f"--out {self.out}: {_why(exc)}") from None
            self._committed = True

    def _swap(self) -> None:
        new, out = self._stage, self.out
        trash = out.parent / self._hidden(f"trash-{os.getpid()}")
        if not out.exists():
            os.rename(new, out)
        elif _exchange(new, out):
            os.rename(new, trash)  # the earlier output, now under the temporary name
        else:  # aside, in: a kill between the two renames is undone by _recover
            old = out.parent / self._hidden(f"old-{os.getpid()}")
            os.rename(out, old)
            os.rename(new, out)
            os.rename(old, trash)
        self._stage = None
        shutil.rmtree(trash, ignore_errors=True)

    # ------------------------------------------------------------------ after
    def __exit__(self, kind: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._release()

    def _release(self) -> None:
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None
        if self._lock_fd is not None:
            try:
                os.unlink(self.out.parent / self._hidden("lock"))
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None
        if not self._committed:
            for p in reversed(self._made):  # deepest first, only while empty
                try:
                    p.rmdir()
                except OSError:
                    break
        self._made = []


# ---------------------------------------------------------------------- single files

class Files:
    """Output files named by the user (``evaluate --out FILE --rejects FILE``), written together.

        with Files([out, rejects], replace=args.force) as files:   # checked before computing
            write(files.stage(out)); write(files.stage(rejects))   # hidden temporary files beside them
            files.commit()                                          # renamed in; else nothing is left

    A file is never a folder or a symbolic link; one that exists is replaced only with
    ``replace=True`` (a file is no folder with a marker: nothing says it is ours). Without
    it, the file is put in place by a hard link, which fails rather than replace one that
    appeared meanwhile. Missing parent folders are made (and removed again on failure).
    Temporary files are ``.<name>.skillsim-tmp-<pid>-…``; those of a killed run are removed
    by the next run into the same file.
    """

    def __init__(self, paths: list[str | Path], replace: bool = False):
        self.paths = [Path(p) for p in paths]
        self.replace = replace
        self._staged: dict[Path, Path] = {}
        self._made: list[Path] = []
        self._done = False

    def __enter__(self) -> "Files":
        seen = set()
        for path in self.paths:
            key = path.resolve()
            if key in seen:
                raise OutputError(f"{path}: named twice; give each output a file of its own")
            seen.add(key)
            self._check(path)
        try:
            for path in self.paths:
                _make_parents(path, self._made)
                self._recover(path)
        except OSError as exc:
            self._release()
            raise OutputError(f"{path}: {_why(exc)}") from None
        return self

    def _check(self, path: Path) -> None:
        if not path.name or path.name in (".", ".."):
            raise OutputError(f"{path}: name a file")
        if path.is_symlink():
            raise OutputError(f"{path}: is a symbolic link; name the file itself")
        if path.is_dir():
            raise OutputError(f"{path}: is a folder; name a file")
        if path.exists() and not self.replace:
            raise OutputError(f"{path}: exists; choose another file, or --force to replace it")
        _check_ancestor(path, str(path))

    @staticmethod
    def _prefix(path: Path) -> str:
        return f".{path.name}.skillsim-tmp-"

    def _recover(self, path: Path) -> None:
        """Temporary files of runs into this file whose process is gone."""
        for old in path.parent.glob(glob.escape(self._prefix(path)) + "*"):
            pid = old.name[len(self._prefix(path)):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)) and old.is_file():
                old.unlink()

    def stage(self, path: str | Path) -> Path:
        """A new hidden temporary file beside ``path`` (one of those given) to write into."""
        path = Path(path)
        assert path in self.paths, f"{path} is not one of this transaction's files"
        try:
            fd, name = tempfile.mkstemp(prefix=f"{self._prefix(path)}{os.getpid()}-", dir=path.parent)
            os.close(fd)
            os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600: follow the user's umask like any file
        except OSError as exc:
            raise OutputError(f"{path}: cannot write beside it ({_why(exc)})") from None
        self._staged[path] = Path(name)
        return Path(name)

    def commit(self) -> None:
        """Every staged file renamed to its name, signals held back until done. Should one
        fail, the new files already in place are removed again (a replaced one stays replaced)."""
        landed: list[Path] = []
        with interrupts.deferred():
            for path, tmp in self._staged.items():
                try:
                    if self.replace:
                        os.replace(tmp, path)
                    else:
                        os.link(tmp, path)  # refuses a file that appeared since the check
                        os.unlink(tmp)
                    landed.append(path)
                except OSError as exc:
                    for done in landed if not self.replace else []:
                        done.unlink(missing_ok=True)
                    if isinstance(exc, FileExistsError):
                        raise OutputError(f"{path}: appeared while skillsim ran; not replaced") from None
                    raise OutputError(f"{path}: {_why(exc)}") from None
            self._done = True
            self._staged = {}

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._release()

    def _release(self) -> None:
        for tmp in self._staged.values():
            try:
                tmp.unlink()
            except OSError:
                pass
        self._staged = {}
        if not self._done:
            for p in reversed(self._made):
                try:
                    p.rmdir()
                except OSError:
                    break


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True


__all__ = ["Target", "Files", "OutputError", "check_target", "check_name", "is_ours", "MARKER", "PAUSE_ENV"]
