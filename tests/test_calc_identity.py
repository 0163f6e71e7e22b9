"""The calculators' results stay the same when their code is made faster (issue 17): every ready
scenario run at a fixed seed and a small size, every claim's result row (claim columns and result
columns, in order, with their dtypes) and the summary's figures equal to the reference committed
in tests/data/calc_reference/ before the speed work began. The rows are compared as a set (both
sides in one canonical order): the caps once put the rows they touched last, now they keep the
frame's order, and a row's place is not a result.

Regenerate the reference only for a change that is meant to change results:
    .venv/bin/python -m tests.test_calc_identity --write
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest

from skillsim.simulate import report, runner, scenario

REFERENCE = Path(__file__).parent / "data" / "calc_reference"
SEED = 7
# people per scenario: a few thousand claims each (the scenarios' claims per person differ 30-fold)
SIZES = {
    "beijing-2019-task-table": 4_000, "beijing-2026-baseline": 80_000, "beijing-2026-lifetime": 30_000,
    "beijing-2026-uncertain": 20_000, "ningxia-2025-baseline": 15_000, "reform-example": 3_000,
    "shanghai-2025-baseline": 25_000, "shanghai-2025-lifetime": 10_000, "swap": 3_000,
}


def computed(name: str) -> tuple[pl.DataFrame, dict]:
    """Replication 0's claim results (with rules) and the summary's policies (replication 1 runs
    with amounts only), of ``name`` at SIZES[name] people and SEED."""
    scen = scenario.load(name).with_changes(by="test_calc_identity", size=SIZES[name], replications=2, seed=SEED)
    res = runner.run(scen)
    doc = report.summary(res)
    return res.claims, json.loads(json.dumps(doc["policies"], ensure_ascii=False, default=str))


def test_every_ready_scenario_has_a_reference():
    assert sorted(scenario.ready_scenarios()) == sorted(SIZES)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_results_equal_the_reference(name):
    claims, policies = computed(name)
    ref = pl.read_parquet(REFERENCE / f"{name}.parquet")
    assert claims.height > 0 and claims.height == ref.height
    assert claims.schema == ref.schema  # same columns, same order, same dtypes
    claims, ref = canonical(claims), canonical(ref)
    for col in ref.columns:  # column by column: a failure names the column
        assert claims[col].equals(ref[col], check_dtypes=True, null_equal=True), f"{name}: column {col} differs"
    assert policies == json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows sorted by every column (a nested one by its hash): one order whatever order they came in."""
    nested = {n for n, t in frame.schema.items() if t.is_nested()}
    return frame.sort([pl.col(n).hash(seed=0) if n in nested else pl.col(n) for n in frame.columns],
                      nulls_last=True, maintain_order=True)


def write() -> None:
    REFERENCE.mkdir(parents=True, exist_ok=True)
    for name in sorted(SIZES):
        claims, policies = computed(name)
        claims.write_parquet(REFERENCE / f"{name}.parquet", compression="zstd", compression_level=19)
        (REFERENCE / f"{name}.json").write_text(json.dumps(policies, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
        print(f"{name}: {claims.height} claims")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_calc_identity --write")
    write()
