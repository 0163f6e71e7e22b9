"""The few altair chart shapes the pages use (grouped bars, bars or a line with 90 % intervals,
a monthly band, a tornado), so every page looks alike and a test can read each chart's data
(each chart's Vega-Lite ``description`` is its widget key, so a test can find it by key).

Where a series is a jurisdiction's, ``colors`` maps each series to its colour (labels.series_colors:
the jurisdiction's, a shade per series there), so a city has one colour on every page; a
``label`` column is written on the bars (preformatted by dashboard/formats.py); a money axis
keeps the raw yuan and writes its labels in one unit (``value_axis``)."""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import altair as alt
import polars as pl
import streamlit as st

from . import formats


# Phone width (390 px): one spec reflows by the width of its chart's container (Vega's
# containerSize(), read as the chart is drawn): a legend in one column, its labels as wide as
# the room right of the y axis (``inset``: that axis's width there), long axis labels at most a
# share of the width, category labels upright so that none is dropped
NARROW = "containerSize()[0] < 600"
LONG_LABELS = "containerSize()[0] * 0.3"       # the limit of long axis labels at phone width


def _legend(columns: int, limit: int, inset: str = "110", **kw: Any) -> alt.Legend:
    return alt.Legend(orient="bottom", direction="vertical" if columns == 1 else alt.Undefined,
                      columns=alt.ExprRef(f"{NARROW} ? 1 : {columns}"),
                      labelLimit=alt.ExprRef(f"{NARROW} ? max(containerSize()[0] - ({inset}) - 30, 80) : {limit}"),
                      **kw)


def _long_labels(limit: int) -> alt.Axis:
    return alt.Axis(labelLimit=alt.ExprRef(f"{NARROW} ? {LONG_LABELS} : {limit}"))


TURNED = alt.ExprRef(f"{NARROW} ? -90 : 0")    # a category axis's labels at phone width: upright


# the plot keeps its height and a legend or turned labels add to it (streamlit's default, "fit",
# would squeeze the plot into the height with them: a sliver at phone width, legends being longer)
GROWS = alt.AutoSizeParams(type="fit-x", contains="padding")


def _show(chart: alt.Chart | alt.LayerChart, key: str) -> None:
    st.altair_chart(chart.properties(description=key, autosize=GROWS), width="stretch", key=key)


def _scale(colors: Mapping[str, str] | None) -> Any:
    """A colour scale of these series and colours (altair's own where none are given)."""
    return alt.Scale(domain=list(colors), range=list(colors.values())) if colors else alt.Undefined


def value_axis(metric: str, title: str, values: Sequence[Any]) -> tuple[str, alt.Axis]:
    """The title and axis of a headline figure (formats.KINDS): money in one unit (the largest
    of ``values``: "预算 (亿元)", labels scaled from the raw yuan), yuan and counts with
    separators, a share in %."""
    kind = formats.KINDS.get(metric, "count")
    if kind == "money":
        unit = formats.money_unit(values)
        return formats.titled(title, unit), alt.Axis(labelExpr=formats.label_expr(unit))
    if kind == "yuan":
        return formats.titled(title, "yuan"), alt.Axis(format=",.0f")
    if kind == "share":
        # three significant digits: a narrow range (a sweep's 0.52–0.54 %) keeps its ticks apart
        return f"{title} (%)", alt.Axis(labelExpr="format(datum.value * 100, '.3~r')")
    return title, alt.Axis(format=",.0f")


