"""A large frame goes through ``Policy.evaluate`` in slices of ``engine.SLICE_ROWS`` rows (issue 17:
memory flat with size). Every check reads its own claim's row, so the slices' results stacked must
be the whole frame's, row for row: here with the slice size set small, for every registered policy
and each detail, and through ``simulate.evaluation.evaluate`` with the caps over the whole result.
Claims: every ready scenario's drawn claims as the calc reference holds them (tests/data/calc_reference),
every policy's worked examples, a few thousand rows in all."""
from __future__ import annotations

import polars as pl
import pytest

from skillsim.policies import engine, get_policy, policy_ids
from skillsim.policies.contract import SCHEMA, claims_frame, validate_frame
from skillsim.simulate.evaluation import evaluate

from .test_calc_identity import REFERENCE

SLICE = 1_500  # rows a slice: the frame is cut into several, the last one shorter


@pytest.fixture(scope="module")
def claims() -> pl.DataFrame:
    drawn = [pl.read_parquet(path, columns=list(SCHEMA)).gather_every(4) for path in sorted(REFERENCE.glob("*.parquet"))]
    worked = [claims_frame([ex["claim"] for ex in get_policy(pid).examples()]) for pid in policy_ids()]
    frame = validate_frame(pl.concat([validate_frame(f) for f in drawn + worked], how="vertical_relaxed"))
    assert frame.height > 4 * SLICE and frame.height % SLICE
    return frame


def params(pid: str):
    """The policy's parameters; a draft that leaves amounts to a scenario gets those of its examples."""
    policy = get_policy(pid)
    given = {k: v for ex in policy.examples() for k, v in ex.get("parameters", {}).items()}
    return policy.params({k: given.get(k, 100) for k in policy.missing_parameters(policy.parameters)} or None)


@pytest.mark.parametrize("detail", ["amounts", "rules", "reasons"])
@pytest.mark.parametrize("pid", policy_ids())
def test_evaluate_in_slices_equals_one_piece(pid, detail, claims, monkeypatch):
    policy = get_policy(pid)
    whole = engine.collect(policy.evaluate(claims, params(pid), detail=detail, validate=False))
    monkeypatch.setattr(engine, "SLICE_ROWS", SLICE)
    planned = []  # the frames a plan was made for: one a slice
    make = engine.Policy._added
    monkeypatch.setattr(engine.Policy, "_added", lambda self, lf, *a: planned.append(1) or make(self, lf, *a))
    sliced = engine.collect(policy.evaluate(claims, params(pid), detail=detail, validate=False))
    assert len(planned) >= -(-claims.height // SLICE), "the frame was not cut into slices"
    assert whole.schema == sliced.schema
    for col in whole.columns:  # column by column, in row order: a failure names the column
        assert sliced[col].equals(whole[col], check_dtypes=True, null_equal=True), f"{pid} {detail}: {col} differs"


def test_caps_run_over_the_sliced_results(claims, monkeypatch):
    """The population caps after slicing see the whole frame: claims of one person in different
    slices still cap one another."""
    pids = ["beijing-2026-key-groups", "shanghai-2025-skills-upgrade"]
    whole = evaluate(claims, pids, validate=False)
    alone = evaluate(claims, pids, validate=False, caps=False)
    capped = whole.filter(pl.col("deciding_rule") != alone["deciding_rule"])
    slice_of = claims.with_row_index("at").group_by("person_id").agg((pl.col("at") // SLICE).n_unique().alias("slices"))
    across = capped.join(slice_of, on="person_id").filter(pl.col("slices") > 1)
    assert across.height > 0  # here the caps turn down claims of people whose claims lie in several slices
    monkeypatch.setattr(engine, "SLICE_ROWS", SLICE)
    sliced = evaluate(claims, pids, validate=False)
    assert sliced.equals(whole, null_equal=True)
