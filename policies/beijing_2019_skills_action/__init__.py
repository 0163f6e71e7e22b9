"""beijing-2019-skills-action: 京政办发〔2019〕18号, 北京市职业技能提升行动实施方案(2019—2021年).

The plan has eleven subsidy *lines* (BJSA-1 … BJSA-11), each with its own payee,
conditions and amount or ceiling. A claim names its line in ``subsidy_line``; where it
does not, and only one line fits, the line is inferred (a special-operation certificate
→ BJSA-3, a skill-level or qualification certificate → BJSA-4); otherwise the result is
``needs_info`` naming ``subsidy_line``. Every check below is gated on its line.

"Up to" (不超过) lines (BJSA-6, 7, 8, 11) report the ceiling as ``base_amount_cny`` and
pay ceiling × the line's paid share (``rate``; a parameter, 100 % by default).

Two lines make a second payment to someone else for the same training:

* BJSA-4: a recognised difficult enterprise also gets 50 % of the worker's amount;
* BJSA-7: the trainee of a high-tech or fintech enterprise, employed ≥ 3 months
  afterwards, gets a personal award of up to 50 % of the 20,000 standard.

They are extra result columns, ``employer_topup_cny`` and ``individual_award_cny``
(declared in ``second_payments``, with who receives each), on the row of the claim that
triggers them, not lines or rows of their own: the second payment exists only because
that claim is paid, it shares the claim's deciding rules, and it is the same subsidised
training for BJSA-L1 (one of the worker's three a year, not two). ``amount_cny`` is what ``payee`` gets; ``funding.city_cny`` is the whole
public cost of the claim (amount + top-up + award), so a budget that sums funding sees
both payments, and one that sums payments must add the two columns.

Caps: within one claim, its ``prior_subsidies`` (BJSA-L1); across a population,
``population_caps`` (BJSA-L1, BJSA-5 per enterprise per year, BJSA-6 per project per
year). Rule ids are ids of its rules.toml (docs/rules/); clause texts in rules.toml,
values in parameters.toml.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import polars as pl

from ..contract import claims_frame, validate_frame
from ..engine import Check, Note, Policy, col_in, fmt, prior, result_dict
from ..levels import LEVEL_NAMES
from ..money import apply_pct, pct_text
from ..parameters import ParameterSet
from ..caps import cap_total, in_order, settle
from ..cohort_lines import CohortLines

C = pl.col
LINES = tuple(f"BJSA-{i}" for i in range(1, 12))
LINE_NAMES = {  # as the plan names its programmes
    "BJSA-1": "企业新招用人员岗前培训", "BJSA-2": "新型学徒培养计划", "BJSA-3": "高危行业企业从业人员安全技能提升",
    "BJSA-4": "岗位培训提升计划", "BJSA-5": "高技能人才培养计划(研修)", "BJSA-6": "技能大师工作室创新培训计划",
    "BJSA-7": "重点产业人才培养计划", "BJSA-8": "生活服务和城市运行保障等重点领域从业人员培训",
    "BJSA-9": "就业困难人员以工代训", "BJSA-10": "家政服务提质扩容专项培训", "BJSA-11": "技能人才实训基地",
}
GRADED = ("skill_level", "qualification")


def line(rid: str) -> pl.Expr:
    return C("_line") == rid


def plain(name: str) -> pl.Expr:
    """A number for a message: 42.0 → "42", 79.5 → "79.5"."""
    x = C(name)
    return pl.when(x == x.floor()).then(x.cast(pl.Int64).cast(pl.String)).otherwise(x.cast(pl.String))


class BeijingSkillsAction2019(Policy):
    folder = Path(__file__).parent
    cap_groups = ("employer_id", "project_id")   # BJSA-5 per enterprise, BJSA-6 per project
    # the BJSA-4 top-up to a difficult enterprise, the BJSA-7 personal award (the module doc)
    second_payments = {"employer_topup_cny": "employer", "individual_award_cny": "individual"}

    def cohort_lines(self) -> CohortLines:
        """The lines as cohorts of training places, for the 2019 task table (BJSA-K1; cohorts.py)."""
        from .cohorts import SkillsActionCohorts
        return SkillsActionCohorts()

    # ------------------------------------------------------------------ derived columns
    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        kind = C("cert_kind")
        inferred = (pl.when(kind == "special_operation").then(pl.lit("BJSA-3"))
                    .when(col_in("cert_kind", GRADED)).then(pl.lit("BJSA-4")))
        app_year = C("application_date").dt.year()
        counted = prior("policy_id").is_in(p["counted_policies"])
        lf = self.prior_features(lf, {
            # BJSA-L1: subsidies already enjoyed this calendar year, and the same occupation and level
            "_year_count": (counted & (prior("date").dt.year() == app_year), "count"),
            "_same_occ_level": (counted & (prior("occupation_code") == C("occupation_code"))
                                & (prior("cert_level") == C("cert_level")), "any"),
        })
        ind = C("industry").cast(pl.String)
        sub = (pl.when(line("BJSA-4")).then(pl.when(col_in("cert_kind", GRADED)).then(pl.lit("cert"))
                                            .when(kind == "training_only").then(pl.lit("non_level")))
               .when(line("BJSA-7")).then(pl.when(ind.is_in(p["high_tech_industries"])).then(pl.lit("high_tech"))
                                          .when(ind == "cultural_creative").then(pl.lit("cultural")))
               .when(line("BJSA-8")).then(pl.when(ind.is_in(p["services_industries"])).then(pl.lit("services"))
                                          .when(ind.is_in(p["urban_industries"])).then(pl.lit("urban")))
               .when(line("BJSA-10")).then(C("domestic_training").cast(pl.String)))
        lf = lf.with_columns(pl.coalesce(C("subsidy_line").cast(pl.String), inferred).alias("_line"),
                             (C("subsidy_line").is_null()).alias("_inferred"))
        lf = lf.with_columns(sub.alias("_sub"))
        s = C("_sub")
        level_amount = C("cert_level").replace_strict({int(k): v for k, v in p["upgrade_amounts"].items()},
                                                      default=None, return_dtype=pl.Int64)
        months = pl.min_horizontal(C("work_training_months"), pl.lit(p["work_training_max_months"]))
        base = (pl.when(line("BJSA-1")).then(p["new_hire_amount"])
                .when(line("BJSA-2")).then(p["apprentice_amount_per_year"])
                .when(line("BJSA-3")).then(p["special_operation_amount"])
                .when(line("BJSA-4") & (s == "cert")).then(level_amount)
                .when(line("BJSA-4") & (s == "non_level")).then(p["non_level_amount"])
                .when(line("BJSA-5")).then(p["research_amount"])
                .when(line("BJSA-6")).then(p["studio_ceiling_cny"])
                .when(line("BJSA-7") & (s == "high_tech")).then(p["high_tech_ceiling_cny"])
                .when(line("BJSA-7") & (s == "cultural")).then(p["cultural_ceiling_cny"])
                .when(line("BJSA-8") & (s == "services")).then(p["services_ceiling_cny"])
                .when(line("BJSA-8") & (s == "urban")).then(p["urban_ceiling_cny"])
                .when(line("BJSA-9")).then(months * p["work_training_monthly_cny"])
                .when(line("BJSA-10") & (s == "pre_job")).then(p["domestic_pre_job_amount"])
                .when(line("BJSA-10") & (s == "refresher")).then(
                    pl.when(C("employee_based_firm")).then(p["domestic_refresher_employee_firm_amount"])
                    .otherwise(p["domestic_refresher_amount"]))
                .when(line("BJSA-11")).then(p["base_ceiling_cny"]))
        rate = (pl.when(line("BJSA-6")).then(p["studio_paid_share_pct"])
                .when(line("BJSA-7") & (s == "high_tech")).then(p["high_tech_paid_share_pct"])
                .when(line("BJSA-7") & (s == "cultural")).then(p["cultural_paid_share_pct"])
                .when(line("BJSA-8") & (s == "services")).then(p["services_paid_share_pct"])
                .when(line("BJSA-8") & (s == "urban")).then(p["urban_paid_share_pct"])
                .when(line("BJSA-11")).then(p["base_paid_share_pct"])
                .otherwise(100))
        award_ceiling = apply_pct(p["high_tech_ceiling_cny"], p["award_pct"])
        lf = lf.with_columns(base.cast(pl.Int64).alias("_base"), rate.cast(pl.Float64).alias("_rate_pct"))
        topup = pl.when(line("BJSA-4") & (s == "cert") & C("difficult_enterprise")) \
            .then(apply_pct(C("_base"), p["difficult_topup_pct"])).otherwise(0)
        award = pl.when(line("BJSA-7") & (s == "high_tech")
                        & (C("months_employed_after_cert") >= p["award_min_months"])) \
            .then(pl.lit(apply_pct(award_ceiling, p["award_paid_share_pct"]))).otherwise(0)
        hire_end = C("hire_date").dt.offset_by(f"{p['new_hire_window_months']}mo")
        return lf.with_columns(
            topup.fill_null(0).cast(pl.Int64).alias("employer_topup_cny"),
            award.fill_null(0).cast(pl.Int64).alias("individual_award_cny"),
            pl.lit(award_ceiling).alias("_award_ceiling"),
            hire_end.alias("_hire_end"),
            ((C("cert_issue_date") < p["plan_start"]) | (C("cert_issue_date") > p["plan_end"])).alias("_outside"),
            (~C("_line").is_in(p["l1_exempt_lines"])).fill_null(True).alias("_l1"),
            (~C("_line").is_in(p["l1_exempt_lines"] + p["same_level_exempt_lines"])
             & (C("cert_kind") != "training_only")).fill_null(True).alias("_l1_level"),
        )

    # ------------------------------------------------------------------ rules
    def checks(self, p: ParameterSet) -> list[Check]:
        kind, s, hours = C("cert_kind"), C("_sub"), plain("training_hours")
        employed = C("employment") == "employed"
        lo, hi = p["plan_start"], p["plan_end"]
        period = fmt("dated {} (cert_issue_date: the certificate's issue or the training's completion), outside "
                     "the plan's 2019—2021 period {} … {} (京政办发〔2019〕18号; 六(十五) 自2019年1月1日起执行)",
                     "cert_issue_date", pl.lit(lo), pl.lit(hi))
        need = lambda rid, field, what: Check(rid, line(rid) & C(field).is_null(), status="needs_info",  # noqa: E731
                                             why=f"{field} is needed: {what}")
        checks = [Check(rid, line(rid) & C("_outside"), status="out_of_scope", why=period) for rid in LINES]
        checks += [
            Check("BJSA-L1", C("_line").is_null() & C("_outside"), status="out_of_scope", why=period),
            # BJSA-1: new hires, ≥ 40 class hours within 12 months of hiring
            need("BJSA-1", "hire_date", "BJSA-1 pays for new hires trained within 12 months of joining"),
            need("BJSA-1", "training_hours", "BJSA-1 needs at least 40 class hours"),
            Check("BJSA-1", line("BJSA-1") & ((C("cert_issue_date") < C("hire_date"))
                                              | (C("cert_issue_date") > C("_hire_end"))),
                  why=fmt("training completed on {}, not within {} months of hiring on {} (by {})", "cert_issue_date",
                          pl.lit(p["new_hire_window_months"]), "hire_date", "_hire_end")),
            Check("BJSA-1", line("BJSA-1") & (C("training_hours") < p["new_hire_min_hours"]),
                  why=fmt("{} class hours; BJSA-1 needs at least {}", hours, pl.lit(p["new_hire_min_hours"]))),
            # BJSA-2: apprentices on 1–3 year plans
            need("BJSA-2", "apprentice_plan_years", "BJSA-2 pays apprentices on 1–3 year plans"),
            Check("BJSA-2", line("BJSA-2") & ((C("apprentice_plan_years") < p["apprentice_min_plan_years"])
                                              | (C("apprentice_plan_years") > p["apprentice_max_plan_years"])),
                  why=fmt("a {}-year plan; BJSA-2 pays plans of {} to {} years", "apprentice_plan_years",
                          pl.lit(p["apprentice_min_plan_years"]), pl.lit(p["apprentice_max_plan_years"]))),
            # BJSA-3: special-operation certificates, employees with ≥ 12 months of unemployment insurance
            Check("BJSA-3", line("BJSA-3") & (kind != "special_operation"),
                  why=fmt("a {} certificate: BJSA-3 takes a special-operation or special-equipment certificate "
                          "(特种作业操作证、特种设备作业人员证)", "cert_kind")),
            Check("BJSA-3", line("BJSA-3") & ~employed,
                  why=fmt("employment {} at the issue date: BJSA-3 pays enterprise employees (企业职工)", "employment")),
            Check("BJSA-3", line("BJSA-3") & (C("insurance_months") < p["special_operation_min_insurance_months"]),
                  why=fmt("{} months of Beijing unemployment insurance; BJSA-3 needs at least {}", "insurance_months",
                          pl.lit(p["special_operation_min_insurance_months"]))),
            # BJSA-4: qualification or skill-level certificate by level; difficult enterprises' non-level training
            Check("BJSA-4", C("_line").is_null(), status="needs_info",
                  why=fmt("subsidy_line is needed: a {} claim fits no single line by itself (a special-operation "
                          "certificate is BJSA-3, a skill-level or qualification certificate BJSA-4; name one of "
                          "BJSA-1 … BJSA-11)", "cert_kind")),
            Check("BJSA-4", line("BJSA-4") & s.is_null(),
                  why=fmt("a {} certificate: BJSA-4 takes a qualification or skill-level certificate (国家职业资格证书、"
                          "职业技能等级证书), or a difficult enterprise's non-level training (training_only)",
                          "cert_kind")),
            Check("BJSA-4", line("BJSA-4") & (s == "cert") & (kind == "qualification") & C("cert_level").is_null(),
                  why="an ungraded qualification: BJSA-4 pays the five levels 初级工 … 高级技师 only"),
            Check("BJSA-4", line("BJSA-4") & (s == "cert") & ~employed,
                  why=fmt("employment {} at the issue date: BJSA-4 pays enterprise employees (企业职工)", "employment")),
            Check("BJSA-4", line("BJSA-4") & (s == "cert") & (C("insurance_months") < p["upgrade_min_insurance_months"]),
                  why=fmt("{} months of Beijing unemployment insurance; BJSA-4 needs at least {}", "insurance_months",
                          pl.lit(p["upgrade_min_insurance_months"]))),
            Check("BJSA-4", line("BJSA-4") & (s == "non_level") & ~C("difficult_enterprise"),
                  why="non-level training is paid only to a recognised difficult enterprise (经认定的困难企业)"),
            Check("BJSA-4", line("BJSA-4") & (s == "non_level") & ~employed,
                  why=fmt("employment {}: non-level training is for the enterprise's employees (企业职工)", "employment")),
            Check("BJSA-4", line("BJSA-4") & (s == "non_level") & (C("training_hours") < p["non_level_min_hours"]),
                  why=fmt("{} class hours of non-level training; BJSA-4 needs at least {}", hours,
                          pl.lit(p["non_level_min_hours"]))),
            Check("BJSA-4", line("BJSA-4") & (s == "cert") & (kind == "skill_level") & C("cert_level").is_null(),
                  status="needs_info", why="cert_level is needed: BJSA-4's amount is set by the level (1–5)"),
            Check("BJSA-4", line("BJSA-4") & (s == "non_level") & C("training_hours").is_null(), status="needs_info",
                  why="training_hours is needed: non-level training needs at least 20 class hours"),
            # BJSA-5: high-skill research training, per enterprise cap
            Check("BJSA-5", line("BJSA-5") & (C("cert_level") > p["high_skill_max_level"]),
                  why=fmt("a level-{} certificate: BJSA-5 is for high-skill workers (高技能人才, level {} or higher)",
                          "cert_level", pl.lit(p["high_skill_max_level"]))),
            need("BJSA-5", "cert_level", "BJSA-5 is for high-skill workers (高级工 or higher)"),
            need("BJSA-5", "employer_id", "BJSA-5's 300,000 cap is per enterprise per year"),
            # BJSA-6: skill-master studio projects
            need("BJSA-6", "project_id", "BJSA-6's ceiling is per project per year"),
            # BJSA-7: high-tech / fintech (passed) and cultural-creative training
            need("BJSA-7", "industry", "BJSA-7 is for high-tech, fintech and cultural-creative enterprises"),
            Check("BJSA-7", line("BJSA-7") & C("industry").is_not_null() & s.is_null(),
                  why=fmt("industry {}: BJSA-7 is for high-tech (高精尖), fintech and cultural-creative (文创) "
                          "enterprises", "industry")),
            Check("BJSA-7", line("BJSA-7") & (s == "high_tech") & (C("training_passed") == False),  # noqa: E712
                  why="the training's assessment was not passed (经考核合格 is required)"),
            Check("BJSA-7", line("BJSA-7") & (s == "high_tech") & C("training_passed").is_null(), status="needs_info",
                  why="training_passed is needed: high-tech and fintech training is paid once passed (经考核合格)"),
            # BJSA-8: life services (certificate obtained) and urban operation
            need("BJSA-8", "industry", "BJSA-8 is for life-service and urban-operation fields"),
            Check("BJSA-8", line("BJSA-8") & C("industry").is_not_null() & s.is_null(),
                  why=fmt("industry {}: BJSA-8 is for 养老护理、安保、医疗陪护、托幼、快递 and urban-operation and "
                          "other key fields", "industry")),
            Check("BJSA-8", line("BJSA-8") & (s == "services") & (kind == "training_only"),
                  why="no certificate: life-service training is paid once the certificate is obtained (取得相应证书)"),
            Check("BJSA-8", line("BJSA-8") & (s == "services") & C("trained_by").is_null(), status="needs_info",
                  why="trained_by is needed: the enterprise or the training body (企业或培训机构) that trained is paid"),
            # BJSA-9: work-for-training hires of employment-difficulty persons
            Check("BJSA-9", line("BJSA-9") & ~C("employment_difficulty"),
                  why="BJSA-9 is for hiring employment-difficulty persons (就业困难人员)"),
            Check("BJSA-9", line("BJSA-9") & (C("work_training_months") == 0),
                  why="no month of work-for-training (以工代训)"),
            need("BJSA-9", "work_training_months", "BJSA-9 pays 500 a month of work-for-training, up to 6"),
            # BJSA-10: domestic service
            Check("BJSA-10", line("BJSA-10") & C("industry").is_not_null() & (C("industry") != "domestic_service"),
                  why=fmt("industry {}: BJSA-10 is for domestic-service workers (家政服务人员)", "industry")),
            need("BJSA-10", "industry", "BJSA-10 is for domestic-service workers"),
            need("BJSA-10", "domestic_training", "pre-job (岗前) or refresher (回炉) training"),
            Check("BJSA-10", line("BJSA-10") & (s == "pre_job") & (C("training_hours") < p["domestic_pre_job_min_hours"]),
                  why=fmt("{} class hours of pre-job training this year; BJSA-10 needs at least {}", hours,
                          pl.lit(p["domestic_pre_job_min_hours"]))),
            Check("BJSA-10", line("BJSA-10") & (s == "refresher") & (C("training_hours") < p["domestic_refresher_min_hours"]),
                  why=fmt("{} class hours of refresher training this year; BJSA-10 needs at least {}", hours,
                          pl.lit(p["domestic_refresher_min_hours"]))),
            need("BJSA-10", "training_hours", "BJSA-10 needs 80 (pre-job) or 40 (refresher) class hours a year"),
            Check("BJSA-10", line("BJSA-10") & (s == "refresher") & C("employee_based_firm").is_null(),
                  status="needs_info",
                  why="employee_based_firm is needed: refresher training pays 1000 at an employee-based firm "
                      "(员工制家政企业), else 500"),
            # BJSA-11: training bases (no condition beyond the line)
            # BJSA-L1: three a year; the same occupation and level never twice
            Check("BJSA-L1", C("_l1_level") & C("_same_occ_level"),
                  why=fmt("already subsidised for occupation {} at level {} under the plan (同一职业同一等级不可重复享受)",
                          "occupation_code", "cert_level")),
            Check("BJSA-L1", C("_l1") & (C("_year_count") >= p["yearly_max"]),
                  why=fmt("already {} subsidies in {} (at most {} a year)", "_year_count",
                          C("application_date").dt.year(), pl.lit(p["yearly_max"]))),
        ]
        return checks

    def notes(self, p: ParameterSet) -> list[Note]:
        s = C("_sub")
        level_name = C("cert_level").replace_strict(LEVEL_NAMES, default=None, return_dtype=pl.String)
        share = fmt("ceiling {} yuan (不超过), paid share {}%: {} yuan", "_base", pct_text(C("_rate_pct")), "amount_cny")
        inferred = pl.when(C("_inferred")).then(pl.lit("inferred from the certificate")) \
            .otherwise(pl.lit("named by the claim"))
        return [
            Note("BJSA-L1", fmt("line {} ({}), {}; dated {}, within the plan's period {} … {}", "_line",
                                C("_line").replace_strict(LINE_NAMES, default=None, return_dtype=pl.String), inferred,
                                "cert_issue_date", pl.lit(p["plan_start"]), pl.lit(p["plan_end"]))),
            Note("BJSA-1", fmt("new hire on {}: {} class hours completed on {} (within {} months): {} yuan to the "
                               "enterprise", "hire_date", plain("training_hours"), "cert_issue_date",
                               pl.lit(p["new_hire_window_months"]), "_base"), where=line("BJSA-1")),
            Note("BJSA-2", fmt("new-type apprentice on a {}-year plan: {} yuan for this plan year (the text's range "
                               "{}–{}) to the enterprise", "apprentice_plan_years", "_base",
                               pl.lit(p["apprentice_min_per_year"]), pl.lit(p["apprentice_max_per_year"])),
                 where=line("BJSA-2")),
            Note("BJSA-3", fmt("special-operation certificate issued {}, employee with {} months of Beijing "
                               "unemployment insurance: {} yuan to the individual", "cert_issue_date",
                               "insurance_months", "_base"), where=line("BJSA-3")),
            Note("BJSA-4", fmt("{} {} issued {}, employee with {} months of Beijing unemployment insurance: {} yuan "
                               "to the individual", "cert_kind", level_name, "cert_issue_date", "insurance_months",
                               "_base"), where=line("BJSA-4") & (s == "cert")),
            Note("BJSA-4", fmt("recognised difficult enterprise: {} yuan more to the employer ({}% of {}; "
                               "employer_topup_cny)", "employer_topup_cny", pl.lit(p["difficult_topup_pct"]), "_base"),
                 where=line("BJSA-4") & (C("employer_topup_cny") > 0)),
            Note("BJSA-4", fmt("difficult enterprise's non-level training, {} class hours: {} yuan to the enterprise",
                               plain("training_hours"), "_base"), where=line("BJSA-4") & (s == "non_level")),
            Note("BJSA-5", fmt("high-skill research training ({}): {} yuan to enterprise {} (at most {} per "
                               "enterprise a year)", level_name, "_base", "employer_id",
                               pl.lit(p["research_enterprise_cap_cny"])), where=line("BJSA-5")),
            Note("BJSA-6", fmt("skill-master studio project {}: {}", "project_id", share), where=line("BJSA-6")),
            Note("BJSA-7", fmt("{} enterprise, training passed: {}", "industry", share),
                 where=line("BJSA-7") & (s == "high_tech")),
            Note("BJSA-7", fmt("employed {} months after the training: personal award {} yuan (ceiling {}% of the "
                               "standard = {}; individual_award_cny)", "months_employed_after_cert",
                               "individual_award_cny", pl.lit(p["award_pct"]), "_award_ceiling"),
                 where=line("BJSA-7") & (C("individual_award_cny") > 0)),
            Note("BJSA-7", fmt("cultural-creative enterprise: {}", share), where=line("BJSA-7") & (s == "cultural")),
            Note("BJSA-8", fmt("{} ({}), certificate obtained: {}; paid to the {}", "industry", pl.lit("生活服务"),
                               share, "trained_by"), where=line("BJSA-8") & (s == "services")),
            Note("BJSA-8", fmt("{} (城市运行保障和其他重点领域): {}; paid to the enterprise", "industry", share),
                 where=line("BJSA-8") & (s == "urban")),
            Note("BJSA-9", fmt("employment-difficulty hire, {} months of work-for-training (at most {} paid) × {}: "
                               "{} yuan to the enterprise", "work_training_months",
                               pl.lit(p["work_training_max_months"]), pl.lit(p["work_training_monthly_cny"]), "_base"),
                 where=line("BJSA-9")),
            Note("BJSA-10", fmt("domestic-service {} training, {} class hours this year (employee-based firm: {}): {} "
                                "yuan to the enterprise", "domestic_training", plain("training_hours"), "employee_based_firm",
                                "_base"), where=line("BJSA-10")),
            Note("BJSA-11", fmt("training base (实训基地): {}", share), where=line("BJSA-11")),
            Note("BJSA-L1", fmt("{} earlier subsidies in {} (at most {} a year)", "_year_count",
                                C("application_date").dt.year(), pl.lit(p["yearly_max"])), where=C("_l1")),
            Note("BJSA-L1", fmt("occupation {} at level {} not subsidised before (同一职业同一等级不可重复享受)",
                                "occupation_code", "cert_level"),
                 where=C("_l1_level") & C("occupation_code").is_not_null() & C("cert_level").is_not_null()),
            Note("BJSA-L1", fmt("paid from {}; expected payment month {}", pl.lit(p["fund"]), "payment_month")),
        ]

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        return C("_line")

    def category(self, p: ParameterSet) -> pl.Expr:
        """The line and its programme, with the branch where a line has several (e.g. "BJSA-7 … (cultural)")."""
        name = pl.concat_str(C("_line"), C("_line").replace_strict(LINE_NAMES, default=None, return_dtype=pl.String),
                             separator=" ")
        return pl.when(C("_sub").is_null()).then(name).otherwise(pl.format("{} ({})", name, C("_sub")))

    def payee(self, p: ParameterSet) -> pl.Expr:
        """Per line: the individual (BJSA-3, BJSA-4 certificates), a training body (BJSA-8 when it
        trained, BJSA-11's base), else the enterprise; null while the line is unknown."""
        return (pl.when(line("BJSA-3") | (line("BJSA-4") & (C("_sub") == "cert"))).then(pl.lit("individual"))
                .when(line("BJSA-8") & (C("_sub") == "services") & col_in("trained_by", ["training_body", "training_base"]))
                .then(pl.lit("training_body"))
                .when(line("BJSA-11")).then(pl.lit("training_body"))
                .when(C("_line").is_not_null()).then(pl.lit("employer")))

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        return C("application_date").dt.month_start().dt.offset_by(f"{p['payment_delay_months']}mo")

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        """The plan's account (专账); ``settle`` adds the second payments to city_cny."""
        return pl.struct(source=pl.lit(p["fund"]), city_cny=amount, district_cny=pl.lit(0, pl.Int64),
                         district=pl.lit(None, pl.String), district_basis=pl.lit(None, pl.String))

    # ------------------------------------------------------------------ engine hooks
    def evaluate(self, claims, params=None, *, detail="rules", validate=True) -> pl.LazyFrame:
        """The engine's plan, then the second payments zeroed unless eligible (see the module doc),
        except BJSA-7's personal award: 三(三) sets only participation and 3 months' employment,
        not the enterprise's assessment, so the award is the one the claim gets as if the
        training had passed (paid on a row the enterprise's failed assessment turned down)."""
        if validate:
            claims = validate_frame(claims)
        # the frame as given (not made lazy here), so that the engine can take a large one in slices
        res = super().evaluate(claims, params, detail=detail, validate=False)
        passed = claims.with_columns(pl.when(C("subsidy_line") == "BJSA-7").then(True).otherwise(C("training_passed"))
                                 .alias("training_passed"))
        award = (super().evaluate(passed, params, detail="amounts", validate=False)
                 .select(pl.when(C("status") == "eligible").then(C("individual_award_cny")).otherwise(0)
                         .alias("_award")))
        res = pl.concat([res, award], how="horizontal").with_columns(C("_award").alias("individual_award_cny"))
        return settle(res.drop("_award"), tuple(self.second_payments), kept=("individual_award_cny",))

    def explain(self, claim: Mapping[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
        row = self.evaluate(claims_frame([claim]), params, detail="reasons", validate=False).collect().row(0, named=True)
        return {**result_dict(row), **{e: row[e] for e in self.second_payments}}

    def as_prior(self, p: ParameterSet) -> pl.Expr:
        """A paid claim as a prior of the same worker's later claims (BJSA-L1): not a studio
        project's (l1_exempt_lines, funded per project); without occupation and level where
        the certificate was not what was subsidised (same_level_exempt_lines, training only)."""
        line_rule = C("deciding_rule")
        same_level = ~line_rule.is_in(p["l1_exempt_lines"] + p["same_level_exempt_lines"]) \
            & (C("cert_kind") != "training_only")
        item = super().as_prior(p)
        item = pl.when(same_level).then(item).otherwise(item.struct.with_fields(
            occupation_code=pl.lit(None, pl.String), cert_level=pl.lit(None, pl.Int8)))
        return pl.when(~line_rule.is_in(p["l1_exempt_lines"])).then(item)

    def population_caps(self, results: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """BJSA-L1 between one worker's claims (same occupation and level once; 3 a year,
        prior subsidies included), each in order of application with the earlier paid ones
        as prior subsidies; then BJSA-5 (300,000 per enterprise per year) and BJSA-6 (per
        project per year)."""
        clause = lambda rid: self.rules[rid].clause  # noqa: E731
        year = C("application_date").dt.year()
        results = in_order(self, results, p)
        results = cap_total(results, C("deciding_rule") == "BJSA-5", [C("employer_id"), year],
                            p["research_enterprise_cap_cny"], "BJSA-5", clause("BJSA-5"),
                            fmt("enterprise {} has reached {} yuan of research subsidy in {}", "employer_id",
                                pl.lit(p["research_enterprise_cap_cny"]), year))
        results = cap_total(results, C("deciding_rule") == "BJSA-6", [C("project_id"), year],
                            p["studio_ceiling_cny"], "BJSA-6", clause("BJSA-6"),
                            fmt("project {} has reached {} yuan in {}", "project_id", pl.lit(p["studio_ceiling_cny"]),
                                year))
        return settle(results, tuple(self.second_payments), kept=("individual_award_cny",))


POLICY = BeijingSkillsAction2019