def grouped_bars(df: pl.DataFrame, x: str, y: str, color: str, *, x_title: str, y_title: str,
                 x_order: Sequence[str] | None = None, key: str, height: int = 320,
                 colors: Mapping[str, str] | None = None, dash: str | None = None,
                 axis: alt.Axis | None = None) -> None:
    """Bars of ``y`` by ``x``, one bar per ``color`` value side by side (in the frame's order);
    ``colors``: each of those values' colour (default: altair's); ``dash``: a column whose
    values get the bars' outlines a dash pattern each (variants of one series' shade);
    ``axis``: the y axis (``value_axis``: money in one unit)."""
    order = list(dict.fromkeys(df[color].to_list()))
    outline = {"strokeDash": alt.StrokeDash(f"{dash}:N", title=None, legend=alt.Legend(orient="bottom")),
               } if dash else {}
    chart = alt.Chart(df).mark_bar(**({"stroke": "black", "strokeWidth": 1} if dash else {})).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=list(x_order) if x_order else "ascending",
                axis=alt.Axis(labelAngle=TURNED)),
        xOffset=alt.XOffset(f"{color}:N", sort=order),
        y=alt.Y(f"{y}:Q", title=y_title, axis=axis or alt.Undefined),
        color=alt.Color(f"{color}:N", title=None, sort=order, scale=_scale(colors),
                        legend=_legend(2, 320)),
        tooltip=[alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{x}:N", title=x_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=",")],
        **outline,
    ).properties(height=height)
    _show(chart, key)


def _packed(df: pl.DataFrame, y: str, color: str, order: list[str]) -> tuple[pl.DataFrame, list[int], str]:
    """Each key's bars packed together, only the series it has, its label at the middle of its own
    bars (a band split among every series, altair's yOffset, leaves a key's one bar in its series'
    slot, off its label: the series' keys are mostly their own). In half-bar units: a bar is 2
    high, a gap of 1 between keys. Returns the frame with each bar's ``_top``, ``_bottom`` and
    ``_mid``, the labels' positions, and a label expression naming the key at each."""
    rank = {s: i for i, s in enumerate(dict.fromkeys(df[color].to_list()))}
    parts, centres, names, start = [], [], {}, 0
    for key in order:
        mine = df.filter(pl.col(y) == key).sort(pl.col(color).replace_strict(rank, return_dtype=pl.Int64))
        at = start + 2 * pl.int_range(mine.height, dtype=pl.Int64)
        parts.append(mine.with_columns(_top=at + 0.2, _bottom=at + 1.8, _mid=at + 1.0))
        centres.append(start + mine.height)
        names[start + mine.height] = key
        start += 2 * mine.height + 1
    labels = [names.get(i, "") for i in range(start)]
    return pl.concat(parts, how="vertical_relaxed"), centres, f"{json.dumps(labels, ensure_ascii=False)}[datum.value]"


def horizontal_bars(df: pl.DataFrame, y: str, x: str, color: str, *, x_title: str, y_title: str, key: str,
                    colors: Mapping[str, str] | None = None, axis: alt.Axis | None = None,
                    label: str | None = None) -> None:
    """Horizontal bars (long keys: occupations, districts, rule ids, policies), largest first;
    one bar per ``color`` value side by side where a key has several (packed: ``_packed``);
    ``label``: a column of text written at the end of each bar."""
    per_key = df.group_by(y).len()["len"].max() or 1
    # largest first, as an explicit order: layers sorted by "-x" each lose the sort when their domains merge
    order = df.group_by(y).agg(pl.col(x).sum()).sort([x, y], descending=[True, False])[y].to_list()
    x_enc = alt.X(f"{x}:Q", title=x_title, axis=axis or alt.Undefined)
    if per_key > 1:
        df, centres, names = _packed(df, y, color, order)
        y_axis = alt.Axis(values=centres, labelExpr=names, grid=False, ticks=False, labelOverlap=False,
                          labelLimit=_long_labels(260).labelLimit)
        y_scale = alt.Scale(domain=[0, (df["_bottom"].max() or 0) + 0.2], reverse=True, nice=False)
        base = alt.Chart(df).encode(x=x_enc)
        bar_y = {"y": alt.Y("_top:Q", title=y_title, axis=y_axis, scale=y_scale), "y2": "_bottom:Q",
                 "x2": alt.datum(0)}     # from zero: a bar spanning y by its two ends takes x by its two ends
        text_y = {"y": alt.Y("_mid:Q", title=y_title, axis=y_axis, scale=y_scale)}
        rows = len(df) * 2 + len(order)            # in half bars
    else:
        base = alt.Chart(df).encode(x=x_enc, y=alt.Y(f"{y}:N", title=y_title, sort=order, axis=_long_labels(260)))
        bar_y, text_y = {}, {}
        rows = len(order) * 2
    bars = base.mark_bar().encode(
        **bar_y,
        color=alt.Color(f"{color}:N", title=None, scale=_scale(colors),
                        legend=_legend(2, 400, inset=f"{LONG_LABELS} + 60")),
        tooltip=[alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{y}:N", title=y_title),
                 alt.Tooltip(f"{label}:N" if label else f"{x}:Q", title=x_title, format=alt.Undefined if label
                             else ",.0f")])
    chart = alt.layer(bars, base.mark_text(align="left", dx=3, fontSize=10).encode(**text_y, text=f"{label}:N")) \
        if label else bars
    _show(chart.properties(height=min(160 + rows * 13, 1000)), key)   # legend and axis inside the height


