"""beijing-2026-key-groups: 京人社能发〔2026〕2号, the key-group upgrade subsidy.

Every rule id below is a id of its rules.toml (docs/rules/); its clause and official
text are in rules.toml, its values in parameters.toml, its tiers in catalog.csv.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import polars as pl

from ..caps import in_order
from ..catalogs import load_catalog
from ..engine import Check, ClassMaps, Note, Policy, by_distinct, col_in, fmt, prior
from ..levels import LEVEL_NAMES
from ..money import apply_pct
from ..parameters import ParameterSet

C = pl.col
GROUPS = {  # BJKG-G1 (a)–(d), labels as the notice writes them
    "a": "本市户籍农村转移就业劳动力(无业求职登记)",
    "b": "离校两年内未就业高校毕业生",
    "c": "本市登记失业人员",
    "d": "就业困难人员",
}


class BeijingKeyGroups2026(Policy):
    folder = Path(__file__).parent
    level_monotone = True  # a higher level never pays less (conformance kit: docs/conformance.md)

    @cached_property
    def catalog(self) -> pl.DataFrame:
        return load_catalog(self.folder / "catalog.csv",
                            {"kind": pl.String, "seq": pl.Int64, "name": pl.String, "tier": pl.String},
                            unique=("code", "name"))

    def class_maps(self, p: ParameterSet) -> ClassMaps:
        """BJKG-C3: tiers A/B; occupation code -> tier and item -> tier, with the catalog
        update (catalog_overrides)."""
        cat = self.catalog
        occ = dict(cat.filter(C("kind") == "skill_level").select("code", "tier").iter_rows())
        items = dict(cat.filter(C("kind") == "special_ability").select("name", "tier").iter_rows())
        for key, tier in p["catalog_overrides"].items():
            (items if key in items or not key[:1].isdigit() else occ)[key] = tier
        return ClassMaps(("A", "B"), occ, items)

    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        maps = self.class_maps(p)
        occ, items = maps.occupations, maps.items
        is_skill, is_item = C("cert_kind") == "skill_level", C("cert_kind") == "special_ability"
        not_employed = ~col_in("employment", ["employed", "flexible"] if p["flexible_counts_as_employed"]
                               else ["employed"])
        group = (pl.when((C("hukou") == "beijing") & C("rural_transfer") & C("job_seeking_registered"))
                 .then(pl.lit(GROUPS["a"]))
                 .when((C("graduate_years") <= p["graduate_window_years"]) & not_employed)
                 .then(pl.lit(GROUPS["b"]))
                 .when(C("registered_unemployed")).then(pl.lit(GROUPS["c"]))
                 .when(C("employment_difficulty")).then(pl.lit(GROUPS["d"])))
        catalog_tier = (pl.when(is_skill).then(C("occupation_code").replace_strict(occ, default=None, return_dtype=pl.String))
                        .when(is_item).then(C("special_ability_item").replace_strict(items, default=None, return_dtype=pl.String)))
        tier_b = C("cert_level").replace_strict({int(k): v for k, v in p["skill_level_tier_b"].items()},
                                                default=None, return_dtype=pl.Int64)
        lf = lf.with_columns(
            group.alias("_group"),
            catalog_tier.alias("_catalog_tier"),
            # the claim's tier, the catalog's, then a scenario's assumption (skill-level and item claims only)
            pl.coalesce(C("catalog_class").cast(pl.String), catalog_tier,
                        pl.when(is_skill | is_item).then(self.assumed_class(p, is_item))).alias("_tier"),
            tier_b.alias("_tier_b"),
        )
        uplifted = apply_pct(C("_tier_b"), 100 + p["a_tier_uplift_pct"])
        base = (pl.when(is_skill).then(pl.when(C("_tier") == "A").then(uplifted).otherwise(C("_tier_b")))
                .when(is_item).then(C("_tier").replace_strict(p["special_ability_amounts"], default=None,
                                                              return_dtype=pl.Int64)))
        deadline = by_distinct(C("cert_issue_date"), lambda d: d.dt.offset_by(f"{p['application_window_years']}y"))
        lf = lf.with_columns(base.alias("_base"), pl.lit(100).alias("_rate_pct"), deadline.alias("_deadline"))
        return self.prior_features(lf, {
            "_paid_before": (prior("policy_id") == self.id, "any"),  # BJKG-L1
        })

    def checks(self, p: ParameterSet) -> list[Check]:
        kind_ok = col_in("cert_kind", ["skill_level", "special_ability"])
        is_skill = C("cert_kind") == "skill_level"
        key = pl.when(is_skill).then(C("occupation_code")).otherwise(C("special_ability_item"))
        lo, hi = p["issue_window_start"], p["issue_window_end"]
        return [
            Check("BJKG-P1", C("application_date") < p["notice_effective"], status="out_of_scope",
                  why=fmt("applied on {}, before the notice took effect on {}", "application_date",
                          pl.lit(p["notice_effective"]))),
            Check("BJKG-G1", C("_group").is_null(),
                  why=fmt("not in any of the 4 key groups at the issue date (hukou {}, employment {}, "
                          "graduate_years {}, registered_unemployed {}, employment_difficulty {})",
                          "hukou", "employment", "graduate_years", "registered_unemployed",
                          "employment_difficulty")),
            # 本市重点群体中的残疾人: only a key-group member is routed to the disability policy
            Check("BJKG-L3", C("disabled") & C("_group").is_not_null(),
                  why="disabled applicants in a key group are handled under 京残发[2018]26号, not this notice "
                      "(routed elsewhere; that policy is not encoded)"),
            Check("BJKG-C1", ~kind_ok,
                  why=fmt("a {} certificate is neither a skill-level (职业技能等级证书) nor a "
                          "special-ability (专项职业能力证书) certificate", "cert_kind")),
            Check("BJKG-C1", kind_ok & (C("cert_issuer_city") != "beijing"),
                  why=fmt("issued by a body registered in {}, not in Beijing", "cert_issuer_city")),
            Check("BJKG-C2", (C("cert_issue_date") < lo) | (C("cert_issue_date") > hi),
                  why=fmt("issued on {}, outside {} … {}", "cert_issue_date", pl.lit(lo), pl.lit(hi))),
            Check("BJKG-C3", kind_ok & key.is_null() & C("catalog_class").is_null(), status="needs_info",
                  why=pl.when(is_skill).then(pl.lit("occupation_code is needed to find the catalog tier"))
                  .otherwise(pl.lit("special_ability_item is needed to find the catalog tier"))),
            Check("BJKG-C3", kind_ok & key.is_not_null() & C("_tier").is_null(),
                  why=fmt("{} is not in the 2026 catalog (北京市重点群体就业技能提升补助标准目录)", key)),
            Check("BJKG-C3", C("catalog_class") == "C",
                  why="Beijing's catalog has tiers A and B only; a class-C certificate is not covered"),
            Check("BJKG-A1", is_skill & C("cert_level").is_null(), status="needs_info",
                  why="a skill-level certificate needs its cert_level (1–5) to set the amount"),
            Check("BJKG-P1", C("application_date") > C("_deadline"),
                  why=fmt("applied on {}, after the one-year window closed on {}", "application_date",
                          "_deadline")),
            Check("BJKG-L2", C("other_subsidy_same_cert"),
                  why="this certificate already drew another Beijing government subsidy"),
            Check("BJKG-L1", C("_paid_before"),
                  why="already paid under this notice (at most one subsidy per person)"),
        ]

    def notes(self, p: ParameterSet) -> list[Note]:
        is_skill = C("cert_kind") == "skill_level"
        level_name = C("cert_level").replace_strict(LEVEL_NAMES, default=None, return_dtype=pl.String)
        where_tier = pl.when(C("catalog_class").is_not_null()).then(pl.lit("set by the claim's catalog_class")) \
            .when(C("_catalog_tier").is_not_null()).then(pl.lit("in the 2026 catalog")) \
            .otherwise(pl.lit("assumed by the scenario: not in the 2026 catalog"))
        return [
            Note("BJKG-G1", fmt("key group at the issue date: {}", "_group")),
            Note("BJKG-C1", fmt("{} certificate from a Beijing-registered body", "cert_kind")),
            Note("BJKG-C2", fmt("issued on {}, within {} … {}", "cert_issue_date",
                                pl.lit(p["issue_window_start"]), pl.lit(p["issue_window_end"]))),
            Note("BJKG-C3", fmt("{}: tier {} {}", pl.when(is_skill).then(C("occupation_code"))
                                .otherwise(C("special_ability_item")), "_tier", where_tier)),
            Note("BJKG-A1", fmt("tier {} {}: {} yuan (tier B {}; tier A +{}%)", "_tier", level_name,
                                "_base", "_tier_b", pl.lit(p["a_tier_uplift_pct"])), where=is_skill),
            Note("BJKG-A2", fmt("special-ability certificate, tier {}: {} yuan", "_tier", "_base"),
                 where=~is_skill),
            Note("BJKG-P1", fmt("applied on {}, within one year of issue (by {})", "application_date",
                                "_deadline")),
            Note("BJKG-L2", "the certificate drew no other Beijing government subsidy"),
            Note("BJKG-L1", "no earlier subsidy under this notice (at most one per person)"),
            Note("BJKG-F1", fmt("paid from {}", pl.lit(p["fund"]))),
            Note("BJKG-T1", fmt("expected payment month {} (review ≤ 10 working days, publicity on "
                                "the {}th for {} days, payment the month after)", "payment_month",
                                pl.lit(p["publicity_day"]), pl.lit(p["publicity_days"]))),
        ]

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        return pl.when(C("cert_kind") == "special_ability").then(pl.lit("BJKG-A2")).otherwise(pl.lit("BJKG-A1"))

    def category(self, p: ParameterSet) -> pl.Expr:
        return C("_group")

    def tier(self, p: ParameterSet) -> pl.Expr:
        return C("_tier")

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        """BJKG-T1: review, then publicity on the next 15th for 7 days, payment the month after."""
        day = p["publicity_day"]

        def month(applied: pl.Expr) -> pl.Expr:
            reviewed = applied.dt.offset_by(f"{p['review_calendar_days']}d")
            # publicity starts on the `day`th of the reviewed month if that is still to come,
            # else of the next month: the month of (reviewed - day days + 1 month). No when/then
            # here: inside by_distinct it makes polars 2.1 panic (mask and values lengths differ).
            start = (reviewed.dt.offset_by(f"-{day}d").dt.offset_by("1mo").dt.month_start()
                     .dt.offset_by(f"{day - 1}d"))
            end = start.dt.offset_by(f"{p['publicity_days'] - 1}d")
            return end.dt.month_start().dt.offset_by("1mo")
        return by_distinct(C("application_date"), month)

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        return pl.struct(source=pl.lit(p["fund"]), city_cny=amount, district_cny=pl.lit(0, pl.Int64),
                         district=pl.lit(None, pl.String), district_basis=pl.lit(None, pl.String))

    def population_caps(self, results: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """BJKG-L1 between the claims of a population: one subsidy per person, ever; the
        claims in order of application (ties: the larger amount), each with the earlier
        paid one as a prior subsidy, as ``explain`` decides it."""
        return in_order(self, results, p)


POLICY = BeijingKeyGroups2026
