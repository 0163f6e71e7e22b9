"""Synthetic populations: one numpy Generator per replication → a polars frame of claims.

Everything is drawn vectorised, person first (hukou, age, sex, status and flags at the
issue date), then each certificate holder's certificates (kind, level, occupation,
issue date, issuer), then who applies and when. The frame satisfies the claim
contract (``policies.validate_frame``), with narrow dtypes. Same seed, same frame.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from policies import get_policy
from policies.contract import PRIOR_DTYPE

from .scenario import EMPLOYMENT, Population

EPOCH = dt.date(1970, 1, 1)
OTHER_CITY = {"beijing": "shanghai", "shanghai": "beijing"}


@lru_cache(maxsize=1)
def care_codes() -> tuple[str, ...]:
    """养老护理员 and 家政服务员, whose holders mostly work in care posts: SHSU-X1's parameter
    (read on first use, not at import, so commands that draw nothing do not load it)."""
    return tuple(get_policy("shanghai-2025-skills-upgrade").parameters["care_occupations"])


def _choice(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    """Indices into list(shares) drawn with those shares."""
    p = np.fromiter(shares.values(), float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _text(labels: list[str | None], idx: np.ndarray) -> pl.Series:
    """A string column from labels and indices into them (-1 = null). Building strings
    by gathering from a short list is ~5x faster than converting a numpy string array."""
    table = pl.Series(list(labels) + [None], dtype=pl.String)
    return table.gather(np.where(idx < 0, len(labels), idx))


def _by_status(rng, status_idx: np.ndarray, spec: dict[str, float]) -> np.ndarray:
    p = np.array([spec["by_employment"][e] for e in EMPLOYMENT])
    return rng.random(status_idx.size) < p[status_idx]


def _bands(rng, n, bands) -> np.ndarray:
    """Integers drawn from bands [(lo, hi, share)], uniform within a band."""
    which = rng.choice(len(bands), size=n, p=np.array([b[2] for b in bands]) / sum(b[2] for b in bands))
    lo = np.array([b[0] for b in bands])[which]
    hi = np.array([b[1] for b in bands])[which]
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)


def occupation_pool(pop: Population) -> tuple[list[str], np.ndarray, list[str]]:
    """(codes, draw probabilities, items): the catalogs' occupations + those outside every catalog."""
    occ, items_spec = pop.a["occupations"], pop.a["special_ability_items"]
    codes: list[str] = []
    items: list[str] = []
    for pid in occ["catalogs"]:
        c, _ = get_policy(pid).known_codes()
        codes += [x for x in c if x not in codes]
    for pid in items_spec["catalogs"]:
        _, i = get_policy(pid).known_codes()
        items += [x for x in i if x not in items]
    outside = [f"9-99-{k // 100:02d}-{k % 100:02d}" for k in range(occ["outside_count"])]
    w = np.array([occ.get("weights", {}).get(c, 1.0) for c in codes], float)
    p_in = (1 - occ["outside_share"]) * w / w.sum() if codes else np.zeros(0)
    p_out = np.full(len(outside), (occ["outside_share"] if codes else 1.0) / len(outside))
    items_out = [f"其他专项职业能力{k + 1:02d}" for k in range(items_spec["outside_count"])]
    return codes + outside, np.concatenate([p_in, p_out]), items + items_out


def _item_probs(pop: Population, items: list[str]) -> np.ndarray:
    spec = pop.a["special_ability_items"]
    n_out = spec["outside_count"]
    n_in = len(items) - n_out
    if n_in == 0:
        return np.full(len(items), 1 / len(items))
    return np.concatenate([np.full(n_in, (1 - spec["outside_share"]) / n_in), np.full(n_out, spec["outside_share"] / n_out)])


@dataclass(frozen=True)
class Draw:
    claims: pl.DataFrame   # one row per certificate applied for
    holders: int           # people with at least one certificate (coverage's second denominator)


