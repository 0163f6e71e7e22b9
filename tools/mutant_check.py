"""One mutant's verdict, run inside the (mutated) copy of the tree: `python -m tools.mutant_check`.

Evaluates the reference population and compares its results with the unmutated tree's:
the same results make the mutant *equivalent*. Otherwise runs the given tests (-x: the
first failure kills the mutant); if they all pass it is a *survivor*. Writes the verdict.
With --baseline it writes the reference results instead (and the tests must pass).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class _FirstFailure:
    """pytest plugin: the node id of the first failed test."""

    def __init__(self) -> None:
        self.failed: str | None = None

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed and self.failed is None:
            self.failed = report.nodeid

    def pytest_collectreport(self, report) -> None:
        if report.failed and self.failed is None:
            self.failed = f"{report.nodeid or 'collection'} (collection error)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", type=Path, required=True, help="claims per policy (JSON)")
    ap.add_argument("--expected", type=Path, help="the unmutated results (JSON)")
    ap.add_argument("--baseline", type=Path, help="write the results here instead of comparing")
    ap.add_argument("--policies", default="", help="comma-separated policy ids to compare (empty: all)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("tests", nargs="*")
    args = ap.parse_args(argv)

    import pytest

    from tools import reference

    ref = json.loads(args.reference.read_text(encoding="utf-8"))
    only = [p for p in args.policies.split(",") if p]
    if not args.baseline:
        # results first (seconds): a mutant that changes none is equivalent, whatever the tests say
        got = reference.results(ref, only or None)
        want = json.loads(args.expected.read_text(encoding="utf-8"))
        diff = reference.first_difference({k: v for k, v in want.items() if k in got}, got)
        if not diff:
            args.out.write_text(json.dumps({"outcome": "equivalent"}), encoding="utf-8")
            return 0
    verdict: dict = {}
    if args.tests:
        rec = _FirstFailure()
        rc = pytest.main([*args.tests, "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts="],
                         plugins=[rec])
        if rc in (1, 2):  # tests failed, or failed to collect (a mutant that breaks an import)
            verdict = {"outcome": "killed", "by": rec.failed or f"pytest exit {rc}"}
        elif rc != 0:
            verdict = {"outcome": "error", "detail": f"pytest exit {int(rc)}"}
    if not verdict:
        if args.baseline:
            args.baseline.write_text(json.dumps(reference.results(ref), ensure_ascii=False), encoding="utf-8")
            verdict = {"outcome": "baseline"}
        else:
            verdict = {"outcome": "survived", "changes": diff}
    args.out.write_text(json.dumps(verdict, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
