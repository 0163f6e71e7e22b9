"""Mutation testing: `python -m tools.mutate` (or `make mutate`).

Each mutant (tools/mutants.py: generated parameter and catalog mutants, hand-listed logic
mutants in tools/mutants.toml) is applied to a fresh copy of the tree in a temporary
folder (the working tree is never touched), and the tests that cover its file run there
(tools/mutant_check.py, PYTHONPATH = the copy). A mutant is

* equivalent  — no result on the reference population (tools/reference.py) differs from
                the unmutated tree's (reported apart; the tests are not run);
* killed      — results differ and a test fails;
* survived    — results differ and every test passes: a test is missing;
* error       — the mutant's text is not in its file, or its run failed or timed out.

The unmutated tree runs first: its tests must pass and it sets the expected results.
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

COPIED = ("policies", "simulate", "dashboard", "tests", "examples", "scenarios", "docs", "tools", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")
TIMEOUT = 300  # seconds per mutant: a mutant that loops is an error, not a survivor
SHARED = ["tests/test_examples.py", "tests/test_parameters.py", "tests/test_catalogs.py", "tests/test_caps.py",
          "tests/test_contract.py", "tests/test_parameter_bounds.py", "tests/test_properties.py"]


def policy_packages(root: Path = ROOT) -> dict[str, str]:
    """package folder -> policy id (from each policy.toml)."""
    import tomllib
    return {p.parent.name: tomllib.loads(p.read_text(encoding="utf-8"))["id"]
            for p in sorted((root / "policies").glob("*/policy.toml"))}


def tests_for(file: str, root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(test files, policy ids to compare) for a mutated file: a policy's own tests first
    (its pinned tables fail fastest), then the shared ones; the hypothesis properties last."""
    pkgs = policy_packages(root)
    parts = Path(file).parts
    mine = [parts[1]] if len(parts) > 2 and parts[0] == "policies" and parts[1] in pkgs else list(pkgs)
    own = [f"tests/test_{pkg}{suffix}.py" for suffix in ("_pinned", "") for pkg in mine]
    files = [f for f in own + SHARED if (root / f).is_file()]
    return files, [pkgs[p] for p in mine]


def snapshot(dest: Path, from_head: bool) -> None:
    """The tree the mutants are made from: the working tree's files, or (--from-head) the last
    commit's, e.g. while others' unfinished edits are in the working tree."""
    dest.mkdir()
    if from_head:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", *COPIED], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        return
    _copy_tree(ROOT, dest)


def _copy_tree(source: Path, dest: Path) -> None:
    for name in COPIED:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=IGNORED, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / name)


def _run_check(tree: Path, work: Path, tests: list[str], policies: list[str], extra: list[str]) -> dict:
    out = tree / "verdict.json"
    cmd = [sys.executable, "-m", "tools.mutant_check", "--reference", str(work / "reference.json"),
           "--policies", ",".join(policies), "--out", str(out), *extra, *tests]
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SKILLSIM_FUZZ", None)
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"outcome": "error", "detail": f"timed out after {TIMEOUT} s"}
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
        tests, policies = tests_for(m.file, source)
        verdict = _run_check(tree, work, tests, policies, ["--expected", str(work / "expected.json")])
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
        tests = sorted({t for pkg in policy_packages(source) for t in tests_for(f"policies/{pkg}/x", source)[0]})
        verdict = _run_check(tree, work, tests, [], ["--baseline", str(work / "expected.json")])
    if verdict["outcome"] != "baseline":
        return f"the unmutated tree does not pass its tests: {verdict.get('by') or verdict.get('detail')}"
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
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for i, (m, v) in enumerate(zip(mutants, pool.map(lambda m: run_mutant(m, work), mutants)), 1):
                results.append((m, v))
                print(f"[{i}/{len(mutants)}] {v['outcome']:<10} {v.get('seconds', 0):>5.1f}s  {m.id}",
                      file=sys.stderr, flush=True)
    text = report(results, time.monotonic() - started)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([{"id": m.id, "kind": m.kind, "file": m.file, "description": m.description,
                                          **v} for m, v in results], ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if any(v["outcome"] == "survived" for _, v in results) else 0


if __name__ == "__main__":
    sys.exit(main())
