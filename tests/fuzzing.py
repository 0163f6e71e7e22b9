"""What every fuzz test shares: how many examples to draw, and the command line's promise.

The promise (README, "What you can rely on"): `skillsim` exits 0, or 2 with exactly one
line on stderr and nothing on stdout; never a traceback, never exit 1 for bad input.
``SKILLSIM_FUZZ=long`` (``make fuzz``) raises the example counts for a long run.
"""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

from skillsim.simulate.cli import main

LONG = os.environ.get("SKILLSIM_FUZZ") == "long"


def fuzz_settings(short: int, long: int) -> settings:
    """Hypothesis settings for a fuzz test: ``short`` examples in CI, ``long`` in ``make fuzz``."""
    return settings(max_examples=long if LONG else short, deadline=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much, HealthCheck.data_too_large])


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def cli(*argv: str) -> Outcome:
    """Run ``skillsim`` in this process and check the promise; return what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    res = Outcome(code, out.getvalue(), err.getvalue())
    assert res.code in (0, 2), f"exit {res.code}: {res.err[-2000:]}"
    assert "Traceback" not in res.err, res.err[-2000:]
    if res.code == 2:
        assert res.out == "", f"stdout on exit 2: {res.out[:300]}"
        lines = res.err.strip().splitlines()
        assert len(lines) == 1, f"stderr on exit 2 is not one line: {res.err[:600]}"
        assert len(lines[0]) <= 400, f"error line of {len(lines[0])} characters"
    return res
