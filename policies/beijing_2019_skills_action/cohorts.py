"""The plan's lines as cohorts of training places (BJSA-K1): its 2019 task table counts
person-times by agency and programme, and each programme is places under one line
(scenarios/beijing-2019-task-table.toml; the simulator's side is simulate/cohorts.py).

Per line: what its places need, how a place fails its main condition (a cohort's
eligible_share < 1), and how its claim fields are drawn. A failing place sits just below
the threshold it fails (an apprentice plan one year too long, insurance months below the
minimum); the spreads around a threshold are the population's assumptions
(training_hours_spread, hire_to_training_days, months_employed_after_cert,
insurance_months): they decide nothing in the baseline, where only the side of the
threshold counts, but a reform that moves a threshold is judged on them. BJSA-5 (per
enterprise) and BJSA-6 (studio projects) are not places.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..cohort_lines import Attribute, CohortLines, Draws, Line, Places, Wording
from ..parameters import ParameterSet
from . import LINE_NAMES

WORK_TRAINING_MONTHS_MAX = 120
INSURANCE = "less than 12 months of Beijing unemployment insurance"


def _hours(draw: Draws, ok: np.ndarray, least: Any, spread: int) -> np.ndarray:
    """Class hours on the side of the line's minimum that ``ok`` says: min … min+spread, or
    min−spread … min−1."""
    n = ok.size
    least = np.broadcast_to(least, n)
    return np.where(ok, draw.between(least, least + spread, n),
                    draw.between(np.maximum(least - spread, 1), least - 1, n)).astype(float)


def _mix(a: Mapping[str, Mapping[str, Any]], names: Any) -> bool:
    """The cohort's industry mix gives some share to one of ``names``."""
    shares = a.get("industry", {}).get("shares", {})
    return any(shares.get(i) for i in names)


