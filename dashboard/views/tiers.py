"""Tiers: every by-level policy's amount by level (5 → 1, and ungraded) and tier or class, as
one chart and one table; the variants the policies declare (alternative rates, say) as a
selectable view; below, one jurisdiction's by-level policies side by side, by year.

What is shown, and how, comes from each policy's [tiers] declaration (dashboard/amounts.py);
the colours are the jurisdictions' (labels.series_colors), a shade per series, the legend
names the jurisdiction; in the view of all variants a variant's bars have an outline of its own."""
import polars as pl
import streamlit as st

from skillsim.dashboard import amounts, charts, formats, ui
from skillsim.dashboard.labels import city, lang, level_name, series_colors, t
from skillsim.policies import get_policy


@st.cache_data(show_spinner=False)
def tier_table(view: str | None, language: str) -> pl.DataFrame:
    return amounts.tier_table(view, language)


def with_level_names(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col("level").map_elements(level_name, return_dtype=pl.String, skip_nulls=False)
                           .alias("level_name"))


def with_legend(df: pl.DataFrame) -> pl.DataFrame:
    """The legend's name of each series: its jurisdiction's name · the series (document and
    tier), and the variant's name where a series is one of several views ("" elsewhere);
    looked up here (polars' worker threads cannot read the session's language)."""
    names = {c: city(c) for c in df["city"].unique().to_list()}
    views = {(p, v): amounts.variant_label(f"{p}/{v}", lang())
             for p, v in df.select("policy_id", "variant").unique().iter_rows() if v is not None}
    return df.with_columns(
        pl.format("{} · {}", pl.col("city").replace_strict(names, return_dtype=pl.String), "series").alias("legend"),
        pl.struct("policy_id", "variant").map_elements(lambda r: views.get((r["policy_id"], r["variant"]), ""),
                                                       return_dtype=pl.String).alias("view"))


def palette(df: pl.DataFrame) -> dict[str, str]:
    """A colour per series: its jurisdiction's, one shade per series there, the series of one
    tier side by side (so a tier's views differ by a step of shade, and by their outline)."""
    first = {s: i for i, s in enumerate(df["legend"].unique(maintain_order=True).to_list())}
    rows = df.select("legend", "city", "policy_id", "tier").unique(maintain_order=True)
    tier_first = {k: min(first[s] for s in g["legend"]) for k, g in rows.group_by("policy_id", "tier")}
    ordered = sorted(rows.iter_rows(), key=lambda r: (tier_first[(r[2], r[3])], first[r[0]]))
    return series_colors((legend, c) for legend, c, _, _ in ordered)


def view_name(view: str, options: list[str]) -> str:
    if view == amounts.ALL:
        return t("all_variants")
    name = amounts.variant_label(view, lang())
    several = len({amounts.view_policy(v) for v in options} - {None}) > 1
    return f"{get_policy(amounts.view_policy(view)).meta.document} {name}" if several else name


def chart(df: pl.DataFrame, key: str, height: int) -> None:
    present = set(df["level_name"].to_list())
    colors = palette(df)
    several = df.filter(pl.col("view") != "")["view"].n_unique() > 1       # the view of all variants
    charts.grouped_bars(df.sort(pl.col("legend").replace_strict(list(colors), list(range(len(colors))))),
                        "level_name", "amount_cny", "legend", x_title=t("level"), y_title=t("amount_cny"),
                        x_order=[n for n in LEVEL_ORDER if n in present], key=key, height=height,
                        colors=colors, dash="view" if several else None)


LEVEL_ORDER = [level_name(level) for level in amounts.LEVELS]


def written(wide: pl.DataFrame) -> pl.DataFrame:
    """A table of amounts as the pages write them: the first column as it is, each amount in
    yuan with separators (the header says 元), "—" where a policy pays nothing at that level."""
    first, *rest = wide.columns
    return wide.select(first, *(pl.Series(c, [formats.count(v) for v in wide[c]], dtype=pl.String) for c in rest))

ui.header("page_tiers", "tiers_intro")
with ui.shown_errors():
    shown = amounts.by_level()
    options = amounts.views(shown)
    view = st.radio(t("tiers_view"), options, format_func=lambda v: view_name(v, options), horizontal=True,
                    key="tiers_view", bind="query-params") if options else None
    table = with_legend(with_level_names(tier_table(view, lang())))
    chart(table, "tiers_chart", 380)
    wide = table.pivot(on="level_name", index="legend", values="amount_cny").rename({"legend": t("series")})
    st.dataframe(written(wide), hide_index=True, key="tiers_table")
    ui.download(table.drop("level_name", "legend", "view"), "skillsim-tiers", "tiers_download")
    others = ", ".join(ui.short_label(pid) for pid in amounts.not_by_level())
    if others:
        st.caption(t("tiers_other", names=others))
    with st.expander(t("amount_rules")):
        st.dataframe(amounts.amount_rules(shown, lang()).rename({"document": t("policy"), "rule": t("rule"),
                                                                 "title": t("rule_title"), "clause": t("clause"),
                                                                 "text": t("text")}),
                     hide_index=True)

    st.subheader(t("over_time"))
    st.caption(t("over_time_intro"))
    place = st.selectbox(t("jurisdiction"), amounts.cities_by_level(), format_func=city, key="tiers_city",
                         bind="query-params")
    mine = table.filter(pl.col("city") == place).sort("year", maintain_order=True)
    chart(mine, "timeline_chart", 300)
    timeline = amounts.over_time(table, place)
    st.dataframe(written(with_level_names(timeline).select(pl.col("level_name").alias(t("level")),
                                                           pl.exclude("level", "level_name"))),
                 hide_index=True, key="timeline_table")
    ui.download(timeline, f"skillsim-tiers-{place}", "timeline_download")
