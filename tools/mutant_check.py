"""One mutant's verdict, run inside the (mutated) copy of the tree: `python -m tools.mutant_check`.

The tests go in stages (``--stage``, each a comma-separated list of test files; -x: the
first failure kills the mutant): the mutated file's own tests first, which kill most
mutants in seconds. If they pass, the reference population is evaluated and compared with
the unmutated tree's results: the same results make the mutant *equivalent* (the later
stages are not run). Otherwise the later stages run; if every test passes it is a
*survivor*. Writes the verdict (JSON). With --baseline every stage runs, the tests of the
first two must pass (a file of the later ones that fails on the unmutated copy is named, to
be left out), and it writes the reference results and each test file's duration instead.

Hypothesis runs derandomised, without shrinking, a database or deadlines here: every run
draws the baseline's examples (a random draw that finds a bug the mutant did not make is
no kill: one did, a newline accepted in an output folder's name), a mutant only needs a
failure, not the smallest one (shrinking a failure took minutes), and a loaded machine
must not fail a test by its clock.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path


class _Recorder:
    """pytest plugin: the node id of the first failed test, and each test file's duration."""

    def __init__(self) -> None:
        self.failed: str | None = None
        self.failed_files: set[str] = set()
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report) -> None:
        self.seconds[report.nodeid.split("::")[0]] += report.duration
        if report.failed:
            self.failed_files.add(report.nodeid.split("::")[0])
            self.failed = self.failed or report.nodeid

    def pytest_collectreport(self, report) -> None:
        if report.failed and self.failed is None:
            self.failed = f"{report.nodeid or 'collection'} (collection error)"


def _hypothesis_profile() -> None:
    from hypothesis import HealthCheck, Phase, settings
    settings.register_profile("mutant", database=None, deadline=None, print_blob=False, derandomize=True,
                              phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("mutant")


def _run(files: list[str], rec: _Recorder, first_failure: bool = True) -> dict | None:
    """Run one stage: a verdict if it kills the mutant (or cannot run), else None."""
    import pytest
    rc = pytest.main([*files, *(["-x"] if first_failure else []), "-q", "-p", "no:cacheprovider", "--no-header",
                      "-o", "addopts="], plugins=[rec])
    if rc in (1, 2):  # tests failed, or failed to collect (a mutant that breaks an import)
        return {"outcome": "killed", "by": rec.failed or f"pytest exit {rc}"}
    if rc not in (0, 5):  # 5: no tests collected in this stage
        return {"outcome": "error", "detail": f"pytest exit {int(rc)}"}
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", type=Path, required=True, help="the reference population (JSON)")
    ap.add_argument("--expected", type=Path, help="the unmutated results (JSON)")
    ap.add_argument("--baseline", type=Path, help="write the results here instead of comparing")
    ap.add_argument("--policies", default="", help="comma-separated policy ids to compare (empty: all)")
    ap.add_argument("--stage", action="append", default=[], help="comma-separated test files, in order")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    from tools import reference

    _hypothesis_profile()
    ref = json.loads(args.reference.read_text(encoding="utf-8"))
    only = [p for p in args.policies.split(",") if p]
    stages = [[f for f in s.split(",") if f] for s in args.stage]
    rec = _Recorder()
    verdict: dict | None = None
    diff = None
    for i, files in enumerate(stages):
        if i == 1 and not args.baseline:
            # the own tests passed: a mutant that changes no result is equivalent, whatever the rest say
            got = reference.results(ref, only or None)
            want = json.loads(args.expected.read_text(encoding="utf-8"))
            diff = reference.first_difference({k: v for k, v in want.items() if k in got}, got)
            if not diff:
                verdict = {"outcome": "equivalent"}
                break
        if args.baseline and i >= 2:
            # the rest of the suite: a file that fails on the unmutated copy (it needs what the
            # copy lacks) cannot judge a mutant; it is left out of the mutants' runs, not fatal
            _run(files, rec, first_failure=False)
            continue
        verdict = _run(files, rec) if files else None
        if verdict:
            break
    if verdict is None:
        if args.baseline:
            args.baseline.write_text(json.dumps(reference.results(ref), ensure_ascii=False), encoding="utf-8")
            verdict = {"outcome": "baseline", "seconds": dict(rec.seconds), "unusable": sorted(rec.failed_files)}
        elif len(stages) < 2:  # one stage only: the results were not compared yet
            got = reference.results(ref, only or None)
            want = json.loads(args.expected.read_text(encoding="utf-8"))
            diff = reference.first_difference({k: v for k, v in want.items() if k in got}, got)
            verdict = {"outcome": "survived", "changes": diff} if diff else {"outcome": "equivalent"}
        else:
            verdict = {"outcome": "survived", "changes": diff}
    args.out.write_text(json.dumps(verdict, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
