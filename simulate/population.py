"""Synthetic populations: one numpy Generator per replication → a polars frame of claims.

Everything is drawn vectorised: how many hold a certificate, how many certificates each
holds and which are applied for; then, for the people who apply, their hukou, age, sex,
status and flags at the issue date; then each claim's certificate (kind, level,
occupation, issue date, issuer) and its application. Attributes nobody claims with are
not drawn. The frame satisfies the claim contract (``skillsim.policies.validate_frame``), with
narrow dtypes; the fields no scenario draws (the training side, catalog_class) take the
contract's defaults, and ``Draw.defaulted`` names them (a run's summary.json lists them).
Same seed, same frame.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from skillsim.policies import get_policy
from skillsim.policies.contract import ENUM_DTYPES, PRIOR_DTYPE, validate_frame

from .scenario import EMPLOYMENT, Population

EPOCH = dt.date(1970, 1, 1)
# Every figure about the people comes from the population's assumptions (population_defaults.toml,
# overridable from a scenario, each with a source, all in the run's manifest). What stays in code is
# mechanism, not a figure about the world: how a draw is made (uniform within an assumption's range,
# as its source says; graduate years to one decimal), the names given to occupations and items
# outside every catalog, and "other" for an issuer or school outside the city (the rules ask only
# whether it is the city).


def _draw(rng: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
    """n indices into p drawn with probabilities p. A short list (≤ 16 choices) by
    counting the cumulative shares below one uniform (~4x faster than ``rng.choice``);
    a long one (the occupation pool) by Walker's alias method, O(1) a draw (~5x faster)."""
    p = np.asarray(p, float) / np.sum(p)
    if p.size <= 16:
        cuts = np.cumsum(p)[:-1]
        cuts[p[::-1].cumsum()[::-1][1:] == 0] = np.inf  # a share of 0 at the end is never drawn
        u = rng.random(n)
        out = np.zeros(n, np.int8)
        for c in cuts:
            out += u >= c
        return out
    prob, alias = _alias_table(p)
    x = rng.random(n) * p.size
    i = np.minimum(x.astype(np.int64), p.size - 1)
    return np.where(x - i < prob[i], i, alias[i])


def _alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table: column i keeps i with probability prob[i], else gives alias[i]."""
    k = p.size
    prob, alias = p * k, np.arange(k)
    small = [i for i in range(k) if prob[i] < 1]
    large = [i for i in range(k) if prob[i] >= 1]
    while small and large:
        s, g = small.pop(), large.pop()
        alias[s] = g
        prob[g] -= 1 - prob[s]
        (small if prob[g] < 1 else large).append(g)
    prob[small + large] = 1.0  # what is left is 1 up to rounding
    return prob, alias


def _choice(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    """Indices into list(shares) drawn with those shares."""
    return _draw(rng, n, np.fromiter(shares.values(), float))


def _poisson(rng: np.random.Generator, n: int, lam: float) -> np.ndarray:
    """Poisson(lam) by inverting its distribution (cut where the tail is below 1e-12):
    exact to that, and 3x faster than ``rng.poisson`` for the small means scenarios use."""
    if lam <= 0:
        return np.zeros(n, np.int64)
    k = np.arange(int(lam + 12 * math.sqrt(lam) + 12))
    pmf = np.exp(k * math.log(lam) - lam - np.array([math.lgamma(x + 1) for x in k]))
    return _draw(rng, n, pmf) if k.size <= 16 else rng.poisson(lam, n)


def _text(labels: list[str | None], idx: np.ndarray) -> pl.Series:
    """A string column from labels and indices into them (-1 = null). Building strings
    by gathering from a short list is ~5x faster than converting a numpy string array."""
    table = pl.Series(list(labels) + [None], dtype=pl.String)
    return table.gather(np.where(idx < 0, len(labels), idx))


def _choice_of(field: str, labels: list[str | None], idx: np.ndarray) -> pl.Series:
    """A closed-vocabulary column as the contract's enum (``ENUM_DTYPES``; 5x faster to build
    than strings, a byte a row instead of 16); labels outside its choices as text, which the
    contract's check then names."""
    dtype = ENUM_DTYPES[field]
    if not set(labels) - {None} <= set(dtype.categories.to_list()):
        return _text(labels, idx)
    return pl.Series(list(labels) + [None], dtype=dtype).gather(np.where(idx < 0, len(labels), idx))


