"""The building blocks of the scenario schema (pydantic v2) and the assumptions of a
population of people: one model per key of ``population_defaults.toml``.

Every table forbids unknown keys, takes its values strictly ("5" is not 5, true is not
a number) and refuses NaN and infinities. A validator that finds a fault below the value
it checks raises ``At(sub_key, message)``; ``simulate/scenario.py`` turns the first error
of a ``ValidationError`` into a ``ScenarioError`` naming the full key.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
import typing
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Mapping, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, create_model, model_validator

from skillsim.policies import UnknownPolicy, get_policy, policy_ids
from skillsim.policies.claim_schema import CITIES

from .uncertainty import Uncertain

DEFAULTS_FILE = Path(__file__).with_name("population_defaults.toml")
EMPLOYMENT = ("employed", "flexible", "unemployed", "student", "other")
# hukou shares: the population's own city, any registered jurisdiction by its id, or elsewhere
HUKOU_KEYS = ("own", *(c for c in CITIES if c != "other"), "other")
BAND = re.compile(r"^(\d{1,6})-(\d{1,6})$")
SLUG = re.compile(r"^[A-Za-z0-9_-]+$")
# Limits: what one run can hold in memory and what the calendar arithmetic can take.
MAX_PEOPLE = 50_000_000          # people (or training places) per population
AGE_MAX = 120
DELAY_DAYS_MAX = 3650            # application up to 10 years after the certificate
ISSUE_DATES = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
SHARE_TOLERANCE = 1e-6
ECHO = 60  # characters of a value or key quoted in an error


def echo(v: Any) -> str:
    """A value as quoted in an error: its repr, cut to ECHO characters."""
    r = repr(v)
    return r if len(r) <= ECHO else r[:ECHO - 1] + "…"


class At(ValueError):
    """A fault ``key`` below the value a validator checks ("" = the value itself)."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


class Table(BaseModel):
    """A TOML table of the schema: known keys only, strict types, finite numbers."""
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)
    unknown_hint: ClassVar[str | None] = None   # said instead of the list of allowed keys

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for k in data:
                if k not in cls.model_fields:
                    allowed = cls.unknown_hint or f"allowed: {', '.join(cls.model_fields)}"
                    raise At(str(k), f"unknown key ({allowed})")
        return data


def _one_line(v: str) -> str:
    if not v.strip() or "\n" in v:
        raise ValueError("every assumption needs a one-line source (or \"illustrative\")")
    return v


def _nonblank(v: str) -> str:
    if not v.strip():
        raise ValueError("is empty")
    return v


def _known_policy(pid: str) -> str:
    try:
        get_policy(pid)
    except UnknownPolicy:
        raise ValueError(f"{echo(pid)} is not a registered policy (known: {', '.join(policy_ids())})") from None
    return pid


def _once_each(ids: list[str]) -> list[str]:
    for i, pid in enumerate(ids):
        if pid in ids[:i]:
            raise At(f"[{i}]", f"{echo(pid)} is listed twice (each policy once)")
    return ids


