"""The claim contract's one definition: a table of fields, and what is generated from it.

``FIELDS`` (a claim) and ``PRIOR_FIELDS`` (an item of its ``prior_subsidies``) say, per
field, its kind, whether it is required or nullable, its choices, bounds, default, meaning
and group; ``DATES_IN_ORDER`` is the one rule across fields. From this table come:

- ``Claim``, a strict pydantic model of one claim (the JSON path: ``skillsim.policies.contract.validate_claim``);
- the polars schema and the vectorised frame checks (``skillsim.policies.contract.validate_frame``);
- the JSON Schema ``docs/claim.schema.json`` and the field tables of ``docs/claim-contract.md``
  (``python -m skillsim.policies.claim_schema --write`` regenerates both; a test keeps them current);
- the dashboard's "Explain one person" form (widgets, choices, bounds, help texts).

The table is the source rather than a pydantic model because every reader but one wants its
plain facts (kind, choices, bounds, default, group): generating the model from it is one
short function, while reading them back out of nested Optional/Annotated/Literal types would
be code in each of the others.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, PlainValidator, StringConstraints, WithJsonSchema, create_model,
                      model_validator)
from pydantic import Field as ModelField
from pydantic_core import PydanticCustomError

from .plugins import Declaration, DeclaredField, declarations, left_out

# Cities: the built-in ones, every jurisdiction a registered policy declares (policy.toml's
# city, read by policies/plugins.py without importing the policy), and "other".
BUILTIN_CITIES = ("beijing", "shanghai")
_READABLE, _UNREADABLE = declarations()


def _cities(decls) -> tuple[str, ...]:
    return tuple(sorted(set(BUILTIN_CITIES) | {d.city for d in decls})) + ("other",)


CITIES = _cities(_READABLE.values())
# Every date a claim holds lies in this range, so a calculator's calendar arithmetic (offsets of
# at most 100 years, which the parameters' bounds keep to) stays within polars' and Python's dates.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
DATE_RANGE = f"within {DATE_MIN} … {DATE_MAX}"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_RE = re.compile(DATE_PATTERN)
NON_BLANK = r"\S"  # a string field holds some text; whitespace alone is a missing value in disguise


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "str" | "enum" | "int" | "number" | "bool" | "date" | "prior_list"
    required: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    lo: float | None = None  # inclusive bounds for int/number
    hi: float | None = None
    meaning: str = ""
    fallback: Any = None  # default of a non-nullable field that is not a bool/count/list
    group: str = ""  # "person" | "certificate" | "training" (the docs' and the form's sections)
    label: tuple[str, str] | None = None  # (zh, en): a plain name (FIELD_LABELS; a plug-in's label key)

    @property
    def default(self) -> Any:
        if self.nullable:
            return None
        if self.fallback is not None:
            return self.fallback
        return {"bool": False, "int": 0, "number": 0, "prior_list": []}.get(self.kind)


def _f(name, kind, **kw) -> Field:
    return Field(name, kind, **kw)


def _group(group: str, *fields: Field) -> tuple[Field, ...]:
    return tuple(dataclasses.replace(f, group=group, label=FIELD_LABELS[f.name]) for f in fields)


# Every core field's plain name, (中文, English): what the dashboard's form shows (the code name
# only in its help). A plug-in's declared field brings its own (claim_fields.toml's label).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "person_id": ("人员编号", "Person id"),
    "hukou": ("户籍", "Registered residence (hukou)"),
    "age": ("年龄", "Age"),
    "sex": ("性别", "Sex"),
    "employment": ("就业状态", "Employment status"),
    "registered_unemployed": ("登记失业人员", "Registered unemployed"),
    "employment_difficulty": ("就业困难人员", "Recognised employment difficulty"),
    "rural_transfer": ("农村转移就业劳动力", "Rural migrant worker"),
    "job_seeking_registered": ("无业求职登记", "Registered as seeking work"),
    "xiebao": ("协保人员", "Xiebao (agreement-protected) worker"),
    "disabled": ("残疾人", "Disabled"),
    "veteran_years": ("退役年限 (非退役士兵留空)", "Years since discharge (blank if not a veteran)"),
    "graduate_years": ("离校年限 (非高校毕业生留空)", "Years since leaving college (blank if not a graduate)"),
    "student_final_year": ("毕业学年学生", "Final-year student"),
    "public_sector_nonskill": ("公务员或事业单位非技能岗位", "Civil servant or non-skill public post"),
    "cert_kind": ("证书类型", "Certificate kind"),
    "occupation_code": ("职业(工种)代码", "Occupation code"),
    "special_ability_item": ("专项职业能力项目", "Special-ability item"),
    "cert_level": ("证书等级 (5 初级工 … 1 高级技师)", "Certificate level (5 entry … 1 senior technician)"),
    "cert_issue_date": ("证书核发日期", "Certificate issue date"),
    "cert_issuer_city": ("发证机构所在地", "Issuing body's city"),
    "cert_route": ("取证方式", "How the certificate was obtained"),
    "catalog_class": ("目录档次/类别 (可选, 覆盖目录)", "Catalog tier or class (optional override)"),
    "application_date": ("申请日期", "Application date"),
    "employed_at_application": ("申请时在本地就业", "Employed in the city when applying"),
    "employed_in_matching_post": ("申请时在对应技能岗位就业", "In the certificate's skill post when applying"),
    "months_employed_after_cert": ("获证后持续就业月数", "Months employed after the certificate"),
    "insurance_months": ("获证前连续参保月数", "Months insured before the certificate"),
    "care_sector_post": ("养老护理或家政服务岗位", "Elderly-care or domestic-service post"),
    "care_post_start_months": ("获证到上岗的月数", "Months from the certificate to starting that post"),
    "care_post_months": ("在该岗位连续月数", "Months continuously in that post"),
    "flexible_city_insurance": ("灵活就业参加本地养老医疗保险", "Flexible worker insured in the city"),
    "school_city": ("学校所在地", "School's city"),
    "district": ("所在区", "District"),
    "other_subsidy_same_cert": ("该证书已享受本地其他补贴", "Certificate already drew another local subsidy"),
    "prior_subsidies": ("已享受的补贴", "Subsidies already paid"),
    "subsidy_line": ("申请的补贴项目 (2019年方案)", "Subsidy line applied for (2019 plan)"),
    "employer_id": ("用人单位编号", "Employer id"),
    "project_id": ("项目编号", "Project id"),
    "host_id": ("承办单位编号", "Host organisation id"),
    "front_line_post": ("生产服务一线岗位", "Front-line production or service post"),
    "insurance_months_at_training": ("培训开始时连续参保月数", "Months insured when the training starts"),
    "in_2025_programme": ("参加过2025年研修培训", "Took part in the 2025 programme"),
    "programme_hours": ("研修学时", "Programme study hours"),
    "programme_seminar_hours": ("其中研讨交流学时", "Of which seminar hours"),
    "programme_end_date": ("研修结束日期", "Programme end date"),
    "training_hours": ("培训课时", "Training class hours"),
    "hire_date": ("入职日期", "Hire date"),
    "apprentice_plan_years": ("学徒培养计划年限", "Apprentice plan length (years)"),
    "industry": ("用人单位所属领域", "Employer's field"),
    "training_passed": ("培训考核合格", "Passed the training's assessment"),
    "trained_by": ("培训组织方", "Who organised the training"),
    "difficult_enterprise": ("经认定的困难企业", "Recognised difficult enterprise"),
    "work_training_months": ("以工代训月数", "Months of work-for-training"),
    "domestic_training": ("家政培训类型", "Domestic-service training"),
    "employee_based_firm": ("员工制家政企业", "Employee-based domestic firm"),
}
PRIOR_LABELS: dict[str, tuple[str, str]] = {
    "policy_id": ("支付补贴的政策", "Policy that paid it"),
    "occupation_code": ("职业(工种)代码", "Occupation code"),
    "special_ability_item": ("专项职业能力项目", "Special-ability item"),
    "cert_level": ("证书等级", "Certificate level"),
    "date": ("支付日期", "Date paid"),
    "as_employed": ("以在职人员身份", "As an employed person"),
    "as_student": ("以毕业学年学生身份", "As a final-year student"),
}
# The plain names of the core fields' choices (the cities are the jurisdictions' own names).
CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "female": ("女", "female"), "male": ("男", "male"),
    "employed": ("在职", "employed"), "flexible": ("灵活就业", "flexible work"), "unemployed": ("未就业", "not employed"),
    "student": ("学生", "student"), "other": ("其他", "other"),
    "college": ("高等院校", "college"), "vocational": ("中等职业学校", "vocational school"),
    "skill_level": ("职业技能等级证书", "skill-level certificate"),
    "special_ability": ("专项职业能力证书", "special-ability certificate"),
    "qualification": ("国家职业资格证书", "vocational qualification"),
    "special_operation": ("特种作业证书", "special-operation certificate"),
    "training_only": ("仅培训 (无证书)", "training only (no certificate)"),
    "assessment": ("评价取证", "assessment"), "enterprise_direct": ("企业直接认定", "direct recognition by the employer"),
    "competition": ("竞赛晋级", "competition promotion"), "foreign": ("境外证书比照", "foreign certificate"),
    "commendation": ("表彰", "commendation"),
    "high_tech": ("高精尖产业", "high-tech industry"), "fintech": ("金融科技", "fintech"),
    "cultural_creative": ("文创产业", "cultural and creative"), "elderly_care": ("养老护理", "elderly care"),
    "security": ("安保", "security"), "medical_escort": ("医疗陪护", "medical escort"), "childcare": ("托幼", "childcare"),
    "courier": ("快递", "courier"), "urban_operation": ("城市运行保障", "urban operation"),
    "other_key_field": ("其他重点领域", "other key field"), "domestic_service": ("家政服务", "domestic service"),
    "employer": ("用人单位", "the employer"), "training_body": ("培训机构", "a training body"),
    "training_base": ("实训基地", "a training base"), "district": ("区级项目", "a district programme"),
    "pre_job": ("岗前培训", "pre-job"), "refresher": ("回炉培训", "refresher"),
}


GROUPS = {"person": "the person, at the certificate's issue date",
          "certificate": "the certificate and the application",
          "training": "training-side fields (skillsim): the 2026 high-skill programme (BJHS-*), the 2019 "
                      "plan's enterprise lines (BJSA-*) and the draft's channels (BJPT-2). For a claim that "
                      "is a training place rather than a certificate, cert_issue_date is the day the training "
                      "(or programme) was completed, and cert_kind is \"training_only\" unless a certificate "
                      "came of it. A null fact that a rule needs gives \"needs_info\" naming the field."}

# Public names: keep them. Extensions are marked "(skillsim)".
FIELDS: tuple[Field, ...] = _group(
    "person",
    _f("person_id", "str", required=True, meaning="one person; several claims may share it (per-person caps)"),
    _f("hukou", "enum", required=True, choices=CITIES, meaning="registered residence"),
    _f("age", "int", required=True, lo=0, hi=120, meaning="age at the certificate's issue date"),
    _f("sex", "enum", required=True, choices=("female", "male")),
    _f("employment", "enum", required=True,
       choices=("employed", "flexible", "unemployed", "student", "other"),
       meaning="status at the issue date; employed = with the city's social insurance, paying"),
    _f("registered_unemployed", "bool", meaning="登记失业 in the city"),
    _f("employment_difficulty", "bool", meaning="就业困难人员, officially recognised"),
    _f("rural_transfer", "bool", meaning="农村转移就业劳动力 / 原农村富余劳动力"),
    _f("job_seeking_registered", "bool", meaning="无业求职登记"),
    _f("xiebao", "bool", meaning="协保人员"),
    _f("disabled", "bool"),
    _f("veteran_years", "int", nullable=True, lo=0, hi=100,
       meaning="years since discharge; null if not a veteran"),
    _f("graduate_years", "number", nullable=True, lo=0, hi=100,
       meaning="years since leaving college; null if not a recent graduate"),
    _f("student_final_year", "enum", nullable=True, choices=("college", "vocational"),
       meaning="in the final (graduation) year when the certificate was issued"),
    _f("public_sector_nonskill", "bool",
       meaning="civil servant, or public-institution staff in a non-skill post"),
) + _group(
    "certificate",
    _f("cert_kind", "enum", required=True,
       choices=("skill_level", "special_ability", "qualification", "special_operation",
                "training_only")),
    _f("occupation_code", "str", nullable=True, meaning='e.g. "4-10-01-05"'),
    _f("special_ability_item", "str", nullable=True, meaning='e.g. "母婴照护"'),
    _f("cert_level", "int", nullable=True, lo=1, hi=5,
       meaning="5 = 初级工 … 1 = 高级技师; null = ungraded"),
    _f("cert_issue_date", "date", required=True),
    _f("cert_issuer_city", "enum", required=True, choices=CITIES,
       meaning="city whose registered body issued it"),
    _f("cert_route", "enum", fallback="assessment",
       choices=("assessment", "enterprise_direct", "competition", "foreign", "commendation"),
       meaning="how it was obtained; left out = assessment (评价), the ordinary route"),
    _f("catalog_class", "enum", nullable=True, choices=("A", "B", "C"),
       meaning="optional override of the catalog's class or tier"),
    _f("application_date", "date", required=True, meaning="not before cert_issue_date"),
    _f("employed_at_application", "bool", meaning="employed in the policy's city when applying"),
    _f("employed_in_matching_post", "bool",
       meaning="employed in the certificate's skill post when applying"),
    _f("months_employed_after_cert", "int", lo=0, hi=1200,
       meaning="continuous months employed in the city from the issue date"),
    _f("insurance_months", "int", lo=0, hi=1200,
       meaning="continuous months of the city's social (or unemployment) insurance before the issue date"),
    _f("care_sector_post", "bool",
       meaning="works in an elderly-care or domestic-service post at such an employer"),
    _f("care_post_start_months", "int", lo=-1200, hi=1200,
       meaning="months from the issue date to starting that post; <= 0 if already in post at issue"),
    _f("care_post_months", "int", nullable=True, lo=0, hi=1200,
       meaning="(skillsim) continuous months in that care post; null = months_employed_after_cert"),
    _f("flexible_city_insurance", "bool",
       meaning="as a flexible worker, pays the city's pension and medical insurance"),
    _f("school_city", "enum", nullable=True, choices=CITIES, meaning="where a student's school is"),
    _f("district", "str", nullable=True,
       meaning='district that a city/district cost split charges (e.g. "浦东新区")'),
    _f("other_subsidy_same_cert", "bool",
       meaning="this certificate already drew another subsidy of the city's government"),
    _f("prior_subsidies", "prior_list",
       meaning="subsidies already paid to this person: a list of items (fields below)"),
) + _group(
    "training",
    _f("subsidy_line", "enum", nullable=True, choices=tuple(f"BJSA-{i}" for i in range(1, 12)),
       meaning="(skillsim) the line of 京政办发〔2019〕18号 the claim applies for; null = inferred "
               "where one line fits (special_operation → BJSA-3, skill_level/qualification → BJSA-4)"),
    _f("employer_id", "str", nullable=True,
       meaning="(skillsim) the worker's employer, the enterprise paid on BJSA's enterprise lines; "
               "per-enterprise caps (BJSA-5) group by it"),
    _f("project_id", "str", nullable=True,
       meaning="(skillsim) the funded project (技能大师工作室, BJSA-6); per-project caps group by it"),
    _f("host_id", "str", nullable=True,
       meaning="(skillsim) the host organisation (承办单位) of a high-skill programme (BJHS), which is "
               "paid; the optional per-host cap groups by it"),
    _f("front_line_post", "bool", nullable=True,
       meaning="(skillsim) works in a front-line production or service post (生产服务一线岗位) in Beijing (BJHS-T1)"),
    _f("insurance_months_at_training", "int", nullable=True, lo=0, hi=1200,
       meaning="(skillsim) continuous months of the city's urban-employee social insurance when the "
               "training starts (BJHS-T1)"),
    _f("in_2025_programme", "bool", nullable=True,
       meaning="(skillsim) took part in Beijing's 2025 high-skill research training (BJHS-T1)"),
    _f("programme_hours", "number", nullable=True, lo=0, hi=10000,
       meaning="(skillsim) the programme's study hours (学时: ≥ 40 minutes each, 8 a day; ceremonies "
               "and report-writing excluded) (BJHS-D1)"),
    _f("programme_seminar_hours", "number", nullable=True, lo=0, hi=10000,
       meaning="(skillsim) of which seminar and exchange hours (研讨、交流) (BJHS-D1)"),
    _f("programme_end_date", "date", nullable=True,
       meaning="(skillsim) last day of the programme; the host claims within 2 weeks of it (BJHS-P1)"),
    _f("training_hours", "number", nullable=True, lo=0, hi=10000,
       meaning="(skillsim) class hours (课时) of the training the claim is for, in its year (BJSA-1, 4, 10)"),
    _f("hire_date", "date", nullable=True,
       meaning="(skillsim) the day the worker joined the employer (new hires, BJSA-1)"),
    _f("apprentice_plan_years", "int", nullable=True, lo=0, hi=10,
       meaning="(skillsim) length in years of a new-type apprentice's plan (新型学徒, BJSA-2); "
               "one claim is one plan year"),
    _f("industry", "enum", nullable=True,
       choices=("high_tech", "fintech", "cultural_creative", "elderly_care", "security", "medical_escort",
                "childcare", "courier", "urban_operation", "other_key_field", "domestic_service"),
       meaning="(skillsim) the employer's field: 高精尖, 金融科技, 文创 (BJSA-7); 养老护理, 安保, 医疗陪护, "
               "托幼, 快递, 城市运行保障, 其他重点领域 (BJSA-8); 家政服务 (BJSA-10)"),
    _f("training_passed", "bool", nullable=True,
       meaning="(skillsim) passed the training's assessment (经考核合格, BJSA-7)"),
    _f("trained_by", "enum", nullable=True, choices=("employer", "training_body", "training_base", "district"),
       meaning="(skillsim) who organised the training: the enterprise, a training body (培训机构), a "
               "training base (实训基地) or a district's programme; sets BJSA-8's payee and BJPT-2's channel"),
    _f("difficult_enterprise", "bool",
       meaning="(skillsim) the employer is a recognised difficult enterprise (经认定的困难企业) that "
               "organised the training (BJSA-4)"),
    _f("work_training_months", "int", nullable=True, lo=0, hi=120,
       meaning="(skillsim) months of work-for-training (以工代训) after hiring (BJSA-9)"),
    _f("domestic_training", "enum", nullable=True, choices=("pre_job", "refresher"),
       meaning="(skillsim) a domestic-service worker's training: pre-job (岗前) or refresher (回炉) (BJSA-10)"),
    _f("employee_based_firm", "bool", nullable=True,
       meaning="(skillsim) the domestic-service firm is employee-based (员工制家政企业) (BJSA-10)"),
)


def accept_declared(core: tuple[Field, ...], decls: dict[str, Declaration]
                    ) -> tuple[tuple[Field, ...], dict[str, str]]:
    """The claim fields the policies declare, as contract fields (group "declared by <id>"),
    and the reason for each policy refused: a field named as a core field, or as another
    policy's field of a different type (the policy later in id order is refused). A field
    declared alike by two policies is one field."""
    taken: dict[str, tuple[str, DeclaredField]] = {}
    refused: dict[str, str] = {}
    core_names = {f.name for f in core}
    for pid, decl in sorted(decls.items()):
        clash = next((f"claim field {d.name!r} is a core field of the contract" if d.name in core_names else
                      f"claim field {d.name!r} is declared differently by {taken[d.name][0]}"
                      for d in decl.fields if d.name in core_names
                      or (d.name in taken and not taken[d.name][1].same_type(d))), None)
        if clash:
            refused[pid] = clash
            continue
        for d in decl.fields:
            taken.setdefault(d.name, (pid, d))
    fields = tuple(Field(d.name, d.kind, nullable=d.nullable, choices=d.choices, lo=d.lo, hi=d.hi,
                         meaning=f"{d.meaning} ({d.rule})", fallback=d.default, group=f"declared by {pid}",
                         label=d.label)
                   for pid, d in taken.values())
    return fields, refused


DECLARED_FIELDS, _CLASHING = accept_declared(FIELDS, _READABLE)
for _pid, _why in _CLASHING.items():
    left_out(_pid, _why)
# every policy whose declarations the contract could not take: the registry serves none of them
REFUSED: dict[str, str] = {**_UNREADABLE, **_CLASHING}
if _CLASHING:  # a refused policy's jurisdiction is no city of the contract (unless another declares it)
    _ALL, CITIES = CITIES, _cities(d for pid, d in _READABLE.items() if pid not in _CLASHING)
    FIELDS = tuple(dataclasses.replace(f, choices=CITIES) if f.choices == _ALL else f for f in FIELDS)
FIELDS += DECLARED_FIELDS
for _pid in sorted({f.group.removeprefix("declared by ") for f in DECLARED_FIELDS}):
    GROUPS[f"declared by {_pid}"] = (f"fields the policy {_pid} declares (its claim_fields.toml); "
                                     "other policies ignore them")

# The items of prior_subsidies; policy_id and date are required in each item.
PRIOR_FIELDS: tuple[Field, ...] = (
    _f("policy_id", "str", required=True, meaning="the policy that paid it"),
    _f("occupation_code", "str", nullable=True, meaning="the certificate's occupation"),
    _f("special_ability_item", "str", nullable=True, meaning="or its special-ability item"),
    _f("cert_level", "int", nullable=True, lo=1, hi=5, meaning="the certificate's level; null = ungraded"),
    _f("date", "date", required=True, meaning="when it was paid"),
    _f("as_employed", "bool", nullable=True, meaning="paid as an employed person (SHSU-L1)"),
    _f("as_student", "bool", nullable=True,
       meaning="(skillsim) paid as a final-year vocational student (SHSU-R3's once)"),
)

PRIOR_FIELDS = tuple(dataclasses.replace(f, label=PRIOR_LABELS[f.name]) for f in PRIOR_FIELDS)

# (later, earlier): the later date may not be before the earlier one, when both are given.
DATES_IN_ORDER: tuple[tuple[str, str], ...] = (("application_date", "cert_issue_date"),)

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
PRIOR_BY_NAME: dict[str, Field] = {f.name: f for f in PRIOR_FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)


# ---------------------------------------------------------------- the pydantic model (JSON path)

def _day(text: Any) -> dt.date:
    """A date from its "YYYY-MM-DD" text only (a date object is not JSON), within the range."""
    if not isinstance(text, str) or not DATE_RE.fullmatch(text):
        raise PydanticCustomError("date_text", "not a date YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("real_date", "not a real date") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise PydanticCustomError("date_range", DATE_RANGE)
    return day


_DAY = Annotated[dt.date, PlainValidator(_day),
                 WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN,
                                 "formatMinimum": DATE_MIN.isoformat(), "formatMaximum": DATE_MAX.isoformat()})]


class _Strict(BaseModel):
    """No coercion (a "35" is not an age, 35.0 not a count, 1 not true); unknown fields refused."""
    model_config = ConfigDict(strict=True, extra="forbid")


class _ClaimRules(_Strict):
    @model_validator(mode="after")
    def _dates_in_order(self):
        for later, earlier in DATES_IN_ORDER:
            a, b = getattr(self, later), getattr(self, earlier)
            if a is not None and b is not None and a < b:
                raise PydanticCustomError("date_order", "{later} is before {earlier}",
                                          {"later": later, "earlier": earlier, "value": a, "other": b})
        return self


def _annotation(f: Field, prior_item: type[BaseModel] | None = None) -> Any:
    kind: Any = {
        "str": Annotated[str, StringConstraints(pattern=NON_BLANK)],
        "enum": Literal[f.choices] if f.choices else None,
        "int": Annotated[int, ModelField(ge=f.lo, le=f.hi)],
        "number": Annotated[float, ModelField(ge=f.lo, le=f.hi, allow_inf_nan=False)],
        "bool": bool,
        "date": _DAY,
        "prior_list": list[prior_item] if prior_item else None,
    }[f.kind]
    return kind | None if f.nullable else kind


def _model_fields(fields: tuple[Field, ...], prior_item: type[BaseModel] | None = None) -> dict[str, Any]:
    out = {}
    for f in fields:
        info = (ModelField(description=f.meaning or None) if f.required
                else ModelField(default_factory=list, description=f.meaning) if f.kind == "prior_list"
                else ModelField(default=f.default, description=f.meaning or None))
        out[f.name] = (_annotation(f, prior_item), info)
    return out


PriorSubsidy = create_model("PriorSubsidy", __base__=_Strict, __doc__="An item of prior_subsidies.",
                            **_model_fields(PRIOR_FIELDS))
Claim = create_model("Claim", __base__=_ClaimRules, **_model_fields(FIELDS, PriorSubsidy),
                     __doc__="One person applying for one subsidy with one certificate (or training place). "
                             "Rule across fields: " + "; ".join(f"{a} is not before {b}" for a, b in DATES_IN_ORDER)
                             + f". Every date is {DATE_RANGE}. Generated from policies/claim_schema.py; "
                               "see docs/claim-contract.md.")


def json_schema() -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **Claim.model_json_schema()}


# ---------------------------------------------------------------- docs/claim-contract.md's tables

def _type_text(f: Field) -> str:
    base = {"str": "string", "int": "int", "number": "number", "bool": "bool", "date": '"YYYY-MM-DD"',
            "prior_list": "list of items", "enum": " \\| ".join(f'"{c}"' for c in f.choices)}[f.kind]
    if f.lo is not None:
        base += f" {f.lo:g}–{f.hi:g}"
    if f.nullable:
        base += " \\| null" if f.kind == "enum" else " or null"
    return base


def _default_text(f: Field) -> str:
    return "required" if f.required else json.dumps(f.default, ensure_ascii=False)


def _table(fields: tuple[Field, ...]) -> list[str]:
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    rows += [f"| {f.name} | {_type_text(f)} | {_default_text(f)} | {f.meaning.replace('|', '/')} |" for f in fields]
    return rows


DOC = Path(__file__).resolve().parent.parent / "docs" / "claim-contract.md"
SCHEMA_FILE = DOC.parent / "claim.schema.json"
BEGIN = "<!-- generated from policies/claim_schema.py: python -m skillsim.policies.claim_schema --write -->"
END = "<!-- end of generated tables -->"


def field_tables() -> str:
    """The generated block of docs/claim-contract.md, markers included."""
    lines = [BEGIN, "", "Required: " + ", ".join(REQUIRED) + ". " + "; ".join(
        f"{a} is not before {b}" for a, b in DATES_IN_ORDER) + f". Every date is {DATE_RANGE}.", ""]
    for group, title in GROUPS.items():
        lines += [f"**{group.capitalize()}**: {title}", "", *_table(tuple(f for f in FIELDS if f.group == group)), ""]
    lines += ["**An item of prior_subsidies** (policy_id and date required):", "", *_table(PRIOR_FIELDS), "", END]
    return "\n".join(lines)


def current_doc(text: str) -> str:
    """``text`` (the doc) with its generated block replaced by today's."""
    head, begin, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC.name}: the markers {BEGIN!r} … {END!r} are missing")
    return head + field_tables() + tail


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    """``--write`` regenerates the doc's tables and the JSON Schema; ``--check`` exits 1 if stale."""
    want = {DOC: current_doc(DOC.read_text(encoding="utf-8")), SCHEMA_FILE: schema_text()}
    stale = [p for p, text in want.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--write" in argv:
        for p in stale:
            p.write_text(want[p], encoding="utf-8")
        return 0
    for p in stale:
        print(f"{p}: not current (python -m skillsim.policies.claim_schema --write)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