def interval_bars(df: pl.DataFrame, x: str, color: str, *, title: str, key: str, x_title: str | None = None,
                  tooltip: Sequence[tuple[str, str]] = (), colors: Mapping[str, str] | None = None,
                  axis: alt.Axis | None = None, label: str | None = None) -> None:
    """Bars of ``mean`` with an error bar from ``p05`` to ``p95`` (a 90 % interval): one bar per
    ``color`` value (``x`` = ``color``), or grouped by ``x`` (a year), one bar per ``color``
    value side by side. ``tooltip``: more (column, title) pairs of text to show; ``label``:
    a column of text written above each bar's whisker (its value)."""
    grouped = x != color
    x_axis = alt.Axis(labelAngle=TURNED) if grouped else alt.Axis(labels=False, ticks=False)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=x_axis,
                sort="ascending" if grouped else list(dict.fromkeys(df[x].to_list()))),   # years in order
        **({"xOffset": alt.XOffset(f"{color}:N", sort=list(dict.fromkeys(df[color].to_list())))} if grouped else {}))
    y = alt.Y("mean:Q", title=title, axis=axis or alt.Undefined)
    bars = base.mark_bar().encode(
        y=y,
        color=alt.Color(f"{color}:N", title=None, scale=_scale(colors),
                        legend=_legend(1, 400)),
        tooltip=[alt.Tooltip(f"{color}:N"), *([alt.Tooltip(f"{x}:N", title=x_title)] if grouped else []),
                 *([alt.Tooltip(f"{label}:N", title=title)] if label else []),
                 alt.Tooltip("mean:Q", format=",.4~r"), alt.Tooltip("p05:Q", format=",.4~r"),
                 alt.Tooltip("p95:Q", format=",.4~r"), *(alt.Tooltip(f"{c}:N", title=name) for c, name in tooltip)])
    # a composite errorbar mark does not take an x offset: a rule does
    whisker = base.mark_rule(color="black") if grouped else base.mark_errorbar(ticks=True, color="black")
    layers = [bars, whisker.encode(y=alt.Y("p05:Q", title=title, axis=axis or alt.Undefined), y2="p95:Q")]
    if label:
        layers.append(base.mark_text(baseline="bottom", dy=-4, fontSize=11).encode(
            y=alt.Y("p95:Q", title=title, axis=axis or alt.Undefined), text=f"{label}:N"))
    _show(alt.layer(*layers).properties(height=260), key)