def _by_status(rng, status_idx: np.ndarray, spec: dict[str, float]) -> np.ndarray:
    p = np.array([spec["by_employment"][e] for e in EMPLOYMENT])
    return rng.random(status_idx.size) < p[status_idx]


def _bands(rng, n, bands) -> np.ndarray:
    """Integers drawn from bands [(lo, hi, share)], uniform within a band."""
    which = _draw(rng, n, np.array([b[2] for b in bands], float))
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
    claims: pl.DataFrame   # one row per certificate applied for (validated)
    holders: int           # people with at least one certificate (coverage's second denominator)
    defaulted: tuple[str, ...] = ()  # contract fields not drawn, at their defaults


def generate(pop: Population, rng: np.random.Generator, first_person: int = 0) -> Draw:
    """The claims of one population (replication drawn by ``rng``): one row per certificate
    applied for, several rows for a person with several certificates."""
    a = pop.a
    city = pop.city
    # Only certificate holders can claim, so only they are counted (the rest of the
    # population is coverage's denominator, pop.size); of them, only the certificates
    # applied for, and the people who hold one, get their attributes drawn.
    n = int(rng.binomial(pop.size, a["certificate_take_up"]["value"]))
    # ---- certificates: 1 + Poisson(extra) for each holder; who applies for which
    per = 1 + _poisson(rng, n, a["extra_certificates"]["value"])
    who = np.repeat(np.arange(n), per)
    w = who[rng.random(who.size) < a["application_take_up"]["value"]]   # holder of each claim
    m = w.size
    first = np.ones(m, bool)
    first[1:] = w[1:] != w[:-1]
    at = np.cumsum(first) - 1     # claim -> index of its person among the applicants
    k = int(first.sum())

    # ---- people (applicants: their status and flags at the issue date)
    # own first and other last, the named jurisdictions between: a city the shares name is drawn
    # where the one "other city" of earlier versions was, so their draws are unchanged
    shares = a["hukou"]["shares"]
    named = [h for h in shares if h not in ("own", "other")]
    hukou_labels = [city, *named, "other"]
    hukou = _choice(rng, k, {h: shares.get(h, 0) for h in ("own", *named, "other")})
    sex_labels = list(a["sex"]["shares"])
    sex = _choice(rng, k, a["sex"]["shares"])
    age = _bands(rng, k, a["age"]["bands"])
    status_idx = _choice(rng, k, {e: a["employment"]["shares"].get(e, 0) for e in EMPLOYMENT})
    flags = {f: _by_status(rng, status_idx, a[f]) for f in (
        "registered_unemployed", "employment_difficulty", "rural_transfer", "job_seeking_registered", "xiebao",
        "disabled", "public_sector_nonskill", "flexible_city_insurance")}
    vet = a["veterans"]
    veteran_years = np.where(rng.random(k) < vet["share"], rng.integers(0, vet["max_years"] + 1, k), -1)
    grad = a["recent_graduates"]
    is_grad = rng.random(k) < np.array([grad["by_employment"][e] for e in EMPLOYMENT])[status_idx]
    graduate_years = np.where(is_grad, np.round(rng.random(k) * grad["max_years"], 1), np.nan)
    st = a["students"]
    final_labels = list(st["final_year"])
    final = _choice(rng, k, st["final_year"])
    is_student = status_idx == EMPLOYMENT.index("student")
    none = final_labels.index("none") if "none" in final_labels else -1
    final = np.where(is_student & (final != none), final, -1)
    school = np.where(is_student, np.where(rng.random(k) < st["school_in_city"], 0, 1), -1)
    emp_at_app_p = np.array([a["employed_at_application"]["by_employment"][e] for e in EMPLOYMENT])[status_idx]
    # prior subsidies (per person, one per listed policy with its probability)
    priors = {pid: rng.random(k) < p for pid, p in a["prior_subsidies"]["policies"].items()}

    # ---- the certificates applied for
    kind_labels = list(a["cert_kind"]["shares"])
    kinds = _choice(rng, m, a["cert_kind"]["shares"])
    kind_is = {c: kinds == kind_labels.index(c) if c in kind_labels else np.zeros(m, bool)
               for c in ("skill_level", "qualification", "special_ability")}
    graded = kind_is["skill_level"] | (kind_is["qualification"]
                                       & (rng.random(m) >= a["qualification_ungraded"]["value"]))
    levels = np.asarray([int(c) for c in a["cert_level"]["shares"]])[_choice(rng, m, a["cert_level"]["shares"])]
    level = np.where(graded, levels, 0)
    codes, code_p, items = occupation_pool(pop)
    occ = _draw(rng, m, code_p)
    item = _draw(rng, m, _item_probs(pop, items))
    is_item = kind_is["special_ability"]
    care_occ = np.isin(occ, [codes.index(c) for c in a["care_sector_post"]["occupations"] if c in codes])
    occ = np.where(is_item, -1, occ)
    item = np.where(is_item, item, -1)
    d = a["issue_dates"]
    issue = (d["start"] - EPOCH).days + rng.integers(0, (d["end"] - d["start"]).days + 1, m)
    issuer = np.where(rng.random(m) < a["issuer_in_city"]["value"], 0, 1)
    route_labels = list(a["cert_route"]["shares"])
    route = _choice(rng, m, a["cert_route"]["shares"])
    delay = _bands(rng, m, a["application_delay_days"]["bands"])
    emp_c = status_idx[at] == EMPLOYMENT.index("employed")
    months_emp = np.where(emp_c, rng.integers(0, a["months_employed_after_cert"]["max"] + 1, m), 0)
    emp_at_app = rng.random(m) < emp_at_app_p[at]
    in_post = emp_at_app & (rng.random(m) < a["employed_in_matching_post"]["value"])
    ins = np.where(emp_c, rng.integers(0, a["insurance_months"]["max"] + 1, m), 0)
    care = rng.random(m) < np.where(care_occ & ~is_item, a["care_sector_post"]["care_occupations"],
                                    a["care_sector_post"]["others"])
    cps = a["care_post_start_months"]
    care_start = np.where(care, rng.integers(cps["min"], cps["max"] + 1, m), 0)
    care_months = np.where(care, rng.integers(0, a["care_post_months"]["max"] + 1, m), -1)
    other_sub = rng.random(m) < a["other_subsidy_same_cert"]["value"]
    districts = a["districts"]["shares"]
    district = _choice(rng, m, districts) if districts else np.full(m, -1)

    in_city = [city, "other"]
    cols = {
        "person_id": pl.Series(w + first_person, dtype=pl.Int64),
        "hukou": _choice_of("hukou", hukou_labels, hukou[at]), "age": pl.Series(age[at], dtype=pl.Int8),
        "sex": _choice_of("sex", sex_labels, sex[at]),
        "employment": _choice_of("employment", list(EMPLOYMENT), status_idx[at]),
        **{f: pl.Series(v[at]) for f, v in flags.items()},
        "veteran_years": pl.Series(veteran_years[at], dtype=pl.Int16),
        "graduate_years": pl.Series(graduate_years[at]),
        "student_final_year": _choice_of("student_final_year", [None if f == "none" else f for f in final_labels],
                                         final[at]),  # "none" was drawn as -1 (null) above
        "cert_kind": _choice_of("cert_kind", kind_labels, kinds),
        "occupation_code": _text(codes, occ), "special_ability_item": _text(items, item),
        "cert_level": pl.Series(level, dtype=pl.Int8),
        "cert_issue_date": pl.Series(issue, dtype=pl.Int32),
        "cert_issuer_city": _choice_of("cert_issuer_city", in_city, issuer),
        "cert_route": _choice_of("cert_route", route_labels, route),
        "application_date": pl.Series(issue + delay, dtype=pl.Int32),
        "employed_at_application": pl.Series(emp_at_app),
        "employed_in_matching_post": pl.Series(in_post),
        "months_employed_after_cert": pl.Series(months_emp, dtype=pl.Int16),
        "insurance_months": pl.Series(ins, dtype=pl.Int16),
        "care_sector_post": pl.Series(care),
        "care_post_start_months": pl.Series(care_start, dtype=pl.Int16),
        "care_post_months": pl.Series(care_months, dtype=pl.Int16),
        "school_city": _choice_of("school_city", in_city, school[at]),
        "district": _text(list(districts), district),
        "other_subsidy_same_cert": pl.Series(other_sub),
    }
    df = pl.DataFrame(cols).with_columns(
        pl.concat_str(pl.lit(pop.name + "-"), pl.col("person_id").cast(pl.String)).alias("person_id"),
        pl.col("cert_issue_date").cast(pl.Date), pl.col("application_date").cast(pl.Date),
        *(pl.col(c).replace(-1, None) for c in ("veteran_years", "care_post_months")),
        pl.col("cert_level").replace(0, None),
        pl.col("graduate_years").fill_nan(None),
    )
    df = _with_priors(df, {pid: has[at] for pid, has in priors.items()}, rng, a)
    # last: a population that draws a declared field draws everything else as it would without
    df = df.with_columns(_declared(rng, spec, status_idx[at], name) for name, spec in a.get("claim_fields", {}).items())
    claims, defaulted = validate_frame(df, defaults=True)
    return Draw(claims, n, tuple(defaulted))


