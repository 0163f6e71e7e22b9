"""Tiers: every policy's amount by level (5 → 1) and tier or class, as one chart and one
table, Shanghai's rates (80/100/120 %) as a selectable view, and Beijing's individual
upgrade amounts in 2019 (BJSA-4) against 2026 (issue 5, item 5)."""
import polars as pl
import streamlit as st

from skillsim.dashboard import amounts, charts, ui
from skillsim.dashboard.labels import level_name, t


@st.cache_data(show_spinner=False)
def tier_table(rates: tuple[str, ...]) -> pl.DataFrame:
    return amounts.tier_table(rates)


def with_level_names(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col("level").map_elements(level_name, return_dtype=pl.String, skip_nulls=False)
                           .alias("level_name"))


LEVEL_ORDER = [level_name(level) for level in amounts.LEVELS]

ui.header("page_tiers", "tiers_intro")
view = st.radio(t("tiers_view"), ["rate_100", "rate_80", "rate_120", "rate_all"], format_func=t,
                horizontal=True, key="tiers_rate")
rates = tuple(amounts.SH_RATES) if view == "rate_all" else (view,)
with ui.shown_errors():
    table = with_level_names(tier_table(rates))
    charts.grouped_bars(table, "level_name", "amount_cny", "series", x_title=t("level"), y_title=t("amount_cny"),
                        x_order=LEVEL_ORDER, key="tiers_chart", height=380)
    wide = table.pivot(on="level_name", index="series", values="amount_cny").rename({"series": t("series")})
    st.dataframe(wide, hide_index=True, key="tiers_table")
    ui.download(table.drop("level_name"), "skillsim-tiers", "tiers_download")
    others = ", ".join(ui.short_label(pid) for pid in amounts.not_by_level())
    st.caption(t("tiers_other", names=others))
    with st.expander(t("amount_rules")):
        st.dataframe(amounts.amount_rules().rename({"document": t("policy"), "rule": t("rule"),
                                                    "clause": t("clause"), "text": t("text")}), hide_index=True)

    st.subheader(t("bj_timeline"))
    timeline = with_level_names(amounts.beijing_2019_vs_2026(tier_table(("rate_100",))))
    columns = {"y2019": t("bj_2019"), "y2026_b": t("bj_2026_b"), "y2026_a": t("bj_2026_a")}
    long = timeline.unpivot(list(columns), index="level_name", variable_name="year", value_name="amount_cny") \
        .with_columns(pl.col("year").replace_strict(columns))
    charts.grouped_bars(long, "level_name", "amount_cny", "year", x_title=t("level"), y_title=t("amount_cny"),
                        x_order=LEVEL_ORDER[:-1], key="timeline_chart", height=300)
    st.dataframe(timeline.select(pl.col("level_name").alias(t("level")),
                                 *(pl.col(k).alias(v) for k, v in columns.items()),
                                 pl.col("change_b").alias(t("bj_change"))), hide_index=True, key="timeline_table")
    ui.download(timeline, "skillsim-beijing-2019-vs-2026", "timeline_download")
