"""shanghai-2025-skills-upgrade: 沪人社规〔2025〕7号, the skills-upgrade subsidy.

A claim can fit several categories of 一(一) (employed, flexible, student, priority,
not employed) and the special rule 一(五); each is a *route* with its own rate and
conditions, and SHSU-M pays the most favourable route that is open. Rule ids are
ids of its rules.toml (docs/rules/); clause texts in rules.toml, values in
parameters.toml, classes in catalog.csv, the 13 技岗匹配 occupations in
tech_post_match.csv.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import polars as pl

from ..caps import in_order
from ..catalogs import load_catalog
from ..engine import Check, ClassMaps, Note, Policy, by_distinct, col_in, fmt, prior
from ..levels import LEVEL_NAMES
from ..money import apply_pct, pct_text
from ..parameters import ParameterSet

C = pl.col

# route -> (rule, category label as the notice writes it, district that pays: SHSU-F1)
ROUTES = {
    "employed": ("SHSU-R1", "在职人员", "用人单位社会保险关系所在区"),
    "flexible": ("SHSU-R2", "灵活就业人员", "社会保险缴纳所在区或户籍所在区"),
    "student": ("SHSU-R3", "毕业学年学生", "院校所在区"),
    "disabled_veteran": ("SHSU-R4", "残疾人、退役5年内的退役士兵", "户籍所在区"),
    "difficulty": ("SHSU-R4", "就业困难人员", "户籍所在区"),
    "not_employed": ("SHSU-R5", "登记失业人员、协保人员、原农村富余劳动力及未登记人员", "户籍所在区"),
    "care": ("SHSU-X1", "养老护理、家政服务从业人员(特别规定)", "所在单位所属区"),
}


class ShanghaiSkillsUpgrade2025(Policy):
    folder = Path(__file__).parent
    level_monotone = True  # a higher level never pays less (conformance kit: docs/conformance.md)

    @cached_property
    def catalog(self) -> pl.DataFrame:
        return load_catalog(self.folder / "catalog.csv",
                            {"kind": pl.String, "name": pl.String, "class": pl.String},
                            unique=("code", "name"))

    @cached_property
    def tech_post_match(self) -> pl.DataFrame:
        return load_catalog(self.folder / "tech_post_match.csv",
                            {"seq": pl.Int64, "code": pl.String, "name": pl.String}, unique=("code",))

    def known_codes(self) -> tuple[list[str], list[str]]:
        codes, items = super().known_codes()
        return codes + [c for c in self.tech_post_match["code"] if c not in codes], items

    def class_maps(self, p: ParameterSet) -> ClassMaps:
        """SHSU-K1: classes A/B/C; occupation code -> class and item -> class, with the
        catalog update (catalog_overrides)."""
        cat = self.catalog
        occ = dict(cat.filter(C("kind") == "occupation").select("code", "class").iter_rows())
        items = dict(cat.filter(C("kind") == "special_ability").select("name", "class").iter_rows())
        for key, cls in p["catalog_overrides"].items():
            (occ if key[:1].isdigit() else items)[key] = cls
        return ClassMaps(("A", "B", "C"), occ, items)

    # ------------------------------------------------------------------ derived columns
    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        maps = self.class_maps(p)
        occ, items = maps.occupations, maps.items
        kind = C("cert_kind")
        prefix = p["same_city_policy_prefix"]
        app_year = C("application_date").dt.year()
        lf = self.prior_features(lf, {
            # SHSU-R7: already paid for this occupation at this level or higher / this ungraded item
            "_paid_same": (prior("policy_id").str.starts_with(prefix) & (
                (C("cert_level").is_not_null() & (prior("occupation_code") == C("occupation_code"))
                 & (prior("cert_level") <= C("cert_level")))
                | (C("cert_level").is_null() & prior("cert_level").is_null()
                   & ((prior("special_ability_item") == C("special_ability_item"))
                      | (prior("occupation_code") == C("occupation_code"))))), "any"),
            # SHSU-L1: subsidies this calendar year, and those paid as employed
            "_year_count": (prior("policy_id").str.starts_with(prefix)
                            & (prior("date").dt.year() == app_year), "count"),
            "_year_employed": (prior("policy_id").str.starts_with(prefix) & prior("as_employed")
                               & (prior("date").dt.year() == app_year), "count"),
            # SHSU-R3: a final-year vocational student is paid as such once
            "_paid_as_student": (prior("policy_id").str.starts_with(prefix) & prior("as_student"), "any"),
        })

        graded = col_in("cert_kind", ["skill_level", "qualification"]) & C("cert_level").is_not_null()
        catalog_class = (pl.when(kind == "special_ability")
                         .then(C("special_ability_item").replace_strict(items, default=None, return_dtype=pl.String))
                         .otherwise(C("occupation_code").replace_strict(occ, default=None, return_dtype=pl.String)))
        # the claim's class, the catalog's, the text's for special operations, then a scenario's assumption
        klass = pl.coalesce(C("catalog_class").cast(pl.String), C("_catalog_class"),
                            pl.when(kind == "special_operation").then(pl.lit(p["special_operation_class"])),
                            C("_assumed_class"))
        sh = C("hukou") == "shanghai"
        retire = pl.when(C("sex") == "male").then(p["retirement_age_male"]).otherwise(p["retirement_age_female"])
        # SHSU-X1: 法定劳动年龄段内（女性可放宽至60岁）: men as SHSU-S1, women relaxed (never tightened)
        care_retire = pl.when(C("sex") == "male").then(p["retirement_age_male"]) \
            .otherwise(max(p["retirement_age_female"], p["care_max_age"]))
        care_months = pl.coalesce(C("care_post_months"), C("months_employed_after_cert"))
        # the class and its base in steps, each reading the column before (not its expression)
        lf = lf.with_columns(graded.alias("_graded"), catalog_class.alias("_catalog_class"),
                             self.assumed_class(p, kind == "special_ability").alias("_assumed_class"))
        lf = lf.with_columns(klass.alias("_class"))
        lf = lf.with_columns(
            self._base_amount(C("_class"), C("_graded"), p).alias("_base"),
            sh.alias("_sh"),
            ((C("age") >= p["working_age_min"]) & (C("age") < retire)).fill_null(False).alias("_working_age"),
            # 一(一)1 (1)–(5) and 一(一)2: who is in which category at the issue date
            (C("employment") == "employed").fill_null(False).alias("_c_employed"),
            ((C("employment") == "flexible") & (sh | C("flexible_city_insurance"))).fill_null(False).alias("_c_flexible"),
            (C("student_final_year").is_not_null() & (C("school_city") == "shanghai")).fill_null(False).alias("_c_student"),
            (C("student_final_year").is_not_null() & C("school_city").is_null()).alias("_school_unknown"),
            (sh & (C("disabled") | (C("veteran_years") <= p["veteran_window_years"]))).fill_null(False).alias("_c_disabled_veteran"),
            (sh & C("employment_difficulty")).fill_null(False).alias("_c_difficulty"),
            # SHSU-X1: elderly-care / domestic-service special rule, any hukou
            (col_in("occupation_code", p["care_occupations"]) & (kind == "skill_level")
             & (C("age") >= p["working_age_min"]) & (C("age") < care_retire)
             & C("care_sector_post") & (C("care_post_start_months") <= p["care_start_within_months"])
             & (care_months >= p["care_min_months"])).fill_null(False).alias("_x1"),
        )
        # (6) 本市户籍未就业的…: every Shanghai-hukou person not employed or flexible at the issue date
        # and not a final-year student, flags or not, disabled, veteran or difficulty person too
        # (an unregistered one is 未进行就业失业登记); an employed 协保 worker is not in it
        not_employed = ~col_in("employment", ["employed", "flexible"]) & C("student_final_year").is_null()
        lf = lf.with_columns((sh & not_employed).fill_null(False).alias("_c_not_employed"))
        employed_cap = C("_year_employed") >= p["yearly_max_as_employed"]
        college_ok = pl.when(C("student_final_year") == "college") \
            .then(C("_graded") & (C("cert_level") <= p["college_min_level"])).otherwise(True)
        vocational_ok = (C("student_final_year") != "vocational") | ~C("_paid_as_student")
        wa = C("_working_age")
        employed_at_app = C("employed_at_application")
        lf = lf.with_columns(
            (C("_c_employed") & (C("months_employed_after_cert") < p["employed_min_months"])).fill_null(False)
            .alias("_r1_short"),
            college_ok.fill_null(False).alias("_college_ok"),
            vocational_ok.fill_null(True).alias("_vocational_ok"),
            (employed_cap & ((C("_c_employed") & wa) | C("_x1"))).fill_null(False).alias("_employed_cap_hit"),
        )
        rates = {  # route -> rate in percent where the route is open, else null
            "employed": pl.when(wa & C("_c_employed") & ~C("_r1_short") & ~employed_cap).then(p["rate_employed_pct"]),
            "flexible": pl.when(wa & C("_c_flexible")).then(p["rate_flexible_pct"]),
            "student": pl.when(wa & C("_c_student") & C("_college_ok") & C("_vocational_ok"))
            .then(pl.when(employed_at_app).then(p["rate_student_employed_pct"]).otherwise(p["rate_student_pct"])),
            "disabled_veteran": pl.when(wa & C("_c_disabled_veteran")).then(p["rate_priority_pct"]),
            "difficulty": pl.when(wa & C("_c_difficulty")).then(p["rate_priority_pct"]),
            "not_employed": pl.when(wa & C("_c_not_employed")).then(
                pl.when(employed_at_app).then(p["rate_not_employed_reemployed_pct"]).otherwise(p["rate_not_employed_pct"])),
            "care": pl.when(C("_x1") & ~employed_cap).then(p["rate_care_pct"]),
        }
        # in percent, fractions kept (money.apply_pct applies 80.9 % exactly)
        lf = lf.with_columns(r.cast(pl.Float64).alias(f"_rate_{name}") for name, r in rates.items())
        route_cols = [f"_rate_{name}" for name in ROUTES]
        best = pl.max_horizontal(route_cols) if p["most_favourable"] else pl.coalesce(route_cols)
        lf = lf.with_columns(best.alias("_rate_pct"),
                             pl.sum_horizontal(C(c).is_not_null() for c in route_cols).alias("_open_routes"))
        # the first route (in ROUTES order) paying the chosen rate, as an index into the names
        first = pl.coalesce([pl.when(C(f"_rate_{name}") == C("_rate_pct")).then(pl.lit(i, pl.UInt32))
                             for i, name in enumerate(ROUTES)])
        route = pl.lit(pl.Series(list(ROUTES), dtype=pl.String)).gather(first)
        extended = C("student_final_year").is_not_null() | C("care_sector_post")  # SHSU-P1: 24 months
        return lf.with_columns(
            route.alias("_route"),
            pl.when(extended)
            .then(by_distinct(C("cert_issue_date"), lambda d: d.dt.offset_by(f"{p['application_window_months_extended']}mo")))
            .otherwise(by_distinct(C("cert_issue_date"), lambda d: d.dt.offset_by(f"{p['application_window_months']}mo")))
            .alias("_deadline"),
            col_in("occupation_code", self.tech_post_match["code"].to_list()).alias("_tech_post"),
        )

    @staticmethod
    def _base_amount(klass: pl.Expr, graded: pl.Expr, p: ParameterSet) -> pl.Expr:
        """SHSU-A1: the base by class and level (ungraded: the class's flat amount), looked
        up on one small integer key, class × 8 + level (0 = ungraded): a per-row
        "class|level" string key costs 5x more, a when/then per class 3x more."""
        classes = list(p["base_amounts"])
        table = {i * 8 + (0 if lvl == "ungraded" else int(lvl)): amt
                 for i, k in enumerate(classes) for lvl, amt in p["base_amounts"][k].items()}
        k = klass.replace_strict({c: i for i, c in enumerate(classes)}, default=None, return_dtype=pl.Int32)
        level = pl.when(graded).then(C("cert_level").cast(pl.Int32)).otherwise(0)
        return (k * 8 + level).replace_strict(table, default=None, return_dtype=pl.Int64)

    # ------------------------------------------------------------------ rules
    def checks(self, p: ParameterSet) -> list[Check]:
        lo, hi = p["certificates_from"], p["certificates_until"]
        no_route = C("_rate_pct").is_null()
        eligible_kind = col_in("cert_kind", ["skill_level", "special_ability", "qualification", "special_operation"])
        wa = C("_working_age")
        # A claim that passes S1/S2 but whose only categories are closed: say which rule closed them
        # (unless the school is unknown: the student route may be open, SHSU-S2 asks for it).
        s1_age = no_route & ~wa & ~C("_x1")
        no_route = no_route & ~C("_school_unknown")
        r1 = no_route & wa & C("_r1_short") & ~C("_x1")
        r3_level = no_route & wa & C("_c_student") & ~C("_college_ok")
        r3_once = no_route & wa & C("_c_student") & ~C("_vocational_ok")
        l1_emp = no_route & C("_employed_cap_hit")
        s2 = no_route & ~C("_sh") & ~C("_c_employed") & ~C("_c_flexible") & ~C("_c_student") & ~C("_x1")
        unexplained = no_route & ~pl.any_horizontal(r1, r3_level, r3_once, l1_emp, s1_age, s2)
        return [
            Check("SHSU-V1", C("cert_issue_date") < lo, status="out_of_scope",
                  why=fmt("issued on {}, before {}: falls under 沪人社规〔2022〕17号 and 〔2024〕20号 "
                          "(not encoded)", "cert_issue_date", pl.lit(lo))),
            Check("SHSU-V1", C("cert_issue_date") > hi, status="out_of_scope",
                  why=fmt("issued on {}, after {}: falls under whatever notice follows", "cert_issue_date",
                          pl.lit(hi))),
            Check("SHSU-C1", ~eligible_kind,
                  why=fmt("a {} certificate is not a 职业技能证书 (qualification, skill-level or "
                          "special-ability certificate)", "cert_kind")),
            Check("SHSU-C1", eligible_kind & (C("cert_issuer_city") != "shanghai"),
                  why=fmt("issued by a body registered in {}, not in Shanghai", "cert_issuer_city")),
            Check("SHSU-R8", col_in("cert_route", p["excluded_routes"]),
                  why=fmt("obtained by {} (企业直接认定/竞赛晋升/境外证书比照/表彰), which is excluded", "cert_route")),
            Check("SHSU-R8", C("public_sector_nonskill"),
                  why="civil servants and public-institution staff in non-skill posts are excluded"),
            Check("SHSU-S1", s1_age,
                  why=fmt("age {} ({}) is outside the legal working age {}–{}", "age", "sex",
                          pl.lit(p["working_age_min"]),
                          pl.when(C("sex") == "male").then(p["retirement_age_male"] - 1)
                          .otherwise(p["retirement_age_female"] - 1))),
            Check("SHSU-S2", s2 & wa,
                  why=fmt("non-Shanghai hukou ({}) and employment {}: eligible only as employed in "
                          "Shanghai, flexible with Shanghai pension and medical insurance, or final-year "
                          "student at a Shanghai school", "hukou", "employment")),
            Check("SHSU-R1", r1,
                  why=fmt("employed {} months in Shanghai since issue; the 80 % needs {} continuous months",
                          "months_employed_after_cert", pl.lit(p["employed_min_months"]))),
            Check("SHSU-R3", r3_level,
                  why=fmt("a final-year college student needs a certificate of level {} (中级) or higher; "
                          "this one is level {}", pl.lit(p["college_min_level"]), "cert_level")),
            Check("SHSU-R3", r3_once, why="already paid once as a final-year vocational student"),
            Check("SHSU-L1", l1_emp,
                  why=fmt("already paid {} subsidy this year as employed (at most {} a year)",
                          "_year_employed", pl.lit(p["yearly_max_as_employed"]))),
            Check("SHSU-S1", unexplained, why="no category of 一(一) is open to this claim"),
            Check("SHSU-R6", C("_tech_post") & ~(C("employed_at_application") & C("employed_in_matching_post")),
                  why=fmt("{} is a 技岗匹配 occupation: at application the worker must be employed in "
                          "Shanghai in that skill post", "occupation_code")),
            Check("SHSU-P1", C("application_date") > C("_deadline"),
                  why=fmt("applied on {}, after the window closed on {}", "application_date", "_deadline")),
            Check("SHSU-R7", C("_paid_same"),
                  why=pl.when(C("cert_level").is_null())
                  .then(fmt("already paid for this ungraded item or occupation ({})",
                            pl.coalesce("special_ability_item", "occupation_code")))
                  .otherwise(fmt("already paid for occupation {} at level {} or higher", "occupation_code",
                                 "cert_level"))),
            Check("SHSU-S2", C("_school_unknown") & wa, status="needs_info",
                  why="school_city is needed: a final-year student of a Shanghai school is in category (5) "
                      "(SHSU-R3's rates), one of a school elsewhere is not"),
            Check("SHSU-L1", C("_year_count") >= p["yearly_max"],
                  why=fmt("already {} training or upgrade subsidies this calendar year (at most {})",
                          "_year_count", pl.lit(p["yearly_max"]))),
            Check("SHSU-K1", C("_class").is_null(), status="needs_info",
                  why=fmt("the catalog class (A/B/C) of {} is not known: give catalog_class, or a "
                          "scenario's catalog_overrides", pl.coalesce("occupation_code", "special_ability_item",
                                                                      pl.lit("this certificate")))),
            Check("SHSU-A1", (C("cert_kind") == "skill_level") & C("cert_level").is_null(), status="needs_info",
                  why="a skill-level certificate needs its cert_level (1–5) to set the amount"),
        ]

    def notes(self, p: ParameterSet) -> list[Note]:
        level = pl.when(C("_graded")).then(C("cert_level").replace_strict(LEVEL_NAMES, default=None,
                                                                        return_dtype=pl.String)) \
            .otherwise(pl.lit("ungraded"))
        class_from = (pl.when(C("catalog_class").is_not_null()).then(pl.lit("set by the claim's catalog_class"))
                      .when(C("_catalog_class").is_not_null()).then(pl.lit("in the catalog"))
                      .when(C("cert_kind") == "special_operation")
                      .then(pl.lit("special-operation qualification (沪人社职〔2022〕219号)"))
                      .otherwise(pl.lit("assumed by the scenario: not in the catalog")))
        notes = [
            Note("SHSU-S1", fmt("Shanghai hukou, age {}, category: {}", "age", "category"), where=C("_sh")),
            Note("SHSU-S2", fmt("non-Shanghai hukou, treated as: {}", "category"), where=~C("_sh")),
            Note("SHSU-V1", fmt("issued on {}, within {} … {}", "cert_issue_date",
                                pl.lit(p["certificates_from"]), pl.lit(p["certificates_until"]))),
            Note("SHSU-C1", fmt("{} certificate from a Shanghai-registered body", "cert_kind")),
            Note("SHSU-R8", "obtained by assessment; not a non-skill public post"),
            Note("SHSU-K1", fmt("class {} ({})", "_class", class_from)),
            Note("SHSU-A1", fmt("class {}, {}: base {} yuan", "_class", level, "_base")),
        ]
        for name, (rule, label, _) in ROUTES.items():
            notes.append(Note(rule, fmt("{}: {}% of the base", pl.lit(label), pct_text(C("_rate_pct"))),
                              where=C("_route") == name))
        notes += [
            Note("SHSU-M", fmt("{} categories open; the most favourable rate applies", "_open_routes"),
                 where=C("_open_routes") > 1),
            Note("SHSU-R6", "技岗匹配 occupation: employed in the matching post at application",
                 where=C("_tech_post")),
            Note("SHSU-P1", fmt("applied on {}, within the window (by {})", "application_date", "_deadline")),
            Note("SHSU-R7", "no earlier Shanghai subsidy for this occupation at this level or higher"),
            Note("SHSU-L1", fmt("{} earlier subsidies this calendar year (at most {})", "_year_count",
                                pl.lit(p["yearly_max"]))),
            Note("SHSU-F1", fmt("city {} yuan, district {} yuan ({}: {})", C("funding").struct.field("city_cny"),
                                C("funding").struct.field("district_cny"),
                                C("funding").struct.field("district_basis"), "district")),
        ]
        return notes

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        return C("_route").replace_strict({k: v[0] for k, v in ROUTES.items()}, default="SHSU-A1",
                                          return_dtype=pl.String)

    def category(self, p: ParameterSet) -> pl.Expr:
        return C("_route").replace_strict({k: v[1] for k, v in ROUTES.items()}, default=None,
                                          return_dtype=pl.String)

    def tier(self, p: ParameterSet) -> pl.Expr:
        return C("_class")

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        return by_distinct(C("application_date"),
                           lambda d: d.dt.month_start().dt.offset_by(f"{p['payment_delay_months']}mo"))

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        """SHSU-F1: the city's share (city_share_pct, 1:1 = 50 %) rounded half up, the district
        pays the rest: at 1:1 the city takes an odd yuan."""
        district = amount - apply_pct(amount, p["city_share_pct"])
        basis = C("_route").replace_strict({k: v[2] for k, v in ROUTES.items()}, default=None,
                                           return_dtype=pl.String)
        return pl.struct(source=pl.lit("地方教育附加"), city_cny=amount - district, district_cny=district,
                         district=C("district").cast(pl.String), district_basis=basis)

    # ------------------------------------------------------------------ between claims
    def as_prior(self, p: ParameterSet) -> pl.Expr:
        """A paid claim as a prior of the same person's later claims: paid as employed
        (SHSU-R1, X1: SHSU-L1's one a year) or as a vocational student (SHSU-R3's once)."""
        return super().as_prior(p).struct.with_fields(
            as_employed=C("deciding_rule").is_in(["SHSU-R1", "SHSU-X1"]),
            as_student=(C("deciding_rule") == "SHSU-R3") & (C("student_final_year") == "vocational"))

    def population_caps(self, results: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """The once-only and yearly rules between the claims of one person (SHSU-R7 same
        occupation at this level or higher once, SHSU-R3 a vocational student once, SHSU-L1
        three a year and one as employed): each claim in order of application, decided as
        ``explain`` decides it with the earlier paid claims as prior subsidies, so a claim
        that loses the employed or student route takes the most favourable one left
        (SHSU-M), and a claim turned down blocks nothing."""
        return in_order(self, results, p)


POLICY = ShanghaiSkillsUpgrade2025
