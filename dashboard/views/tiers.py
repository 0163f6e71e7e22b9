"""Tiers: every by-level policy's amount by level (5 → 1, and ungraded) and tier or class, as
one chart and one table; the variants the policies declare (alternative rates, say) as a
selectable view; below, one jurisdiction's by-level policies side by side, by year.

What is shown, and how, comes from each policy's [tiers] declaration (dashboard/amounts.py);
the colours are the jurisdictions' (labels.city_color), a shade per series."""
import polars as pl
import streamlit as st

from skillsim.dashboard import amounts, charts, ui
from skillsim.dashboard.labels import city, city_color, lang, level_name, shade, t
from skillsim.policies import get_policy


@st.cache_data(show_spinner=False)
def tier_table(view: str | None, language: str) -> pl.DataFrame:
    return amounts.tier_table(view, language)


def with_level_names(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col("level").map_elements(level_name, return_dtype=pl.String, skip_nulls=False)
                           .alias("level_name"))


def palette(df: pl.DataFrame) -> list[str]:
    """A colour per series (in the frame's order): its jurisdiction's, one shade per series there."""
    pairs = list(df.select("series", "city").unique(maintain_order=True).iter_rows())
    per_city: dict[str, list[str]] = {}
    for series, c in pairs:
        per_city.setdefault(c, []).append(series)
    return [shade(city_color(c), per_city[c].index(s), len(per_city[c])) for s, c in pairs]


def view_name(view: str, options: list[str]) -> str:
    if view == amounts.ALL:
        return t("all_variants")
    name = amounts.variant_label(view, lang())
    several = len({amounts.view_policy(v) for v in options} - {None}) > 1
    return f"{get_policy(amounts.view_policy(view)).meta.document} {name}" if several else name


def chart(df: pl.DataFrame, key: str, height: int) -> None:
    present = set(df["level_name"].to_list())
    charts.grouped_bars(df, "level_name", "amount_cny", "series", x_title=t("level"), y_title=t("amount_cny"),
                        x_order=[n for n in LEVEL_ORDER if n in present], key=key, height=height,
                        palette=palette(df))


LEVEL_ORDER = [level_name(level) for level in amounts.LEVELS]

ui.header("page_tiers", "tiers_intro")
with ui.shown_errors():
    shown = amounts.by_level()
    options = amounts.views(shown)
    view = st.radio(t("tiers_view"), options, format_func=lambda v: view_name(v, options), horizontal=True,
                    key="tiers_view") if options else None
    table = with_level_names(tier_table(view, lang()))
    chart(table, "tiers_chart", 380)
    wide = table.pivot(on="level_name", index="series", values="amount_cny").rename({"series": t("series")})
    st.dataframe(wide, hide_index=True, key="tiers_table")
    ui.download(table.drop("level_name"), "skillsim-tiers", "tiers_download")
    others = ", ".join(ui.short_label(pid) for pid in amounts.not_by_level())
    if others:
        st.caption(t("tiers_other", names=others))
    with st.expander(t("amount_rules")):
        st.dataframe(amounts.amount_rules(shown).rename({"document": t("policy"), "rule": t("rule"),
                                                         "clause": t("clause"), "text": t("text")}),
                     hide_index=True)

    st.subheader(t("over_time"))
    st.caption(t("over_time_intro"))
    place = st.selectbox(t("jurisdiction"), amounts.cities_by_level(), format_func=city, key="tiers_city")
    mine = table.filter(pl.col("city") == place).sort("year", maintain_order=True)
    chart(mine, "timeline_chart", 300)
    timeline = amounts.over_time(table, place)
    st.dataframe(with_level_names(timeline).select(pl.col("level_name").alias(t("level")),
                                                   pl.exclude("level", "level_name")),
                 hide_index=True, key="timeline_table")
    ui.download(timeline, f"skillsim-tiers-{place}", "timeline_download")
