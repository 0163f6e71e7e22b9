"""The few altair chart shapes the pages use (grouped bars, bars or a line with 90 % intervals,
a monthly band, a tornado), so every page looks alike and a test can read each chart's data
(each chart's Vega-Lite ``description`` is its widget key, so a test can find it by key)."""
from __future__ import annotations

from typing import Sequence

import altair as alt
import polars as pl
import streamlit as st


def _show(chart: alt.Chart | alt.LayerChart, key: str) -> None:
    st.altair_chart(chart.properties(description=key), width="stretch", key=key)


def grouped_bars(df: pl.DataFrame, x: str, y: str, color: str, *, x_title: str, y_title: str,
                 x_order: Sequence[str] | None = None, key: str, height: int = 320,
                 palette: Sequence[str] | None = None) -> None:
    """Bars of ``y`` by ``x``, one bar per ``color`` value side by side (in the frame's order);
    ``palette``: the colour of each of those values, in that order (default: altair's)."""
    colors = list(dict.fromkeys(df[color].to_list()))
    scale = alt.Scale(domain=colors, range=list(palette)) if palette else alt.Undefined
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{x}:N", title=x_title, sort=list(x_order) if x_order else "ascending", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset(f"{color}:N", sort=colors),
        y=alt.Y(f"{y}:Q", title=y_title),
        color=alt.Color(f"{color}:N", title=None, sort=colors, scale=scale,
                        legend=alt.Legend(orient="bottom", columns=3, labelLimit=320)),
        tooltip=[alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{x}:N", title=x_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=",")],
    ).properties(height=height)
    _show(chart, key)


def horizontal_bars(df: pl.DataFrame, y: str, x: str, color: str, *, x_title: str, y_title: str, key: str) -> None:
    """Horizontal bars (long keys: occupations, districts, rule ids, policies), largest first;
    one bar per ``color`` value side by side where a key has several."""
    rows = max(df[y].n_unique(), 1)
    per_key = df.group_by(y).len()["len"].max() or 1
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{y}:N", title=y_title, sort="-x", axis=alt.Axis(labelLimit=260)),
        **({"yOffset": alt.YOffset(f"{color}:N")} if per_key > 1 else {}),
        x=alt.X(f"{x}:Q", title=x_title),
        color=alt.Color(f"{color}:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        tooltip=[alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{y}:N", title=y_title),
                 alt.Tooltip(f"{x}:Q", title=x_title, format=",.0f")],
    ).properties(height=min(160 + rows * 26 * per_key, 1000))   # legend and axis sit inside the height
    _show(chart, key)


def interval_bars(df: pl.DataFrame, x: str, color: str, *, title: str, key: str, x_title: str | None = None,
                  tooltip: Sequence[tuple[str, str]] = ()) -> None:
    """Bars of ``mean`` with an error bar from ``p05`` to ``p95`` (a 90 % interval): one bar per
    ``color`` value (``x`` = ``color``), or grouped by ``x`` (a year), one bar per ``color``
    value side by side. ``tooltip``: more (column, title) pairs of text to show."""
    grouped = x != color
    axis = alt.Axis(labelAngle=0) if grouped else alt.Axis(labels=False, ticks=False)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=axis),
        **({"xOffset": alt.XOffset(f"{color}:N")} if grouped else {}))
    bars = base.mark_bar().encode(
        y=alt.Y("mean:Q", title=title),
        color=alt.Color(f"{color}:N", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=400)),
        tooltip=[alt.Tooltip(f"{color}:N"), *([alt.Tooltip(f"{x}:N", title=x_title)] if grouped else []),
                 alt.Tooltip("mean:Q", format=",.4~r"), alt.Tooltip("p05:Q", format=",.4~r"),
                 alt.Tooltip("p95:Q", format=",.4~r"), *(alt.Tooltip(f"{c}:N", title=name) for c, name in tooltip)])
    # a composite errorbar mark does not take an x offset: a rule does
    whisker = base.mark_rule(color="black") if grouped else base.mark_errorbar(ticks=True, color="black")
    _show(alt.layer(bars, whisker.encode(y=alt.Y("p05:Q", title=title), y2="p95:Q")).properties(height=260), key)


