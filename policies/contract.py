"""The claim contract of docs/claim-contract.md, as one table of fields.

The same table validates a claim given as JSON (``validate_claim``) and a whole
polars frame of claims (``validate_frame``): a present field is checked strictly
(no coercion), a missing optional field takes its default, an unknown field is an
error. Every error is a ``ContractError`` whose one-line message names the field
and the bad value (both cut to a readable length). Dates lie within DATE_MIN … DATE_MAX.
Reading a claim's JSON text strictly is ``policies.claim_json``'s, before this.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import polars as pl


SHOWN_CHARS = 60  # an echoed value or field name is cut to this, so an error stays one readable line
_NO_VALUE = object()


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value: Any) -> str:
    """A value as an error echoes it: its repr (so control characters are escaped), cut."""
    if value is None:
        return "null"
    if isinstance(value, int) and abs(value) >= 10 ** 60:  # repr of 4,300+ digits raises; and unreadable
        return f"an integer of ~{int(abs(value).bit_length() * 0.30103) + 1} digits"
    return cut(value.isoformat() if isinstance(value, dt.date) else repr(value))


def _one_line(text: str) -> str:
    # repr escapes what the values hold; this catches the rest (\r, \x85, \u2028 split lines too)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ContractError(ValueError):
    """A claim (or frame of claims) that breaks the contract; names the field.

    ``value``, when given, is echoed (cut to SHOWN_CHARS) before the message, as in
    ``age: 999 is not within 0–120``; the field name is cut alike, and the whole is one line.
    """

    def __init__(self, field: str, message: str, *, value: Any = _NO_VALUE):
        self.field = field
        name = field if field.isprintable() and field.strip() == field and field else repr(field)
        if value is not _NO_VALUE:
            message = f"{shown(value)} {message}"
        super().__init__(_one_line(f"{cut(name)}: {message}"))


CITIES = ("beijing", "shanghai", "other")


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

    @property
    def default(self) -> Any:
        if self.nullable:
            return None
        if self.fallback is not None:
            return self.fallback
        return {"bool": False, "int": 0, "number": 0, "prior_list": []}.get(self.kind)


def _f(name, kind, **kw) -> Field:
    return Field(name, kind, **kw)


# Public names: keep them (docs/claim-contract.md). Extensions are marked "(skillsim)".
FIELDS: tuple[Field, ...] = (
    _f("person_id", "str", required=True, meaning="one person; several claims may share it"),
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
    _f("application_date", "date", required=True),
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
       meaning="subsidies already paid to this person: list of {policy_id, occupation_code, "
               "special_ability_item, cert_level, date, as_employed, as_student}"),
    # Training-side fields (skillsim): the 2026 high-skill programme (BJHS-*) and the 2019
    # plan's enterprise lines (BJSA-*), and the draft's channels (BJPT-2). For a claim that
    # is a training place rather than a certificate, cert_issue_date is the day the training
    # (or programme) was completed, and cert_kind is "training_only" unless a certificate
    # came of it. A null fact that a rule needs gives "needs_info" naming the field.
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
FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)

# The items of prior_subsidies; policy_id and date are required in each item.
PRIOR_FIELDS: tuple[Field, ...] = (
    _f("policy_id", "str", required=True),
    _f("occupation_code", "str", nullable=True),
    _f("special_ability_item", "str", nullable=True),
    _f("cert_level", "int", nullable=True, lo=1, hi=5),
    _f("date", "date", required=True),
    _f("as_employed", "bool", nullable=True, meaning="paid as an employed person (SHSU-L1)"),
    _f("as_student", "bool", nullable=True,
       meaning="(skillsim) paid as a final-year vocational student (SHSU-R3's once)"),
)

PRIOR_DTYPE = pl.Struct({
    "policy_id": pl.String, "occupation_code": pl.String, "special_ability_item": pl.String,
    "cert_level": pl.Int8, "date": pl.Date, "as_employed": pl.Boolean, "as_student": pl.Boolean,
})


def _canonical_dtype(f: Field) -> pl.DataType:
    return {
        "str": pl.String, "enum": pl.String, "int": pl.Int64, "number": pl.Float64,
        "bool": pl.Boolean, "date": pl.Date, "prior_list": pl.List(PRIOR_DTYPE),
    }[f.kind]


SCHEMA: dict[str, pl.DataType] = {f.name: _canonical_dtype(f) for f in FIELDS}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Every date a claim holds lies in this range, so a calculator's calendar arithmetic (offsets of
# at most 100 years, which the parameters' bounds keep to) stays within polars' and Python's dates.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
_DATE_RANGE = f"within {DATE_MIN} … {DATE_MAX}"


# ---------------------------------------------------------------- one claim (JSON)

def _check_value(f: Field, value: Any, where: str) -> Any:
    """Return the value in its Python form, or raise ContractError naming `where`."""
    if value is None:
        if f.nullable:
            return None
        raise ContractError(where, "null is not allowed")
    bad = lambda what: ContractError(where, f"is not {what}", value=value)  # noqa: E731
    if f.kind in ("str", "enum"):
        if not isinstance(value, str):
            raise bad("a string")
        if f.kind == "enum" and value not in f.choices:
            raise bad("one of " + ", ".join(f.choices))
        if f.kind == "str" and not value.strip():
            raise bad("a non-empty string")
        return value
    if f.kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if f.kind in ("int", "number"):
        ok = isinstance(value, int) or (f.kind == "number" and isinstance(value, float))
        if isinstance(value, bool) or not ok:
            raise bad("an integer" if f.kind == "int" else "a number")
        if value != value or value in (float("inf"), float("-inf")):
            raise bad("a finite number")
        if (f.lo is not None and value < f.lo) or (f.hi is not None and value > f.hi):
            raise bad(f"within {f.lo:g}–{f.hi:g}")
        return value
    if f.kind == "date":
        if not isinstance(value, str) or not _DATE_RE.match(value):
            raise bad("a date YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise bad("a real date") from None
        if not DATE_MIN <= day <= DATE_MAX:
            raise bad(_DATE_RANGE)
        return day
    if f.kind == "prior_list":
        if not isinstance(value, list):
            raise bad("a list")
        return [_check_object(item, PRIOR_FIELDS, f"{where}[{i}]") for i, item in enumerate(value)]
    raise AssertionError(f.kind)


def _check_object(obj: Any, fields: Iterable[Field], where: str) -> dict[str, Any]:
    fields = tuple(fields)
    if not isinstance(obj, Mapping):
        raise ContractError(where, f"{type(obj).__name__} is not an object")
    names = {f.name for f in fields}
    for key in obj:
        if key not in names:
            raise ContractError(f"{where}.{key}" if where != "claim" else str(key),
                                "unknown field (see docs/claim-contract.md)")
    out = {}
    for f in fields:
        at = f.name if where == "claim" else f"{where}.{f.name}"
        if f.name not in obj:
            if f.required:
                raise ContractError(at, "required field is missing")
            out[f.name] = f.default
        else:
            out[f.name] = _check_value(f, obj[f.name], at)
    return out


def _check_cross(claim: Mapping[str, Any]) -> None:
    if claim["application_date"] < claim["cert_issue_date"]:
        raise ContractError("application_date", f"{claim['application_date']} is before "
                            f"cert_issue_date {claim['cert_issue_date']}")


def validate_claim(obj: Any) -> dict[str, Any]:
    """Check one claim (parsed JSON) and return it complete, with defaults filled in."""
    claim = _check_object(obj, FIELDS, "claim")
    _check_cross(claim)
    return claim


def claims_frame(claims: Iterable[Any]) -> pl.DataFrame:
    """Validate claims (parsed JSON objects) and build the canonical frame."""
    rows = [validate_claim(c) for c in claims]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


# ---------------------------------------------------------------- a whole frame

def _dtype_ok(f: Field, dtype: pl.DataType) -> bool:
    if f.kind in ("str", "enum"):
        return dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Enum, pl.Categorical))
    if f.kind == "int":
        return dtype.is_integer() or dtype == pl.Null
    if f.kind == "number":
        return dtype.is_numeric() or dtype == pl.Null
    if f.kind == "bool":
        return dtype == pl.Boolean
    if f.kind == "date":
        return dtype == pl.Date
    if f.kind == "prior_list":
        return isinstance(dtype, pl.List) and (dtype.inner == PRIOR_DTYPE or dtype.inner == pl.Null)
    return False


def _first_bad(df: pl.DataFrame, bad: pl.Expr, echo: pl.Expr) -> tuple[int, Any]:
    hit = df.select(bad.fill_null(False).arg_true().first().alias("i")).item()
    return hit, df.select(echo.gather(hit)).item()


def _outside_dates(day: pl.Expr) -> pl.Expr:
    return (day < DATE_MIN) | (day > DATE_MAX)


def validate_frame(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Check a frame of claims against the contract; return it with defaults added.

    Column dtypes may be narrower than canonical (Int8 for a level, Enum for a
    choice), since a large synthetic population wants them so; values are checked.
    """
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    for name in df.columns:
        if name not in FIELD_BY_NAME:
            raise ContractError(name, "unknown field (see docs/claim-contract.md)")
    for name in REQUIRED:
        if name not in df.columns:
            raise ContractError(name, "required field is missing")
    checks: list[tuple[str, pl.Expr, str]] = []  # field, rows that break it, what they break
    shows: dict[str, pl.Expr] = {}  # the value an error echoes, where it is not the column's
    for f in FIELDS:
        if f.name not in df.columns:
            continue
        dtype = df.schema[f.name]
        if not _dtype_ok(f, dtype):
            raise ContractError(f.name, f"column type {dtype} does not fit {f.kind}")
        col = pl.col(f.name)
        if not f.nullable and f.kind != "prior_list":
            checks.append((f.name, col.is_null(), "is not allowed"))
        if f.kind == "enum":
            checks.append((f.name, col.cast(pl.String).is_in(list(f.choices)).not_(),
                           "is not one of " + ", ".join(f.choices)))
        if f.kind == "str":
            checks.append((f.name, col.cast(pl.String).str.strip_chars() == "",
                           "is not a non-empty string"))
        if f.kind in ("int", "number") and f.lo is not None:
            checks.append((f.name, (col < f.lo) | (col > f.hi), f"is not within {f.lo:g}–{f.hi:g}"))
        if f.kind == "number":
            checks.append((f.name, col.cast(pl.Float64).is_nan() | col.cast(pl.Float64).is_infinite(),
                           "is not a finite number"))
        if f.kind == "date":
            checks.append((f.name, _outside_dates(col), f"is not {_DATE_RANGE}"))
        if f.kind == "prior_list" and dtype.inner == PRIOR_DTYPE:
            date = pl.element().struct.field("date")
            checks.append((f"{f.name}[].date", col.list.eval(_outside_dates(date)).list.any(),
                           f"is not {_DATE_RANGE}"))
            shows[f"{f.name}[].date"] = col.list.eval(date.filter(_outside_dates(date))).list.first()
    checks.append(("application_date", pl.col("application_date") < pl.col("cert_issue_date"),
                   "is before cert_issue_date"))
    if checks:
        flags = df.select(pl.any_horizontal(e.fill_null(False)).alias(str(i))
                          for i, (_, e, _) in enumerate(checks)).select(pl.all().any())
        for i, (name, expr, msg) in enumerate(checks):
            if flags.item(0, i):
                row, value = _first_bad(df, expr, shows.get(name, pl.col(name)))
                raise ContractError(name, f"{msg} (row {row})", value=value)
    missing = [pl.lit(FIELD_BY_NAME[n].default, dtype=SCHEMA[n]).alias(n)
               for n in SCHEMA if n not in df.columns]
    if "prior_subsidies" in df.columns and df.schema["prior_subsidies"] != SCHEMA["prior_subsidies"]:
        df = df.with_columns(pl.col("prior_subsidies").cast(SCHEMA["prior_subsidies"]))
    if missing:
        df = df.with_columns(missing)
    return df.select(SCHEMA.keys())
