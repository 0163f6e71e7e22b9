"""Mutation testing: `python -m tools.mutate` (or `make mutate`).

Each mutant (tools/mutants.py: generated parameter and catalog mutants, hand-listed logic
mutants in tools/mutants.toml) is applied to a fresh copy of the tree in a temporary
folder (the working tree is never touched), and the tests that can kill it run there
(tools/mutant_check.py, PYTHONPATH = the copy) in stages (``tests_for``): the mutated
file's own tests (a policy's pinned and example tests; for a shared module, every policy's
pinned tables), then the shared ones, then the rest of the suite. A mutant is

* killed      — a test fails;
* equivalent  — its own tests pass and no result on the reference population
                (tools/reference.py) differs from the unmutated tree's (reported apart; the
                other tests are not run);
* survived    — results differ and every test of the suite passes: a test is missing;
* error       — the mutant's text is not in its file, or its run failed or took more than
                TIMEOUT_FACTOR times its tests' unmutated duration plus TIMEOUT_SLACK.

The unmutated tree runs first: its tests must pass; it sets the expected results and
each test file's duration (the mutants' time limits).
Exit status: 0 when no mutant survived, 1 when one did, 2 on a usage or baseline error.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .mutants import ROOT, Mutant, MutantError, all_mutants

COPIED = ("api", "policies", "simulate", "dashboard", "tests", "examples", "scenarios", "docs", "tools", "pyproject.toml",
          "README.md", "Makefile")
IGNORED = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")
# a mutant that loops is an error, not a survivor: its limit is its tests' unmutated time
# this many times (the machine may be busier than during the baseline), plus the slack
# (start-up, collection and the reference results)
TIMEOUT_FACTOR, TIMEOUT_SLACK = 3, 120
SHARED = ["tests/test_examples.py", "tests/test_parameters.py", "tests/test_catalogs.py", "tests/test_caps.py",
          "tests/test_caps_oracle.py", "tests/test_contract.py", "tests/test_parameter_bounds.py",
          "tests/test_properties.py"]


def policy_packages(root: Path = ROOT) -> dict[str, str]:
    """package folder -> policy id (from each policy.toml)."""
    import tomllib
    return {p.parent.name: tomllib.loads(p.read_text(encoding="utf-8"))["id"]
            for p in sorted((root / "policies").glob("*/policy.toml"))}


def tests_for(file: str, root: Path = ROOT) -> tuple[list[list[str]], list[str]]:
    """(stages of test files, policy ids to compare) for a mutated file. A policy's file:
    its own pinned and example tests, then the shared ones (the hypothesis properties last).
    Any other file: every policy's pinned tests (fast tables), then their example tests and
    the shared ones. Last, every other test file: it runs only for a mutant that would
    otherwise survive, so a survivor is one the whole suite misses."""
    pkgs = policy_packages(root)
    parts = Path(file).parts
    mine = [parts[1]] if len(parts) > 2 and parts[0] == "policies" and parts[1] in pkgs else list(pkgs)
    pinned = [f"tests/test_{pkg}_pinned.py" for pkg in mine]
    examples = [f"tests/test_{pkg}.py" for pkg in mine]
    stages = [pinned + examples, SHARED] if len(mine) == 1 else [pinned, examples + SHARED]
    listed = {f for s in stages for f in s}
    stages.append([str(p.relative_to(root)) for p in sorted((root / "tests").glob("test_*.py"))
                   if str(p.relative_to(root)) not in listed])
    return [[f for f in s if (root / f).is_file()] for s in stages], [pkgs[p] for p in mine]


def snapshot(dest: Path, from_head: bool) -> None:
    """The tree the mutants are made from: the working tree's files, or (--from-head) the last
    commit's, e.g. while others' unfinished edits are in the working tree."""
    dest.mkdir()
    if from_head:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", *COPIED], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        # the checker is the one running, not the commit's (mutants never touch tools/)
        shutil.copytree(Path(__file__).resolve().parent, dest / "tools", ignore=IGNORED, dirs_exist_ok=True)
        _link_package(dest)
        return
    _copy_tree(ROOT, dest)


def _link_package(tree: Path) -> None:
    """The copy's own `skillsim` package (what setup.py maps, as links), found first on
    PYTHONPATH, so the tests import the copy and not the installed tree."""
    pkg = tree / "skillsim"
    pkg.mkdir(exist_ok=True)
    for name, target in (("__init__.py", "../api/__init__.py"), ("policies", "../policies"),
                         ("simulate", "../simulate"), ("dashboard", "../dashboard"),
                         ("scenarios", "../scenarios"), ("examples", "../examples")):
        if not (pkg / name).is_symlink():
            (pkg / name).symlink_to(target)


def _copy_tree(source: Path, dest: Path) -> None:
    for name in COPIED:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=IGNORED, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / name)
    _link_package(dest)


def _run_check(tree: Path, work: Path, stages: list[list[str]], policies: list[str], extra: list[str],
               timeout: float | None) -> dict:
    out = tree / "verdict.json"
    cmd = [sys.executable, "-m", "tools.mutant_check", "--reference", str(work / "reference.json"),
           "--policies", ",".join(policies), "--out", str(out), *extra,
           *[a for s in stages for a in ("--stage", ",".join(s))]]
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SKILLSIM_FUZZ", None)
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"outcome": "error", "detail": f"timed out after {timeout:.0f} s"}
    if not out.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"outcome": "error", "detail": f"exit {proc.returncode}: {tail[0][:200]}"}
    verdict = json.loads(out.read_text(encoding="utf-8"))
    if verdict["outcome"] == "killed" and verdict.get("by", "").startswith("pytest exit"):
        verdict["by"] += ": " + " | ".join(proc.stdout.strip().splitlines()[-3:])[:300]
    return verdict


def run_mutant(m: Mutant, work: Path) -> dict:
    started = time.monotonic()
    source = work / "source"
    try:
        mutated = m.apply((source / m.file).read_text(encoding="utf-8"))
    except (MutantError, OSError) as e:
        return {"outcome": "error", "detail": str(e), "seconds": 0.0}
    with tempfile.TemporaryDirectory(prefix="mutant-", dir=work) as tmp:
        tree = Path(tmp)
        _copy_tree(source, tree)
        (tree / m.file).write_text(mutated, encoding="utf-8")
        stages, policies = tests_for(m.file, source)
        unusable = set(json.loads((work / "unusable.json").read_text(encoding="utf-8")))
        stages = [[f for f in s if f not in unusable] for s in stages]
        durations = json.loads((work / "durations.json").read_text(encoding="utf-8"))
        limit = TIMEOUT_FACTOR * sum(durations.get(f, 0.0) for s in stages for f in s) + TIMEOUT_SLACK
        verdict = _run_check(tree, work, stages, policies, ["--expected", str(work / "expected.json")], limit)
    verdict["seconds"] = round(time.monotonic() - started, 1)
    return verdict


def baseline(work: Path) -> str | None:
    """Build the reference population, run every test subset on the unmutated copy and
    record its results. An error message, or None."""
    source = work / "source"
    # the reference population is drawn in the snapshot, by its own strategies
    env = {**os.environ, "PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"}
    built = subprocess.run([sys.executable, "-c", "import json, sys; from tools import reference; "
                            "sys.stdout.write(json.dumps(reference.build(), ensure_ascii=False, default=str))"],
                           cwd=source, env=env, capture_output=True, text=True)
    if built.returncode:
        return "could not build the reference population: " + (built.stderr.strip().splitlines() or ["?"])[-1]
    (work / "reference.json").write_text(built.stdout, encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="baseline-", dir=work) as tmp:
        tree = Path(tmp)
        _copy_tree(source, tree)
        stages = tests_for("policies/engine.py", source)[0]  # every test file a mutant runs
        verdict = _run_check(tree, work, stages, [], ["--baseline", str(work / "expected.json")], None)
    if verdict["outcome"] != "baseline":
        return f"the unmutated tree does not pass its tests: {verdict.get('by') or verdict.get('detail')}"
    (work / "durations.json").write_text(json.dumps(verdict["seconds"]), encoding="utf-8")
    (work / "unusable.json").write_text(json.dumps(verdict["unusable"]), encoding="utf-8")
    if verdict["unusable"]:
        print(f"baseline: left out, as they fail on the unmutated copy: {', '.join(verdict['unusable'])}",
              file=sys.stderr)
    return None


def select(mutants: list[Mutant], pattern: str | None) -> list[Mutant]:
    if not pattern:
        return mutants
    rx = re.compile(pattern)
    return [m for m in mutants if rx.search(m.id) or rx.search(m.description) or rx.search(m.file)]


def report(results: list[tuple[Mutant, dict]], seconds: float) -> str:
    outcomes = ("killed", "survived", "equivalent", "error")
    counts = Counter((m.kind, v["outcome"]) for m, v in results)
    kinds = sorted({m.kind for m, _ in results}, key=["parameter", "catalog", "logic"].index)
    lines = [f"{'kind':<10} " + " ".join(f"{o:>10}" for o in outcomes) + f" {'total':>7}"]
    for k in kinds + ["all"]:
        row = [sum(counts[(kk, o)] for kk in (kinds if k == "all" else [k])) for o in outcomes]
        lines.append(f"{k:<10} " + " ".join(f"{n:>10}" for n in row) + f" {sum(row):>7}")
    changing = sum(1 for _, v in results if v["outcome"] in ("killed", "survived"))
    killed = sum(1 for _, v in results if v["outcome"] == "killed")
    lines.append(f"kill rate {killed}/{changing} of the mutants not equivalent"
                 + (f" ({100 * killed / changing:.1f} %)" if changing else "") + f"; {seconds / 60:.1f} min")
    for title, outcome, key in (("survivors", "survived", "changes"), ("errors", "error", "detail"),
                                ("equivalent", "equivalent", None)):
        hit = [(m, v) for m, v in results if v["outcome"] == outcome]
        if hit:
            lines.append(f"\n{title}:")
            lines += [f"  {m.id}  {m.description}" + (f"\n      {v.get(key)}" if key else "") for m, v in hit]
    return "\n".join(lines)


def _write_json(path: Path, results: list[tuple[Mutant, dict]]) -> None:
    path.write_text(json.dumps([{"id": m.id, "kind": m.kind, "file": m.file, "description": m.description, **v}
                                for m, v in results], ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", metavar="PATTERN", help="run the mutants whose id, description or file match (regex)")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write every verdict to FILE")
    ap.add_argument("--from-head", action="store_true",
                    help="mutate the last commit's files, not the working tree's")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        print("mutate: --jobs must be at least 1", file=sys.stderr)
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="skillsim-mutate-") as tmp:
        work = Path(tmp)
        try:
            snapshot(work / "source", args.from_head)
            mutants = select(all_mutants(work / "source"), args.only)
        except (MutantError, OSError, ValueError, subprocess.CalledProcessError) as e:
            print(f"mutate: {e}", file=sys.stderr)
            return 2
        if args.list:
            for m in mutants:
                print(f"{m.id}\t{m.file}\t{m.description}")
            print(f"{len(mutants)} mutants", file=sys.stderr)
            return 0
        if not mutants:
            print("mutate: no mutant matches", file=sys.stderr)
            return 2
        print(f"baseline: building the reference population and running the tests ...", file=sys.stderr)
        problem = baseline(work)
        if problem:
            print(f"mutate: {problem}", file=sys.stderr)
            return 2
        results: list[tuple[Mutant, dict]] = []
        # the hand-listed logic first: a run stopped early has the mutants a test is written for
        order = sorted(mutants, key=lambda m: m.kind != "logic")
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for i, (m, v) in enumerate(zip(order, pool.map(lambda m: run_mutant(m, work), order)), 1):
                results.append((m, v))
                print(f"[{i}/{len(order)}] {v['outcome']:<10} {v.get('seconds', 0):>5.1f}s  {m.id}"
                      + (f"\n      {v.get('changes') or v.get('detail')}" if v["outcome"] in ("survived", "error") else ""),
                      file=sys.stderr, flush=True)
                if args.json:  # rewritten after each mutant, so a stopped run keeps what it found
                    _write_json(args.json, results)
    text = report(results, time.monotonic() - started)
    print(text)
    return 1 if any(v["outcome"] == "survived" for _, v in results) else 0


if __name__ == "__main__":
    sys.exit(main())