def tornado(df: pl.DataFrame, *, x_title: str, titles: dict[str, str], key: str) -> None:
    """A bar per assumption (``assumption``, in ``rank`` order, widest first) from ``from`` to
    ``to`` (the figure at the assumption's two ends: the bar's length is its ``swing``),
    coloured by ``direction``, a dashed line at ``central``; the assumption's ``source`` and
    values in the tooltip. ``titles``: the tooltip's title of each column."""
    order = df.sort("rank")["assumption"].to_list()
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("assumption:N", title=None, sort=order, axis=alt.Axis(labelLimit=400)),
        x=alt.X("from:Q", title=x_title, scale=alt.Scale(zero=False)), x2="to:Q",
        color=alt.Color("direction:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("assumption:N", title=titles["assumption"]), alt.Tooltip("rank:Q", title=titles["rank"]),
                 *(alt.Tooltip(f"{c}:Q", title=titles[c], format=",.6~g") for c in ("low", "high")),
                 *(alt.Tooltip(f"{c}:Q", title=titles[c], format=",.0f") for c in ("at_low", "at_high", "swing")),
                 alt.Tooltip("source:N", title=titles["source"])])
    centre = alt.Chart(df).mark_rule(color="black", strokeDash=[4, 3]).encode(
        x="central:Q", tooltip=[alt.Tooltip("central:Q", title=titles["central"], format=",.0f")])
    # axis and legend sit inside the height (as in horizontal_bars)
    _show(alt.layer(bars, centre).properties(height=140 + 50 * max(len(order), 1)), key)


def interval_line(df: pl.DataFrame, x_type: str, *, x_title: str, y_title: str, key: str) -> None:
    """``mean`` against ``x`` (a line through the points) with a whisker from ``p05`` to ``p95`` at
    each (a 90 % interval); ``x_type``: "Q" (numbers), "T" (dates) or "O" (others, in the frame's order)."""
    order = df["x"].to_list() if x_type == "O" else alt.Undefined
    base = alt.Chart(df).encode(x=alt.X(f"x:{x_type}", title=x_title, sort=order,
                                        scale=alt.Scale(zero=False) if x_type == "Q" else alt.Undefined))
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip(f"x:{x_type}", title=x_title), alt.Tooltip("mean:Q", format=",.4~r"),
                 alt.Tooltip("p05:Q", format=",.4~r"), alt.Tooltip("p95:Q", format=",.4~r")])
    whisker = base.mark_rule(color="black").encode(y=alt.Y("p05:Q", title=y_title, scale=alt.Scale(zero=False)),
                                                   y2="p95:Q")
    _show(alt.layer(line, whisker).properties(height=300), key)


def monthly_band(df: pl.DataFrame, color: str, *, x_title: str, y_title: str, key: str) -> None:
    """A line of ``mean`` by ``month`` with a band from ``p05`` to ``p95``."""
    base = alt.Chart(df).encode(x=alt.X("month:T", title=x_title, axis=alt.Axis(format="%Y-%m")),
                                color=alt.Color(f"{color}:N", title=None,
                                                legend=alt.Legend(orient="bottom", columns=1, labelLimit=400)))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("p05:Q", title=y_title), y2="p95:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title),
        tooltip=[alt.Tooltip(f"{color}:N"), alt.Tooltip("month:T", format="%Y-%m"),
                 alt.Tooltip("mean:Q", format=",.0f"), alt.Tooltip("p05:Q", format=",.0f"),
                 alt.Tooltip("p95:Q", format=",.0f")])
    _show(alt.layer(band, line).properties(height=360), key)
