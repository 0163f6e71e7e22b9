"""beijing-2026-high-skill-training: 京人社就促字〔2026〕9号, the 2026 high-skill research training.

A claim is one trainee's place in a selected programme; the host organisation (承办单位,
``host_id``) is paid 5000 yuan per qualifying trainee after audit. The trainee's facts
(front-line post, a technician-or-higher certificate, 12 months of Beijing social
insurance, not in the 2025 programme) and the programme's hours decide; an unknown fact
is ``needs_info`` naming its field. ``cert_issue_date`` is the trainee's certificate;
``application_date`` is the host's funding claim, due within 2 weeks of
``programme_end_date``.

Rule ids are ids of its rules.toml (docs/rules/); clause texts in rules.toml, values in
parameters.toml. Population caps: once per person (a reading, BJHS-T1) and the optional
per-host cap (BJHS-A1, off by default).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from ..caps import cap_total, in_order, settle
from ..engine import Check, Note, Policy, col_in, fmt, prior
from ..levels import LEVEL_NAMES
from ..parameters import ParameterSet

C = pl.col


def plain(name: str) -> pl.Expr:
    """A number for a message: 42.0 → "42", 79.5 → "79.5"."""
    x = C(name)
    return pl.when(x == x.floor()).then(x.cast(pl.Int64).cast(pl.String)).otherwise(x.cast(pl.String))


class BeijingHighSkillTraining2026(Policy):
    folder = Path(__file__).parent
    cap_groups = ("host_id",)   # BJHS-A1 per host, when switched on

    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        lf = self.prior_features(lf, {"_funded_before": (prior("policy_id") == self.id, "any")})
        return lf.with_columns(
            pl.lit(p["amount_per_trainee"], pl.Int64).alias("_base"),
            pl.lit(100, pl.Int64).alias("_rate_pct"),
            C("programme_end_date").dt.offset_by(f"{p['claim_window_days']}d").alias("_claim_by"),
            col_in("cert_kind", p["cert_kinds"]).alias("_kind_ok"),
        )

    def checks(self, p: ParameterSet) -> list[Check]:
        need = lambda rule, field, what: Check(rule, C(field).is_null(), status="needs_info",  # noqa: E731
                                               why=f"{field} is needed: {what}")
        kind_ok, level = C("_kind_ok"), C("cert_level")
        return [
            Check("BJHS-P1", C("application_date") < p["notice_published"], status="out_of_scope",
                  why=fmt("funding claim dated {}, before the notice was published on {}", "application_date",
                          pl.lit(p["notice_published"]))),
            # BJHS-T1: the trainee
            Check("BJHS-T1", C("front_line_post") == False,  # noqa: E712
                  why="not in a front-line production or service post in Beijing (生产服务一线岗位)"),
            Check("BJHS-T1", ~kind_ok,
                  why=fmt("a {} certificate: trainees hold a national vocational qualification or a skill-level "
                          "certificate (国家职业资格证书或技能等级证书)", "cert_kind")),
            Check("BJHS-T1", kind_ok & (C("cert_kind") == "qualification") & level.is_null(),
                  why="an ungraded qualification: trainees hold a 技师 (level 2) or higher certificate"),
            Check("BJHS-T1", kind_ok & (level > p["max_cert_level"]),
                  why=fmt("a {} certificate: trainees hold 技师 (level {}) or higher",
                          level.replace_strict(LEVEL_NAMES, default=None, return_dtype=pl.String),
                          pl.lit(p["max_cert_level"]))),
            Check("BJHS-T1", C("cert_issue_date") > C("programme_end_date"),
                  why=fmt("the certificate was issued on {}, after the programme ended on {} (已取得 before it)",
                          "cert_issue_date", "programme_end_date")),
            Check("BJHS-T1", C("insurance_months_at_training") < p["min_insurance_months"],
                  why=fmt("{} continuous months of Beijing urban-employee social insurance; at least {} needed",
                          "insurance_months_at_training", pl.lit(p["min_insurance_months"]))),
            Check("BJHS-T1", C("in_2025_programme") == True,  # noqa: E712
                  why="took part in Beijing's 2025 high-skill research training (未参加过本市2025年高技能人才研修培训)"),
            Check("BJHS-T1", pl.lit(p["once_per_person"]) & C("_funded_before"),
                  why="already funded in a 2026 programme (one programme per person a year, a reading)"),
            # BJHS-D1: the programme's hours
            Check("BJHS-D1", C("programme_hours") < p["min_hours"],
                  why=fmt("a programme of {} study hours; at least {} needed", plain("programme_hours"),
                          pl.lit(p["min_hours"]))),
            Check("BJHS-D1", C("programme_seminar_hours") < p["min_seminar_hours"],
                  why=fmt("{} seminar and exchange hours (研讨、交流); at least {} needed", plain("programme_seminar_hours"),
                          pl.lit(p["min_seminar_hours"]))),
            # BJHS-P1: the funding claim within 2 weeks of the programme's end
            Check("BJHS-P1", C("application_date") < C("programme_end_date"),
                  why=fmt("funding claim dated {}, before the programme ended on {}", "application_date",
                          "programme_end_date")),
            Check("BJHS-P1", C("application_date") > C("_claim_by"),
                  why=fmt("funding claim dated {}, more than two weeks after the programme ended on {} (by {})",
                          "application_date", "programme_end_date", "_claim_by")),
            need("BJHS-T1", "front_line_post", "trainees work in a front-line production or service post"),
            Check("BJHS-T1", kind_ok & (C("cert_kind") == "skill_level") & level.is_null(), status="needs_info",
                  why="cert_level is needed: trainees hold 技师 (level 2) or higher"),
            need("BJHS-T1", "insurance_months_at_training", "12 continuous months of Beijing social insurance"),
            need("BJHS-T1", "in_2025_programme", "a 2025 participant is not funded again"),
            need("BJHS-D1", "programme_hours", "the programme needs at least 80 study hours"),
            need("BJHS-D1", "programme_seminar_hours", "the programme needs at least 16 seminar hours"),
            need("BJHS-P1", "programme_end_date", "the funding claim is due within 2 weeks of it"),
            Check("BJHS-A1", pl.lit(p["host_cap_applies"]) & C("host_id").is_null(), status="needs_info",
                  why="host_id is needed: the per-host cap (host_cap_applies) groups by host"),
        ]

    def notes(self, p: ParameterSet) -> list[Note]:
        level_name = C("cert_level").replace_strict(LEVEL_NAMES, default=None, return_dtype=pl.String)
        return [
            Note("BJHS-H1", fmt("host {}: a Beijing legal entity with training capacity, selected in the city's "
                                "review (四)", "host_id")),
            Note("BJHS-T1", fmt("front-line post; {} {} certificate; {} months of Beijing social insurance; not in "
                                "the 2025 programme", level_name, "cert_kind", "insurance_months_at_training")),
            Note("BJHS-D1", fmt("{} study hours, of which {} seminar (at least {} and {})", plain("programme_hours"),
                                plain("programme_seminar_hours"), pl.lit(p["min_hours"]), pl.lit(p["min_seminar_hours"]))),
            Note("BJHS-A1", fmt("{} yuan for this trainee, to the host after audit; paid by {}", "_base",
                                pl.lit(p["fund"]))),
            Note("BJHS-P1", fmt("project applied by {}; funding claim on {}, within two weeks of the programme's "
                                "end on {}", pl.lit(p["project_application_deadline"]), "application_date",
                                "programme_end_date")),
        ]

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        return pl.lit("BJHS-A1")

    def category(self, p: ParameterSet) -> pl.Expr:
        return pl.lit("高技能人才研修培训")

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        return C("application_date").dt.month_start().dt.offset_by(f"{p['payment_delay_months']}mo")

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        return pl.struct(source=pl.lit(p["fund"]), city_cny=amount, district_cny=pl.lit(0, pl.Int64),
                         district=pl.lit(None, pl.String), district_basis=pl.lit(None, pl.String))

    def population_caps(self, results: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """Once per person (BJHS-T1, a reading) and, when switched on, the per-host cap (BJHS-A1)."""
        if p["once_per_person"]:  # each claim in order, with the earlier funded one as a prior
            results = in_order(self, results, p)
        if p["host_cap_applies"]:
            year = C("application_date").dt.year()
            results = cap_total(results, pl.lit(True), [C("host_id"), year], p["host_cap_cny"], "BJHS-A1",
                                self.rules["BJHS-A1"].clause,
                                fmt("host {} has reached {} yuan in {}", "host_id", pl.lit(p["host_cap_cny"]), year))
        return settle(results)


POLICY = BeijingHighSkillTraining2026
