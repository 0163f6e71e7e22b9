"""The shared cap helpers against their plain definitions (hypothesis)."""
from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from skillsim.policies.caps import ROW, earlier_in_group
from skillsim.policies.engine import by_distinct

rows = st.lists(st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.sampled_from([None, "x", "y"]),
                          st.integers(0, 40), st.integers(0, 3000), st.integers(-5, 99)), min_size=0, max_size=40)


@settings(max_examples=80, deadline=None)
@given(rows=rows)
def test_earlier_in_group_is_the_sum_and_min_over_earlier_rows(rows):
    df = pl.DataFrame(rows, schema={"person_id": pl.String, "item": pl.String, "day": pl.Int64,
                                    "amount_cny": pl.Int64, "value": pl.Int64}, orient="row").with_columns(
        (pl.lit(dt.date(2026, 1, 1)) + pl.duration(days=pl.col("day"))).alias("application_date"),
    ).with_row_index(ROW)
    keys = ["person_id", pl.col("item")]
    out = earlier_in_group(df.lazy(), pl.col("value"), keys, "sum", "s")
    out = earlier_in_group(out, pl.col("value"), keys, "min", "m", empty=99).collect()
    assert out.select(df.columns).equals(df)           # the rows and their order are kept
    # the definition: earlier = same person and item (nulls equal), before in (date, -amount, row)
    recs = df.to_dicts()
    for r, got in zip(recs, out.iter_rows(named=True)):
        before = [o["value"] for o in recs if (o["person_id"], o["item"]) == (r["person_id"], r["item"])
                  and (o["application_date"], -o["amount_cny"], o[ROW]) < (r["application_date"], -r["amount_cny"], r[ROW])]
        assert got["s"] == sum(before)
        assert got["m"] == (min(before) if before else 99)


@settings(max_examples=50, deadline=None)
@given(days=st.lists(st.none() | st.integers(-400, 4000), max_size=30))
def test_by_distinct_is_the_expression_itself(days):
    df = pl.DataFrame({"d": [None if d is None else dt.date(2025, 1, 31) + dt.timedelta(days=d) for d in days]},
                      schema={"d": pl.Date})
    f = lambda d: d.dt.month_start().dt.offset_by("13mo")  # noqa: E731
    assert df.select(by_distinct(pl.col("d"), f).alias("d")).equals(df.select(f(pl.col("d"))))


def test_caps_across_people_hold_when_a_population_is_run_in_parts():
    """BJSA-5 caps an enterprise's research subsidy at 300,000 a year, across its workers: 80
    workers of one enterprise at 5,000 each are 60 paid, whether the claims run whole or in the
    parts by person that evaluate and the dashboard use (a part alone would pay them all)."""
    from skillsim.policies import claims_frame, get_policy
    from skillsim.simulate import runner

    from .test_beijing_2019_skills_action import RESEARCH, SA, SA_BASE
    claims = claims_frame([{**SA_BASE, **RESEARCH, "person_id": f"w-{i}"} for i in range(80)])
    params = get_policy(SA).params()
    whole = runner.run_policy(claims, SA, params)
    parts = runner.run_policy_on_parts(runner.by_people(claims, 2), SA, params)
    assert whole.filter(pl.col("status") == "eligible").height == 60
    key = ["person_id", "status", "amount_cny"]
    assert parts.select(key).sort(key).equals(whole.select(key).sort(key))