def _sums_to_one(shares: dict[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if shares and abs(total - 1) > SHARE_TOLERANCE:
        raise ValueError(f"shares sum to {total:g}, not 1")
    return shares


Source = Annotated[str, AfterValidator(_one_line),
                   Field(description="where the number comes from: one line, or \"illustrative\"")]
Text = Annotated[str, AfterValidator(_nonblank)]
Slug = Annotated[str, Field(pattern=SLUG.pattern, max_length=64,
                            description="letters, digits, - and _ (used in file and folder names)")]
PolicyId = Annotated[str, AfterValidator(_known_policy), Field(description="a registered policy id")]
PolicyIds = Annotated[list[PolicyId], Field(min_length=1), AfterValidator(_once_each)]
Probability = Annotated[float, Field(ge=0, le=1)]
K = TypeVar("K")
Shares = Annotated[dict[K, Probability], Field(min_length=1, description="shares in 0–1 that sum to 1"),
                   AfterValidator(_sums_to_one)]
Band = Annotated[str, Field(pattern=BAND.pattern, description="an integer range lo-hi, both ends included")]


def bands(shares: Mapping[str, float], lo: int = 0, hi: int | None = None) -> list[tuple[int, int, float]]:
    """Band shares {"25-34": s} as [(25, 34, s)], each band within lo … hi and not reversed."""
    out = []
    for k, s in shares.items():
        a, b = (int(x) for x in BAND.match(k).groups())
        if b < a:
            raise At(k, "band ends before it starts")
        if a < lo or (hi is not None and b > hi):
            raise At(k, f"band is outside {lo}–{hi if hi is not None else '∞'}")
        out.append((a, b, s))
    return out


def band_check(lo: int, hi: int | None):
    """A shares validator: every band within lo … hi."""
    def check(shares: dict[str, float]) -> dict[str, float]:
        bands(shares, lo, hi)
        return shares
    return AfterValidator(check)


def _fill_statuses(p: dict[str, float]) -> dict[str, float]:
    return {k: p.get(k, 0.0) for k in EMPLOYMENT}


ByEmployment = Annotated[dict[Literal[EMPLOYMENT], Probability], AfterValidator(_fill_statuses),
                         Field(description="probability by employment status (a status left out: 0)")]


# ---------------------------------------------------------------- assumptions of a population

class Assumption(Table):
    """One assumption: its value(s) and the source of the number."""
    source: Source

    def parsed(self) -> dict[str, Any]:
        """As ``Population.a`` holds it: the values, derived ones (bands) and the source."""
        return self.model_dump()


RANGE = ("low", "mode", "high")


class Ranged(Assumption):
    """An assumption whose number is ``value``, or instead a range: ``low`` and ``high``
    (uniform) or ``low``, ``mode`` and ``high`` (triangular), each checked against the bounds
    of the value itself (simulate/uncertainty.py)."""
    integer: ClassVar[bool] = False     # a whole number: drawn values are rounded half to even

    @model_validator(mode="after")
    def _value_or_range(self):
        given = [k for k in RANGE if getattr(self, k) is not None]
        if self.value is not None and given:
            raise At(given[0], "give value, or a range (low, high and perhaps mode), not both")
        if self.value is None and not given:
            raise At("value", "is missing (or give a range: low, high and perhaps mode)")
        if given:
            for k in ("low", "high"):
                if getattr(self, k) is None:
                    raise At(k, "is missing (a range gives low and high; mode makes it triangular)")
            if not self.low < self.high:
                raise At("high", f"{echo(self.high)} is not above low ({echo(self.low)})")
            if self.mode is not None and not self.low <= self.mode <= self.high:
                raise At("mode", f"{echo(self.mode)} is outside low–high ({echo(self.low)}–{echo(self.high)})")
        return self

    def uncertain(self, key: str, integer: bool | None = None, decimals: int | None = None) -> Uncertain | None:
        """The range as an ``Uncertain`` named ``key`` (None for a point value). ``integer``:
        drawn as whole numbers (default: whether the value is an int)."""
        if self.low is None:
            return None
        return Uncertain(key, "uniform" if self.mode is None else "triangular", self.low, self.high, self.mode,
                         None, None, self.source, self.integer if integer is None else integer, decimals)

    @property
    def point(self) -> Any:
        """The value, or the range's central value (its mode, else its midpoint)."""
        spec = self.uncertain("value")
        return self.value if spec is None else spec.central()

    def parsed(self) -> dict[str, Any]:
        return {"source": self.source, "value": self.point}


class WholeRanged(Ranged):
    integer: ClassVar[bool] = True


def ranged(name: str, number: Any, doc: str) -> type[Ranged]:
    """An assumption class of one number (``value``) that may be given as a range instead."""
    def opt(description: str) -> tuple[Any, Any]:
        return number | None, Field(None, description=description)
    whole = (typing.get_args(number) or (number,))[0] is int
    return create_model(name, __base__=WholeRanged if whole else Ranged, __module__=__name__, __doc__=doc,
                        value=opt("the number (or give a range: low, high and perhaps mode)"),
                        low=opt("a range's lowest value (each replication draws one within low–high)"),
                        mode=opt("a triangular range's most likely value (without it: uniform)"),
                        high=opt("a range's highest value"))


class Concentrated(Assumption):
    """An assumption with ``shares`` that may add ``concentration = K``: each replication then
    draws the shares from Dirichlet(K × shares) (the given shares are the mean)."""
    concentration: Annotated[float, Field(gt=0, description=(
        "K > 0: each replication draws the shares from Dirichlet(K × shares), around the shares given "
        "(larger: closer to them)"))] | None = None

    @model_validator(mode="after")
    def _around_shares(self):
        if self.concentration is not None and not self.shares:
            raise At("concentration", "needs shares to draw around (give shares, or leave concentration out)")
        return self

    def uncertain(self, key: str) -> Uncertain | None:
        """The Dirichlet around the shares as an ``Uncertain`` named ``key`` (None without a concentration)."""
        if self.concentration is None:
            return None
        return Uncertain(key, "dirichlet", None, None, None, dict(self.shares), self.concentration, self.source, False)

    def parsed(self) -> dict[str, Any]:
        return self.model_dump(exclude={"concentration"})


Size = ranged("Size", Annotated[int, Field(ge=1, le=MAX_PEOPLE, description=f"people, at most {MAX_PEOPLE:,} a "
                                                                               "population (what one run holds in memory)")],
              "A population's size (people).")
Chance = ranged("Chance", Probability, "A probability.")


class Hukou(Concentrated):
    shares: Annotated[Shares[Literal[HUKOU_KEYS]], Field(
        description="own: the population's city; a jurisdiction id: that city's hukou; other: anywhere else")]


class ClaimFieldDraw(Concentrated):
    """How a population draws a claim field a policy declares (its claim_fields.toml), per claim:
    null with probability ``unknown``; else a bool true with ``share`` (or ``by_employment``),
    an enum value with ``shares``."""
    unknown: Probability = 0.0
    share: Probability | None = None
    by_employment: ByEmployment | None = None
    shares: Annotated[dict[str, Probability], Field(min_length=1), AfterValidator(_sums_to_one)] | None = None

    @model_validator(mode="after")
    def _one_way(self):
        given = [k for k in ("share", "by_employment", "shares") if getattr(self, k) is not None]
        if len(given) != 1:
            raise At("", f"give one of share, by_employment or shares (given: {', '.join(given) or 'none'})")
        return self

    def parsed(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"concentration"})


class Sex(Concentrated):
    shares: Shares[Literal["female", "male"]]


class Age(Concentrated):
    shares: Annotated[Shares[Band], band_check(0, AGE_MAX), Field(description=f"age bands within 0–{AGE_MAX}")]

    @computed_field
    @property
    def bands(self) -> list[tuple[int, int, float]]:
        return bands(self.shares)


class Employment(Concentrated):
    shares: Shares[Literal[EMPLOYMENT]]


class Flag(Assumption):
    by_employment: ByEmployment


class Veterans(Assumption):
    share: Probability
    max_years: Annotated[int, Field(ge=0, le=60)]


class RecentGraduates(Assumption):
    by_employment: ByEmployment
    max_years: Annotated[float, Field(ge=0, le=20)]


class Students(Assumption):
    final_year: Shares[Literal["college", "vocational", "none"]]
    school_in_city: Probability


ExtraCertificates = ranged("ExtraCertificates", Annotated[float, Field(ge=0, le=10)],
                           "Mean further certificates per holder (Poisson).")


class CertKind(Concentrated):
    shares: Shares[Literal["skill_level", "special_ability", "qualification", "special_operation", "training_only"]]


class CertLevel(Concentrated):
    shares: Shares[Literal["5", "4", "3", "2", "1"]]


class CertRoute(Concentrated):
    shares: Shares[Literal["assessment", "enterprise_direct", "competition", "foreign", "commendation"]]


class Items(Assumption):
    catalogs: Annotated[list[PolicyId], AfterValidator(_once_each), Field(
        description="the policies whose catalogs are drawn from ([]: none, every one drawn is outside)")]
    outside_share: Probability
    outside_count: Annotated[int, Field(ge=1, le=10_000)]

    @model_validator(mode="after")
    def _all_outside(self):
        if not self.catalogs and self.outside_share != 1:
            raise At("outside_share", "must be 1 when catalogs is [] (every one drawn is outside a catalog)")
        return self


class Occupations(Items):
    weights: dict[str, Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description="occupation code -> weight (codes left out: 1)")

    def parsed(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class IssueDates(Assumption):
    start: Annotated[dt.date, Field(ge=ISSUE_DATES[0], le=ISSUE_DATES[1])]
    end: Annotated[dt.date, Field(ge=ISSUE_DATES[0], le=ISSUE_DATES[1])]

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise At("end", "is before start")
        return self


class DelayDays(Concentrated):
    shares: Annotated[Shares[Band], band_check(0, DELAY_DAYS_MAX),
                      Field(description=f"bands of days from certificate to application, within 0–{DELAY_DAYS_MAX}")]

    @computed_field
    @property
    def bands(self) -> list[tuple[int, int, float]]:
        return bands(self.shares)


class MonthsMax(Assumption):
    max: Annotated[int, Field(ge=0, le=600)]


class CareSectorPost(Assumption):
    care_occupations: Probability
    others: Probability
    occupations: Annotated[list[Annotated[str, Field(pattern=r"^\d-\d{2}-\d{2}-\d{2}$")]], Field(
        description="occupation codes whose holders mostly work in care posts (the care_occupations share)")] = []


class CarePostStart(Assumption):
    min: Annotated[int, Field(ge=-600, le=600)]
    max: Annotated[int, Field(ge=-600, le=600)]

    @model_validator(mode="after")
    def _ordered(self):
        if self.max < self.min:
            raise At("max", "is below min")
        return self


MonthsBefore = ranged("MonthsBefore", Annotated[int, Field(ge=0, le=600)], "Months.")
HoursSpread = ranged("HoursSpread", Annotated[int, Field(ge=1, le=1000)], "Class hours.")


class DaysMax(Assumption):
    max: Annotated[int, Field(ge=0, le=DELAY_DAYS_MAX, description="days")]


class Districts(Concentrated):
    shares: Annotated[dict[str, Probability], AfterValidator(_sums_to_one),
                      Field(description="district -> share (empty: no district named)")]


class PriorSubsidies(Assumption):
    policies: Annotated[dict[PolicyId, Probability],
                        Field(description="policy id -> probability that a person already had its subsidy")]


class PeopleAssumptions(Table):
    """Every assumption of a population of people; a scenario gives some, the defaults the rest."""
    size: Size
    hukou: Hukou
    sex: Sex
    age: Age
    employment: Employment
    registered_unemployed: Flag
    employment_difficulty: Flag
    rural_transfer: Flag
    job_seeking_registered: Flag
    xiebao: Flag
    disabled: Flag
    public_sector_nonskill: Flag
    flexible_city_insurance: Flag
    veterans: Veterans
    recent_graduates: RecentGraduates
    students: Students
    certificate_take_up: Chance
    extra_certificates: ExtraCertificates
    cert_kind: CertKind
    cert_level: CertLevel
    qualification_ungraded: Chance
    issuer_in_city: Chance
    cert_route: CertRoute
    occupations: Occupations
    special_ability_items: Items
    issue_dates: IssueDates
    application_take_up: Chance
    application_delay_days: DelayDays
    months_employed_after_cert: MonthsMax
    employed_at_application: Flag
    employed_in_matching_post: Chance
    insurance_months: MonthsMax
    care_sector_post: CareSectorPost
    care_post_start_months: CarePostStart
    care_post_months: MonthsMax
    districts: Districts
    other_subsidy_same_cert: Chance
    prior_subsidies: PriorSubsidies
    prior_subsidy_level: CertLevel
    prior_subsidy_months_before: MonthsBefore


class PlaceAssumptions(Table):
    """The assumptions only a population of training places (simulate/cohorts.py) reads."""
    training_hours_spread: HoursSpread
    hire_to_training_days: DaysMax


class Defaults(PeopleAssumptions, PlaceAssumptions):
    """population_defaults.toml: every assumption of either kind of population."""


ASSUMPTIONS = tuple(PeopleAssumptions.model_fields)


@lru_cache(maxsize=1)
def defaults() -> Defaults:
    """population_defaults.toml, validated like a scenario's population (errors: defaults.<key>)."""
    with open(DEFAULTS_FILE, "rb") as fh:
        return Defaults.model_validate(tomllib.load(fh))


def with_defaults(given: BaseModel, keys: tuple[str, ...]) -> dict[str, Assumption]:
    """The assumptions ``keys`` of a population table: given ones, else the defaults'."""
    base = defaults()
    return {k: getattr(base, k) if getattr(given, k) is None else getattr(given, k) for k in keys}