def generate(pop: Population, rng: np.random.Generator, first_person: int = 0) -> Draw:
    """The claims of one population (replication drawn by ``rng``): one row per certificate
    applied for, several rows for a person with several certificates."""
    a = pop.a
    city = pop.city
    # Only certificate holders can claim, so only they are drawn (the rest of the
    # population counts in coverage's denominator, pop.size): 3x less work.
    n = int(rng.binomial(pop.size, a["certificate_take_up"]["value"]))
    # ---- people (the holders)
    hukou_labels = [city, OTHER_CITY[city], "other"]
    hukou = _choice(rng, n, {k: a["hukou"]["shares"].get(k, 0) for k in ("own", "other_city", "other")})
    sex_labels = list(a["sex"]["shares"])
    sex = _choice(rng, n, a["sex"]["shares"])
    age = _bands(rng, n, a["age"]["bands"])
    status_idx = _choice(rng, n, {e: a["employment"]["shares"].get(e, 0) for e in EMPLOYMENT})
    flags = {f: _by_status(rng, status_idx, a[f]) for f in (
        "registered_unemployed", "employment_difficulty", "rural_transfer", "job_seeking_registered", "xiebao",
        "disabled", "public_sector_nonskill", "flexible_city_insurance")}
    vet = a["veterans"]
    veteran_years = np.where(rng.random(n) < vet["share"], rng.integers(0, vet["max_years"] + 1, n), -1)
    grad = a["recent_graduates"]
    is_grad = rng.random(n) < np.array([grad["by_employment"][e] for e in EMPLOYMENT])[status_idx]
    graduate_years = np.where(is_grad, np.round(rng.random(n) * grad["max_years"], 1), np.nan)
    st = a["students"]
    final_labels = list(st["final_year"])
    final = _choice(rng, n, st["final_year"])
    is_student = status_idx == EMPLOYMENT.index("student")
    final = np.where(is_student & (np.asarray(final_labels)[final] != "none"), final, -1)
    school = np.where(is_student, np.where(rng.random(n) < st["school_in_city"], 0, 1), -1)
    emp_at_app_p = np.array([a["employed_at_application"]["by_employment"][e] for e in EMPLOYMENT])[status_idx]
    # prior subsidies (per person, one per listed policy with its probability)
    priors = {pid: rng.random(n) < p for pid, p in a["prior_subsidies"]["policies"].items()}

    # ---- certificates: 1 + Poisson(extra) for each holder
    per = 1 + rng.poisson(a["extra_certificates"]["value"], n)
    who = np.repeat(np.arange(n), per)
    m = who.size
    kind_labels = list(a["cert_kind"]["shares"])
    kinds = _choice(rng, m, a["cert_kind"]["shares"])
    kind_is = {k: kinds == kind_labels.index(k) if k in kind_labels else np.zeros(m, bool)
               for k in ("skill_level", "qualification", "special_ability")}
    graded = kind_is["skill_level"] | (kind_is["qualification"]
                                       & (rng.random(m) >= a["qualification_ungraded"]["value"]))
    level_idx = _choice(rng, m, a["cert_level"]["shares"])
    levels = np.asarray([int(k) for k in a["cert_level"]["shares"]])[level_idx]
    level = np.where(graded, levels, 0)
    codes, code_p, items = occupation_pool(pop)
    occ = rng.choice(len(codes), size=m, p=code_p / code_p.sum())
    item = rng.choice(len(items), size=m, p=_item_probs(pop, items))
    is_item = kind_is["special_ability"]
    care_occ = np.isin(occ, [codes.index(c) for c in care_codes() if c in codes])
    occ = np.where(is_item, -1, occ)
    item = np.where(is_item, item, -1)
    d = a["issue_dates"]
    start = (d["start"] - EPOCH).days
    issue = start + rng.integers(0, (d["end"] - d["start"]).days + 1, m)
    issuer = np.where(rng.random(m) < a["issuer_in_city"]["value"], 0, 1)
    route_labels = list(a["cert_route"]["shares"])
    route = _choice(rng, m, a["cert_route"]["shares"])

    # ---- who applies, and when
    applies = rng.random(m) < a["application_take_up"]["value"]
    delay = _bands(rng, m, a["application_delay_days"]["bands"])
    emp_c = status_idx[who] == EMPLOYMENT.index("employed")
    months_emp = np.where(emp_c, rng.integers(0, a["months_employed_after_cert"]["max"] + 1, m), 0)
    emp_at_app = rng.random(m) < emp_at_app_p[who]
    in_post = emp_at_app & (rng.random(m) < a["employed_in_matching_post"]["value"])
    ins = np.where(emp_c, rng.integers(0, a["insurance_months"]["max"] + 1, m), 0)
    care = rng.random(m) < np.where(care_occ & ~is_item, a["care_sector_post"]["care_occupations"],
                                    a["care_sector_post"]["others"])
    cps = a["care_post_start_months"]
    care_start = np.where(care, rng.integers(cps["min"], cps["max"] + 1, m), 0)
    care_months = np.where(care, rng.integers(0, 25, m), -1)
    other_sub = rng.random(m) < a["other_subsidy_same_cert"]["value"]
    districts = a["districts"]["shares"]
    district = _choice(rng, m, districts) if districts else np.full(m, -1)

    keep = np.flatnonzero(applies)
    w = who[keep]
    in_city = [city, "other"]
    cols = {
        "person_id": pl.Series(w + first_person, dtype=pl.Int64).cast(pl.String),
        "hukou": _text(hukou_labels, hukou[w]), "age": pl.Series(age[w], dtype=pl.Int8),
        "sex": _text(sex_labels, sex[w]), "employment": _text(list(EMPLOYMENT), status_idx[w]),
        **{f: pl.Series(v[w]) for f, v in flags.items()},
        "veteran_years": pl.Series(veteran_years[w], dtype=pl.Int16),
        "graduate_years": pl.Series(graduate_years[w]),
        "student_final_year": _text(final_labels, final[w]),
        "cert_kind": _text(kind_labels, kinds[keep]),
        "occupation_code": _text(codes, occ[keep]), "special_ability_item": _text(items, item[keep]),
        "cert_level": pl.Series(level[keep], dtype=pl.Int8),
        "cert_issue_date": pl.Series(issue[keep], dtype=pl.Int32),
        "cert_issuer_city": _text(in_city, issuer[keep]), "cert_route": _text(route_labels, route[keep]),
        "application_date": pl.Series(issue[keep] + delay[keep], dtype=pl.Int32),
        "employed_at_application": pl.Series(emp_at_app[keep]),
        "employed_in_matching_post": pl.Series(in_post[keep]),
        "months_employed_after_cert": pl.Series(months_emp[keep], dtype=pl.Int16),
        "insurance_months": pl.Series(ins[keep], dtype=pl.Int16),
        "care_sector_post": pl.Series(care[keep]),
        "care_post_start_months": pl.Series(care_start[keep], dtype=pl.Int16),
        "care_post_months": pl.Series(care_months[keep], dtype=pl.Int16),
        "school_city": _text(in_city, school[w]),
        "district": _text(list(districts), district[keep]),
        "other_subsidy_same_cert": pl.Series(other_sub[keep]),
    }
    df = pl.DataFrame(cols)
    df = df.with_columns(
        pl.concat_str(pl.lit(pop.name + "-"), "person_id").alias("person_id"),
        pl.col("cert_issue_date").cast(pl.Date), pl.col("application_date").cast(pl.Date),
        *(pl.col(c).replace(-1, None) for c in ("veteran_years", "care_post_months")),
        pl.col("cert_level").replace(0, None),
        pl.col("graduate_years").fill_nan(None),
    )
    return Draw(_with_priors(df, priors, w, rng), n)