def tornado(df: pl.DataFrame, *, x_title: str, titles: dict[str, str], key: str,
            axis: alt.Axis | None = None) -> None:
    """A bar per assumption (``assumption``, in ``rank`` order, widest first) from ``from`` to
    ``to`` (the figure at the assumption's two ends: the bar's length is its ``swing``),
    coloured by ``direction``, a dashed line at ``central``; the assumption's ``source`` and
    values in the tooltip. ``titles``: the tooltip's title of each column."""
    order = df.sort("rank")["assumption"].to_list()
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("assumption:N", title=None, sort=order, axis=_long_labels(400)),
        x=alt.X("from:Q", title=x_title, scale=alt.Scale(zero=False), axis=axis or alt.Undefined), x2="to:Q",
        color=alt.Color("direction:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("assumption:N", title=titles["assumption"]), alt.Tooltip("rank:Q", title=titles["rank"]),
                 *(alt.Tooltip(f"{c}:Q", title=titles[c], format=",.6~g") for c in ("low", "high")),
                 *(alt.Tooltip(f"{c}:Q", title=titles[c], format=",.0f") for c in ("at_low", "at_high", "swing")),
                 alt.Tooltip("source:N", title=titles["source"])])
    centre = alt.Chart(df).mark_rule(color="black", strokeDash=[4, 3]).encode(
        x="central:Q", tooltip=[alt.Tooltip("central:Q", title=titles["central"], format=",.0f")])
    # axis and legend sit inside the height (as in horizontal_bars)
    _show(alt.layer(bars, centre).properties(height=140 + 50 * max(len(order), 1)), key)


def interval_line(df: pl.DataFrame, x_type: str, *, x_title: str, y_title: str, key: str,
                  axis: alt.Axis | None = None) -> None:
    """``mean`` against ``x`` (a line through the points) with a whisker from ``p05`` to ``p95`` at
    each (a 90 % interval); ``x_type``: "Q" (numbers), "T" (dates) or "O" (others, in the frame's order);
    ``axis``: the y axis (``value_axis``: money in one unit, shares in %)."""
    order = df["x"].to_list() if x_type == "O" else alt.Undefined
    base = alt.Chart(df).encode(x=alt.X(f"x:{x_type}", title=x_title, sort=order,
                                        scale=alt.Scale(zero=False) if x_type == "Q" else alt.Undefined))
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title, scale=alt.Scale(zero=False), axis=axis or alt.Undefined),
        tooltip=[alt.Tooltip(f"x:{x_type}", title=x_title), alt.Tooltip("mean:Q", format=",.4~r"),
                 alt.Tooltip("p05:Q", format=",.4~r"), alt.Tooltip("p95:Q", format=",.4~r")])
    whisker = base.mark_rule(color="black").encode(y=alt.Y("p05:Q", title=y_title, scale=alt.Scale(zero=False),
                                                           axis=axis or alt.Undefined), y2="p95:Q")
    _show(alt.layer(line, whisker).properties(height=300), key)


def monthly_band(df: pl.DataFrame, color: str, *, x_title: str, y_title: str, key: str,
                 colors: Mapping[str, str] | None = None, axis: alt.Axis | None = None,
                 dash: str | None = None, label: str | None = None) -> None:
    """A line of ``mean`` by ``month`` with a band from ``p05`` to ``p95``, a line per ``color``
    value (overlaid); ``dash``: a column whose values get a dash pattern each (a reform's
    line dashed beside its baseline's); ``label``: the tooltip's text of each point."""
    order = list(dict.fromkeys(df[color].to_list()))
    base = alt.Chart(df).encode(x=alt.X("month:T", title=x_title, axis=alt.Axis(format="%Y-%m")),
                                color=alt.Color(f"{color}:N", title=None, sort=order, scale=_scale(colors),
                                                legend=_legend(1, 400)))
    y_axis = axis or alt.Undefined
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("p05:Q", title=y_title, axis=y_axis), y2="p95:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title, axis=y_axis),
        **({"strokeDash": alt.StrokeDash(f"{dash}:N", title=None, legend=alt.Legend(orient="bottom"))}
           if dash else {}),
        tooltip=[alt.Tooltip(f"{color}:N"), alt.Tooltip("month:T", format="%Y-%m"),
                 *([alt.Tooltip(f"{label}:N", title=y_title)] if label else []),
                 alt.Tooltip("mean:Q", format=",.0f"), alt.Tooltip("p05:Q", format=",.0f"),
                 alt.Tooltip("p95:Q", format=",.0f")])
    _show(alt.layer(band, line).properties(height=360), key)