class SkillsActionCohorts(CohortLines):
    lines = {
        "BJSA-1": Line(LINE_NAMES["BJSA-1"], fails="fewer class hours than the line's minimum (40)"),
        "BJSA-2": Line(LINE_NAMES["BJSA-2"], ("plan_years",), fails="an apprenticeship plan longer than 3 years"),
        "BJSA-3": Line(LINE_NAMES["BJSA-3"], fails=INSURANCE),
        "BJSA-4": Line(LINE_NAMES["BJSA-4"], ("cert_level", "difficult_enterprise"), fails=INSURANCE),
        "BJSA-7": Line(LINE_NAMES["BJSA-7"], ("industry", "award_share"), up_to=True,
                       fails="the training's assessment not passed (high-tech, fintech)"),
        "BJSA-8": Line(LINE_NAMES["BJSA-8"], ("industry", "trained_by", "cert_level"), up_to=True,
                       fails="no certificate obtained (life services)"),
        "BJSA-9": Line(LINE_NAMES["BJSA-9"], ("work_training_months",),
                       fails="not a recognised employment-difficulty person"),
        "BJSA-10": Line(LINE_NAMES["BJSA-10"], ("domestic_training", "employee_based_firm"),
                        fails="fewer class hours than the line's minimum (80 pre-job, 40 refresher)"),
        "BJSA-11": Line(LINE_NAMES["BJSA-11"], up_to=True),
    }
    unsupported = {"BJSA-5": "its per-enterprise cap needs employers, not places",
                   "BJSA-6": "it funds studio projects, not training places"}
    attributes = {
        "plan_years": Attribute("shares", "BJSA-2: plan years, within the text's 1–3"),
        "cert_level": Attribute("shares", "BJSA-4, BJSA-8 services: certificate levels (5 = 初级工 … 1 = 高级技师)",
                                keys=("5", "4", "3", "2", "1")),
        "difficult_enterprise": Attribute("chance", "BJSA-4 top-up: trained by a recognised difficult enterprise"),
        "industry": Attribute("shares", "BJSA-7, BJSA-8: the line's industries"),
        "award_share": Attribute("chance", "BJSA-7 personal award: employed ≥ 3 months afterwards"),
        "trained_by": Attribute("shares", "BJSA-8 services: who trained (and is paid)",
                                keys=("employer", "training_body", "training_base")),
        "work_training_months": Attribute("bands", f"BJSA-9: bands of months, within 1–{WORK_TRAINING_MONTHS_MAX}",
                                          bounds=(1, WORK_TRAINING_MONTHS_MAX)),
        "domestic_training": Attribute("shares", "BJSA-10", keys=("pre_job", "refresher")),
        "employee_based_firm": Attribute("chance", "BJSA-10: an employee-based domestic-service firm"),
    }
    wording = Wording(target="the task table, BJSA-K1", second_payments="the BJSA-4 top-up and the BJSA-7 award",
                      up_to="BJSA-7's award with `award_paid_share_pct`")

    def keys(self, line: str, name: str, p: ParameterSet) -> tuple[str, ...]:
        if name == "industry":
            return {"BJSA-7": (*p["high_tech_industries"], "cultural_creative"),
                    "BJSA-8": (*p["services_industries"], *p["urban_industries"])}[line]
        if name == "plan_years":
            return tuple(str(y) for y in range(p["apprentice_min_plan_years"], p["apprentice_max_plan_years"] + 1))
        return super().keys(line, name, p)

    def needs(self, line: str, a: Mapping[str, Mapping[str, Any]], p: ParameterSet) -> set[str]:
        """Some only for one branch: BJSA-7's award for high-tech places, BJSA-8's trainer and
        level for life services."""
        need = super().needs(line, a, p)
        if line == "BJSA-7" and not _mix(a, p["high_tech_industries"]):
            need.discard("award_share")
        if line == "BJSA-8" and not _mix(a, p["services_industries"]):
            need -= {"trained_by", "cert_level"}
        return need

    def cannot_fail(self, line: str, a: Mapping[str, Mapping[str, Any]], p: ParameterSet) -> str | None:
        if line == "BJSA-7" and _mix(a, ["cultural_creative"]):
            return "cultural-creative places (BJSA-7) have no per-place condition"
        if line == "BJSA-8" and _mix(a, p["urban_industries"]):
            return "urban-operation places (BJSA-8) have no per-place condition"
        return super().cannot_fail(line, a, p)

    def claim_fields(self, places: Places, p: ParameterSet, draw: Draws) -> dict[str, Any]:
        n, line, a, ok, issue, people = places.n, places.line, places.a, places.ok, places.issue, places.people
        rng = draw.rng
        ins_max, spread = people["insurance_months"]["max"], people["training_hours_spread"]["value"]
        out: dict[str, Any] = {"trained_by": "employer"}
        level = lambda: draw.pick(n, a["cert_level"]["shares"]).astype(np.int64)  # noqa: E731
        if line == "BJSA-1":   # new hire trained within 12 months of joining, >= 40 class hours
            out.update(training_hours=_hours(draw, ok, p["new_hire_min_hours"], spread),
                       hire_date=issue - draw.between(0, people["hire_to_training_days"]["max"], n))
        elif line == "BJSA-2":  # one claim is one plan year of a 1-3 year plan
            years = draw.pick(n, a["plan_years"]["shares"]).astype(np.int64)
            out["apprentice_plan_years"] = np.where(ok, years, p["apprentice_max_plan_years"] + 1)
        elif line in ("BJSA-3", "BJSA-4"):  # employee with >= 12 months of unemployment insurance
            least = p["special_operation_min_insurance_months" if line == "BJSA-3" else "upgrade_min_insurance_months"]
            out.update(insurance_months=np.where(ok, draw.between(least, max(ins_max, least), n),
                                                 draw.between(0, least - 1, n)),
                       cert_kind="special_operation" if line == "BJSA-3" else "skill_level", trained_by=None)
            if line == "BJSA-4":
                out.update(cert_level=level(), difficult_enterprise=rng.random(n) < a["difficult_enterprise"]["value"])
        elif line == "BJSA-7":  # high-tech / fintech: passed; the award when employed >= 3 months after
            least = p["award_min_months"]
            award = rng.random(n) < a.get("award_share", {}).get("value", 0.0)
            out.update(industry=draw.pick(n, a["industry"]["shares"]), training_passed=ok,
                       months_employed_after_cert=np.where(award, draw.between(
                           least, max(people["months_employed_after_cert"]["max"], least), n),
                                                           draw.between(0, least - 1, n)))
        elif line == "BJSA-8":  # life services: a certificate obtained, paid to who trained; urban: no condition
            ind = draw.pick(n, a["industry"]["shares"])
            services = np.isin(ind, p["services_industries"])
            out.update(industry=ind, cert_kind=np.where(services & ok, "skill_level", "training_only"),
                       cert_level=np.where(services & ok, level(), 0) if "cert_level" in a else None)
            if "trained_by" in a:
                out["trained_by"] = np.where(services, draw.pick(n, a["trained_by"]["shares"]), "employer")
        elif line == "BJSA-9":  # employment-difficulty hire, months of work-for-training
            out.update(employment_difficulty=ok, work_training_months=draw.bands(n, a["work_training_months"]["shares"]))
        elif line == "BJSA-10":  # domestic service: pre-job >= 80 h or refresher >= 40 h a year
            kind = draw.pick(n, a["domestic_training"]["shares"])
            least = np.where(kind == "pre_job", p["domestic_pre_job_min_hours"], p["domestic_refresher_min_hours"])
            out.update(industry="domestic_service", domestic_training=kind, training_hours=_hours(draw, ok, least, spread),
                       employee_based_firm=rng.random(n) < a["employee_based_firm"]["value"])
        elif line == "BJSA-11":
            out["trained_by"] = "training_base"
        return out