def _with_priors(df: pl.DataFrame, priors: dict[str, np.ndarray], w: np.ndarray, rng) -> pl.DataFrame:
    """prior_subsidies: for each listed policy, one earlier subsidy for a share of people,
    for the claim's own occupation or item at a random level (so the upgrade-only and
    once-per-person rules bite), dated a year before the certificate.

    Built as a flat frame of the (few) prior entries, grouped into lists and joined back:
    a list-of-struct expression over every row is 50x slower."""
    levels = rng.integers(1, 6, w.size)
    parts = []
    for pid, has in priors.items():
        rows = np.flatnonzero(has[w])
        if rows.size:
            parts.append(df[rows].select(
                pl.Series("_row", rows, dtype=pl.UInt32),
                pl.struct(
                    policy_id=pl.lit(pid), occupation_code="occupation_code",
                    special_ability_item="special_ability_item",
                    cert_level=pl.when(pl.col("cert_level").is_not_null())
                    .then(pl.Series(levels[rows], dtype=pl.Int8)),
                    date=pl.col("cert_issue_date").dt.offset_by("-1y"),
                    as_employed=pl.col("employment") == "employed", as_student=pl.lit(False),
                ).cast(PRIOR_DTYPE).alias("prior_subsidies")))
    empty = pl.lit([], dtype=pl.List(PRIOR_DTYPE))
    if not parts:
        return df.with_columns(empty.alias("prior_subsidies"))
    lists = pl.concat(parts).group_by("_row").agg("prior_subsidies")
    return (df.with_row_index("_row").join(lists, on="_row", how="left", maintain_order="left")
            .with_columns(pl.col("prior_subsidies").fill_null(empty)).drop("_row"))