def _declared(rng, spec: dict, status: np.ndarray, name: str) -> pl.Series:
    """A claim field a policy declares, drawn per claim (scenario's claim_fields): null with
    ``unknown``, else true with ``share`` / ``by_employment``, or an enum value by ``shares``."""
    m = status.size
    known = rng.random(m) >= spec["unknown"]
    if "shares" in spec:
        idx = _choice(rng, m, spec["shares"])
        labels, idx = list(spec["shares"]), np.where(known, idx, -1)
        return (_choice_of(name, labels, idx) if name in ENUM_DTYPES else _text(labels, idx)).alias(name)
    p = (np.array([spec["by_employment"][e] for e in EMPLOYMENT])[status] if "by_employment" in spec
         else np.full(m, spec["share"]))
    value = rng.random(m) < p
    out = pl.Series(name, value)
    return out if known.all() else out.zip_with(pl.Series(known), pl.repeat(None, m, dtype=pl.Boolean, eager=True))


def _with_priors(df: pl.DataFrame, priors: dict[str, np.ndarray], rng, a: dict) -> pl.DataFrame:
    """prior_subsidies: for each listed policy, one earlier subsidy for a share of people,
    for the claim's own occupation or item (so the upgrade-only and once-per-person rules
    bite) at a level drawn from ``prior_subsidy_level`` (a graded certificate's), dated
    ``prior_subsidy_months_before`` months before the certificate. Paid as employed if the
    person is employed; never as a student (a mechanism, not a figure: SHSU-R3's once-only
    is exercised between a population's own claims, which the runner caps).

    The (few) entries are built as one flat struct column in claim order and cut into
    lists by offsets (arrow's ListArray): no per-row list expression (50x slower) and no
    group-by and join."""
    import pyarrow as pa  # here, not at import: commands that draw nothing skip its ~50 ms

    pids = list(priors)
    rows = np.concatenate([np.flatnonzero(has) for has in priors.values()] + [np.zeros(0, np.int64)])
    which = np.repeat(np.arange(len(pids)), [int(has.sum()) for has in priors.values()])
    order = np.argsort(rows, kind="stable")  # by claim, then in the scenario's policy order
    rows, which = rows[order], which[order]
    shares = a["prior_subsidy_level"]["shares"]
    levels = np.array([int(k) for k in shares])[_choice(rng, rows.size, shares)]
    values = df[rows].select(pl.struct(
        policy_id=_text(pids, which), occupation_code="occupation_code",
        special_ability_item="special_ability_item",
        cert_level=pl.when(pl.col("cert_level").is_not_null()).then(pl.Series(levels, dtype=pl.Int8)),
        date=pl.col("cert_issue_date").dt.offset_by(f"-{a['prior_subsidy_months_before']['value']}mo"),
        as_employed=pl.col("employment") == "employed", as_student=pl.lit(False),
    ).cast(PRIOR_DTYPE)).to_series()
    offsets = np.zeros(df.height + 1, np.int32)
    np.cumsum(np.bincount(rows, minlength=df.height), out=offsets[1:])
    # from_buffers, not pa.array(numpy): the latter imports pandas (~1 s on first use)
    offsets_arrow = pa.Array.from_buffers(pa.int32(), offsets.size, [None, pa.py_buffer(offsets)])
    lists = pa.ListArray.from_arrays(offsets_arrow, values.to_arrow())
    return df.with_columns(pl.Series("prior_subsidies", lists).cast(pl.List(PRIOR_DTYPE)))
