"""ningxia-2025-skills-subsidy: item 二 of Ningxia's 2025 transmittal of 人社部发〔2025〕18号,
the skills-upgrade subsidy (技能提升补贴), as a skillsim plug-in.

Every rule id below (NX25-*) is a table of rules.toml, with its clause, the official text
(text.txt) and the reading taken; its values are in parameters.toml. The two facts the
shared claim lacks are this policy's own claim fields (claim_fields.toml):
drawing_unemployment_benefit and urgent_shortage_occupation.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from skillsim.plugin import LEVEL_NAMES, Check, Note, ParameterSet, Policy, by_distinct, col_in, fmt, in_order, prior

C = pl.col
EMPLOYEE, ON_BENEFIT = "企业在职职工", "领取失业保险金人员"   # NX25-S1's two groups
COVERED_KINDS = ("skill_level", "qualification")             # NX25-C1
COVERED_LEVELS = (5, 4, 3)


class Ningxia2025(Policy):
    folder = Path(__file__).parent

    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        shortage = C("urgent_shortage_occupation")   # NX25-A2: the claim decides (no list encoded)
        amounts = {"other": p["amounts_other"], "shortage": p["amounts_shortage"]}
        by_level = {k: C("cert_level").replace_strict({int(lv): v for lv, v in t.items()}, default=None,
                                                      return_dtype=pl.Int64) for k, t in amounts.items()}
        employed = (C("employment") == "employed") & C("public_sector_nonskill").not_()
        deadline = by_distinct(C("cert_issue_date"),
                               lambda d: d.dt.offset_by(f"{p['application_window_months']}mo"))
        lf = lf.with_columns(
            shortage.alias("_shortage"),
            pl.when(shortage).then(by_level["shortage"]).when(shortage.not_()).then(by_level["other"]).alias("_base"),
            pl.lit(100).alias("_rate_pct"),
            pl.when(employed & (C("insurance_months") >= p["insurance_months_min"])).then(pl.lit(EMPLOYEE))
            .when((C("employment") == "unemployed") & C("drawing_unemployment_benefit")).then(pl.lit(ON_BENEFIT))
            .alias("_group"),
            deadline.alias("_deadline"),
        )
        ours = prior("policy_id").str.starts_with(p["same_region_policy_prefix"])
        return self.prior_features(lf, {
            # NX25-L2: this occupation already subsidised at this level or a higher one (a lower number)
            "_paid_same": (ours & (prior("occupation_code") == C("occupation_code"))
                           & (prior("cert_level") <= C("cert_level")), "any"),
            # NX25-L2 cannot be applied: the claim names no occupation, and there is an earlier subsidy
            "_occupation_unknown": (ours & prior("cert_level").is_not_null() & C("occupation_code").is_null(), "any"),
            # NX25-L1: this calendar year's subsidies, of both kinds
            "_year_count": (ours & (prior("date").dt.year() == C("application_date").dt.year()), "count"),
        })

    def checks(self, p: ParameterSet) -> list[Check]:
        issued, applied = C("cert_issue_date"), C("application_date")
        employment, benefit = C("employment"), C("drawing_unemployment_benefit")
        employed, unemployed = employment == "employed", employment == "unemployed"
        kind_ok, level = col_in("cert_kind", COVERED_KINDS), C("cert_level")
        count, shortage = C("_year_count"), C("_shortage")
        return [
            Check("NX25-V1", issued < p["certificates_from"], status="out_of_scope",
                  why=fmt("issued on {}, before {}: the 2025 rules do not cover it", "cert_issue_date",
                          pl.lit(p["certificates_from"]))),
            Check("NX25-V1", applied > p["applications_until"], status="out_of_scope",
                  why=fmt("applied on {}, after {}: the 2025 rules ran to then", "application_date",
                          pl.lit(p["applications_until"]))),
            Check("NX25-S1", ~(employed | unemployed),
                  why=fmt("employment {} is not covered: only an enterprise employee with unemployment insurance "
                          "or a person drawing unemployment benefit", "employment")),
            Check("NX25-S1", employed & C("public_sector_nonskill"),
                  why="a civil servant or public-institution staff member is no enterprise employee (企业在职职工)"),
            Check("NX25-S1", employed & (C("insurance_months") < p["insurance_months_min"]),
                  why=fmt("{} months of unemployment insurance, fewer than {}", "insurance_months",
                          pl.lit(p["insurance_months_min"]))),
            Check("NX25-S1", unemployed & benefit.not_(),
                  why="not employed and not drawing unemployment insurance benefit (领取失业保险金)"),
            Check("NX25-S1", unemployed & benefit.is_null(), status="needs_info",
                  why="drawing_unemployment_benefit is needed: a person not employed qualifies only by drawing "
                      "unemployment insurance benefit"),
            Check("NX25-C1", ~kind_ok,
                  why=fmt("a {} certificate is neither a vocational qualification (技能人员职业资格证书) nor a "
                          "skill-level certificate (职业技能等级证书)", "cert_kind")),
            Check("NX25-C1", kind_ok & level.is_not_null() & ~level.is_in(COVERED_LEVELS),
                  why=fmt("level {} is not among the levels the text lists (五级, 四级, 三级)", "cert_level")),
            Check("NX25-C1", (C("cert_kind") == "qualification") & level.is_null(),
                  why="an ungraded qualification is not covered (levels 五级, 四级, 三级 only)"),
            Check("NX25-C1", (C("cert_kind") == "skill_level") & level.is_null(), status="needs_info",
                  why="cert_level is needed: a skill-level certificate's amount depends on its level"),
            Check("NX25-V1", applied > C("_deadline"),
                  why=fmt("applied on {}, after the {}-month window closed on {}", "application_date",
                          pl.lit(p["application_window_months"]), "_deadline")),
            Check("NX25-L2", C("other_subsidy_same_cert"),
                  why="this certificate already drew a vocational-training subsidy (不得和职业培训补贴重复享受)"),
            Check("NX25-L2", C("_paid_same"),
                  why=fmt("already subsidised for occupation {} at this level or a higher one", "occupation_code")),
            Check("NX25-L2", C("_occupation_unknown"), status="needs_info",
                  why="occupation_code is needed: an earlier Ningxia subsidy may be for the same occupation"),
            Check("NX25-L1", (count >= p["yearly_max_shortage"]) | ((count >= p["yearly_max"]) & shortage.not_()),
                  why=fmt("already {} subsidies this calendar year (at most {}; {} for urgent-shortage "
                          "certificates)", "_year_count", pl.lit(p["yearly_max"]), pl.lit(p["yearly_max_shortage"]))),
            Check("NX25-A2", shortage.is_null(), status="needs_info",
                  why="urgent_shortage_occupation is needed: the amount (NX25-A1 or NX25-A2) depends on it and "
                      "no published shortage list is encoded"),
        ]

    def notes(self, p: ParameterSet) -> list[Note]:
        level_name = C("cert_level").replace_strict(LEVEL_NAMES, default=None, return_dtype=pl.String)
        return [
            Note("NX25-S1", fmt("{} with {} months of unemployment insurance (at least {})", "_group",
                                "insurance_months", pl.lit(p["insurance_months_min"])),
                 where=C("_group") == EMPLOYEE),
            Note("NX25-S1", fmt("{}: draws unemployment insurance benefit", "_group"), where=C("_group") == ON_BENEFIT),
            Note("NX25-C1", fmt("{} certificate, {}", "cert_kind", level_name)),
            Note("NX25-V1", fmt("issued on {} (from {}), applied on {} (by {} and within {} months, by {})",
                                "cert_issue_date", pl.lit(p["certificates_from"]), "application_date",
                                pl.lit(p["applications_until"]), pl.lit(p["application_window_months"]), "_deadline")),
            Note("NX25-L2", "no earlier subsidy for this occupation at this level or higher, and no "
                            "vocational-training subsidy for this certificate"),
            Note("NX25-L1", fmt("{} earlier subsidies this calendar year (at most {}; {} for urgent-shortage "
                                "certificates)", "_year_count", pl.lit(p["yearly_max"]),
                                pl.lit(p["yearly_max_shortage"]))),
            Note("NX25-A1", fmt("not an urgent-shortage occupation (the claim says), {}: {} yuan", level_name, "_base"),
                 where=C("_shortage").not_()),
            Note("NX25-A2", fmt("urgent-shortage occupation (the claim says), {}: {} yuan", level_name, "_base"),
                 where=C("_shortage")),
            Note("NX25-F1", fmt("paid to the individual from the {}", pl.lit(p["fund"]))),
        ]

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        return pl.when(C("_shortage")).then(pl.lit("NX25-A2")).otherwise(pl.lit("NX25-A1"))

    def category(self, p: ParameterSet) -> pl.Expr:
        return C("_group")

    def tier(self, p: ParameterSet) -> pl.Expr:
        return pl.when(C("_shortage")).then(pl.lit("urgent shortage")).when(C("_shortage").not_()).then(pl.lit("other"))

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        return by_distinct(C("application_date"),
                           lambda d: d.dt.month_start().dt.offset_by(f"{p['payment_delay_months']}mo"))

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        """NX25-F1: the unemployment insurance fund pays it all (no city/district split)."""
        return pl.struct(source=pl.lit(p["fund"]), city_cny=amount, district_cny=pl.lit(0, pl.Int64),
                         district=pl.lit(None, pl.String), district_basis=pl.lit(None, pl.String))

    def population_caps(self, results: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """NX25-L1 and NX25-L2 between one person's claims: each in order of application (ties:
        the larger amount), decided as ``explain`` decides it with the earlier paid claims as
        prior subsidies (``Policy.as_prior``: occupation, level, dated the application)."""
        return in_order(self, results, p)


POLICY = Ningxia2025
