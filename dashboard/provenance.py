"""What the figures rest on (issue 16, item 2): one panel for every page that shows a simulated
figure (Compare, Cash flow, Reform, Sweep).

It says that the people are synthetic, gives the scenario's description and every assumption
with its source and grade (the grade the source text states, "grade A/B/C", else
"illustrative" or "assumed"), the range of each uncertain one, the policies' own assumed
parameters, what was changed for the run, what an interval means, and the published figures
the scenario is checked against (the validation table where a run has them). Everything is
read from where the run keeps it: summary.json (its ``assumptions``, manifest ``uncertain``,
``parameters``, ``run_changes`` and ``validation``), the scenario itself (the Reform page's
drawn population), or a sweep's manifest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import polars as pl
import streamlit as st

from skillsim.policies import UnknownPolicy, get_policy
from skillsim.policies.claim_schema import FIELD_BY_NAME
from skillsim.simulate import report, scenario

from . import figures, formats, ui
from .labels import TEXT, t
from .names import field_label, in_language, param_label

C = pl.col

GRADE = re.compile(r"\bgrade\s+([ABC])\b", re.IGNORECASE)
ILLUSTRATIVE = re.compile(r"^\s*(assumed\s*\(\s*)?illustrative", re.IGNORECASE)

# A population assumption's plain name (simulate/assumptions.py's keys that are no claim field;
# those that are take the claim field's name): (中文, English)
ASSUMPTION_LABELS: dict[str, tuple[str, str]] = {
    "size": ("人群规模", "Population size"),
    "certificate_take_up": ("取证率", "Certificate take-up"),
    "application_take_up": ("申领率", "Application take-up"),
    "extra_certificates": ("每人另取的证书数", "Further certificates per holder"),
    "application_delay_days": ("获证到申请的天数", "Days from certificate to application"),
    "issue_dates": ("证书核发日期", "Certificate issue dates"),
    "issuer_in_city": ("本地发证比例", "Certificates issued in the city"),
    "occupations": ("职业分布", "Occupations"),
    "special_ability_items": ("专项职业能力项目", "Special-ability items"),
    "districts": ("所在区", "Districts"),
    "students": ("毕业学年学生", "Final-year students"),
    "recent_graduates": ("离校未就业高校毕业生", "Recent graduates"),
    "veterans": ("退役士兵", "Veterans"),
    "qualification_ungraded": ("不分等级的职业资格", "Ungraded qualifications"),
    "prior_subsidy_level": ("既往补贴的证书等级", "Level of an earlier subsidy"),
    "prior_subsidy_months_before": ("既往补贴的时间", "When an earlier subsidy was paid"),
    "hire_to_training_days": ("入职到培训的天数", "Days from hiring to training"),
    "training_hours_spread": ("培训课时的分布", "Spread of training hours"),
    "unknown_class_shares": ("目录未列职业的类别份额", "Class shares of occupations the catalog does not name"),
    "target": ("任务量", "Target (places)"),
    "eligible_share": ("符合条件的比例", "Eligible share"),
    "plan_years": ("培养计划年限", "Plan years"),
    "award_share": ("获个人奖励的比例", "Share with a personal award"),
    "occupation": ("职业", "Occupation"),
}
COHORT = re.compile(r"^cohorts\[(\d+)\]\.(.+)$")
CHANGED = {"size": "run_size", "replications": "run_replications", "seed": "run_seed"}   # labels.TEXT keys


@dataclass(frozen=True)
class Basis:
    """What one run's figures rest on."""
    name: str
    description: str | None
    seed: int | None
    replications: int | None
    sizes: Mapping[str, Any]
    sources: Mapping[str, str]                       # assumption key -> source (the scenario's sources)
    uncertain: tuple[Mapping[str, Any], ...] = ()    # the uncertain specs (simulate/uncertainty.py as_dict)
    policy_assumptions: tuple[tuple[str, str, str], ...] = ()   # (policy id, parameter, source)
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)   # run_changes: key -> from, to, by
    validation: tuple[Mapping[str, Any], ...] = ()   # summary.json's validation rows
    targets: tuple[Mapping[str, Any], ...] = ()      # the scenario's [[targets]] (a page without a full run)
    one_replication: bool = False                    # the page shows one replication: no interval
    known: bool = True                               # False: the scenario itself could not be found
    extra: Mapping[str, Any] = field(default_factory=dict)


def of_summary(name: str, summary: Mapping[str, Any]) -> Basis:
    """A run's basis from its summary.json (a ready scenario run here, or a run folder)."""
    m = summary.get("manifest") or {}
    assumed = tuple((pid, n, p.get("source") or "") for pid, variants in (m.get("parameters") or {}).items()
                    for n, p in (variants.get("baseline") or {}).items() if p.get("kind") == "assumption")
    return Basis(name, summary.get("description"), summary.get("seed"), summary.get("replications"),
                 summary.get("population_sizes") or {}, summary.get("assumptions") or {},
                 tuple(m.get("uncertain") or ()), assumed,
                 m.get("run_changes") or {}, tuple(summary.get("validation") or ()))


def _policy_assumptions(pids: list[str]) -> tuple[tuple[str, str, str], ...]:
    out = []
    for pid in pids:
        params = get_policy(pid).parameters
        out += [(pid, n, params.meta(n).source or "") for n in params if params.meta(n).kind == "assumption"]
    return tuple(out)


def of_scenario(scen: scenario.Scenario, *, one_replication: bool = False) -> Basis:
    """A scenario's basis, read from the scenario (a page that runs part of it: Reform)."""
    return Basis(scen.name, scen.description, scen.seed, scen.replications,
                 {p.name: p.size for p in scen.populations}, dict(scen.sources),
                 tuple(u.as_dict() for u in scen.uncertain), _policy_assumptions(scen.policy_ids),
                 report.run_changes(scen), (), tuple(scen.targets),
                 one_replication=one_replication)


def of_sweep(manifest: Mapping[str, Any], ready: list[str]) -> Basis:
    """A sweep's basis: its scenario's, where it is a ready scenario whose hash is the one the
    sweep ran (sweep.json's scenario); else what the sweep recorded (its uncertain assumptions
    and the swept parameters' sources)."""
    head = manifest.get("scenario") or {}
    name = head.get("name") or "?"
    changes = manifest.get("run_changes") or {}
    if name in ready:
        scen = scenario.load(name)
        if scen.digest == head.get("hash"):
            b = of_scenario(scen)
            return Basis(b.name, b.description, manifest.get("seed"), manifest.get("replications"),
                         manifest.get("population_sizes") or b.sizes, b.sources, b.uncertain, b.policy_assumptions,
                         changes, (), b.targets)
    axes = (manifest.get("grid") or {}).get("axes") or []
    return Basis(name, None, manifest.get("seed"), manifest.get("replications"),
                 manifest.get("population_sizes") or {}, {f"sweep.{a['key']}": a.get("source") or "" for a in axes},
                 tuple(manifest.get("uncertain") or ()), (), changes, known=False)


# ---------------------------------------------------------------- the validation table

# a headline figure's plain name (its unit is written in the cell or on the axis)
PLAIN = {"budget_cny": "budget", "beneficiaries": "beneficiaries", "coverage": "coverage",
         "cost_per_beneficiary_cny": "cost_per_beneficiary", "claims": "claims", "eligible_claims": "eligible_claims"}


def metric_names(column: str = "metric") -> pl.Expr:
    """The figures' names in the current language (looked up here: polars' worker threads
    cannot read the session's language)."""
    return C(column).replace({m: t(k) for m, k in PLAIN.items()})


def validation_table(checks: pl.DataFrame) -> pl.DataFrame:
    """The validation rows (figures.validation, with_series) as shown: figures written by their
    kind, the gap signed, grade C as a lead only, inside as yes / no, the whole population as
    "all" in the chosen language, nothing as —."""
    # each amount in its own unit: a published total and a model's at another size can be orders apart
    units = [None] * checks.height
    shown = figures.written(figures.written(checks, ("target", "model_mean", "model_p05", "model_p95"), units=units),
                            ("gap",), sign=True, units=units)
    return shown.select(
        C("series").alias(t("series")), metric_names().alias(t("metric")),
        C("population").replace({"all": t("all_people")}).fill_null(formats.DASH).alias(t("population")),
        pl.when(C("year") == "").then(pl.lit(t("whole_run"))).otherwise(C("year")).alias(t("payment_year")),
        C("target").alias(t("target")),
        pl.when(C("grade") == "C").then(pl.lit(t("grade_c"))).otherwise(C("grade")).alias(t("grade")),
        *(C(c).alias(t(c)) for c in ("model_mean", "model_p05", "model_p95", "gap")),
        pl.Series([formats.percent(None if v is None else v / 100) for v in checks["gap_pct"]],
                  dtype=pl.String).alias(t("gap_pct")),
        C("inside").replace_strict({True: t("yes"), False: t("no")}, default=formats.DASH, return_dtype=pl.String)
        .alias(t("inside")),
        *(C(c).fill_null(formats.DASH).alias(t(c)) for c in ("reference", "note", "warning")))


# ---------------------------------------------------------------- grades and names

def grade(source: str) -> str:
    """A source's grade as the source states it: the grades it names ("A", "A, B"), "C" as a
    lead only; an illustrative value as such (with the grades of what it cites); else assumed."""
    found = sorted(set(g.upper() for g in GRADE.findall(source or "")))
    graded = ", ".join(t("grade_c") if found == ["C"] else g for g in found) if found else ""
    if ILLUSTRATIVE.match(source or ""):
        return t("grade_illustrative") + (f" ({', '.join(found)})" if found else "")
    return graded or t("grade_assumed")



def assumption_name(name: str) -> str:
    """A population assumption's plain name: a claim field's, ASSUMPTION_LABELS', a cohort's
    "(n) name"; its key where none is known."""
    cohort = COHORT.match(name)
    if cohort:
        return f"({int(cohort.group(1)) + 1}) {assumption_name(cohort.group(2))}"
    name = name.removeprefix("claim_fields.")
    if name in FIELD_BY_NAME:
        return field_label(FIELD_BY_NAME[name])
    return in_language(ASSUMPTION_LABELS[name]) if name in ASSUMPTION_LABELS else name


def _policy_name(pid: str) -> str:
    try:
        return get_policy(pid).meta.document
    except UnknownPolicy:
        return pid


def _parameter_name(pid: str, name: str) -> str:
    try:
        params = get_policy(pid).parameters
    except UnknownPolicy:
        return name
    return param_label(params.meta(name)) if name in params else name


def where_and_what(key: str, populations: set[str]) -> tuple[str, str]:
    """An assumption key's scope (population or policy) and plain name."""
    head, _, rest = key.partition(".")
    if head in populations:
        return head, assumption_name(rest)
    if head in ("parameters", "reform") and "." in rest:
        pid, _, name = rest.partition(".")
        return _policy_name(pid), (t("reform") + ": " if head == "reform" else "") + _parameter_name(pid, name)
    if head == "catalog_assumptions" and "." in rest:
        pid, _, name = rest.partition(".")
        return _policy_name(pid), assumption_name(name)
    if head == "sweep":
        return "", rest
    return "", key


def key_name(key: str) -> str:
    """An uncertain assumption's key (simulate/uncertainty.py; a sensitivity analysis's rows) by
    its plain name: "beijing · 取证率" for populations.beijing.certificate_take_up.value, a
    parameter's "document · name"; the key itself where nothing is known of it."""
    if key.startswith("populations."):
        pop, _, rest = key.removeprefix("populations.").partition(".")
        scope, what = pop, assumption_name(rest.split(".")[0]) if rest else key
    else:
        head, _, rest = key.partition(".")
        pid, _, name = rest.partition(".")
        scope, what = where_and_what(f"{head}.{pid}.{name.split('.')[0]}" if head == "catalog_assumptions" else key,
                                     set())
    return f"{scope} · {what}" if scope else what


def _number(v: Any) -> str:
    return f"{v:,.4g}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)


def changes_text(changes: Mapping[str, Mapping[str, Any]]) -> str:
    """What the run changed from the scenario file (size, replications, seed), from → to."""
    def shown(v: Any) -> str:
        return ", ".join(f"{k} {_number(x)}" for k, x in v.items()) if isinstance(v, Mapping) else _number(v)
    return "; ".join(f"{t(CHANGED.get(k, k)) if k in CHANGED else k} {shown(c.get('from'))} → {shown(c.get('to'))}"
                     for k, c in changes.items())


def range_text(spec: Mapping[str, Any]) -> str:
    """An uncertain assumption's range, in words."""
    kind = spec.get("kind")
    if kind == "uniform":
        return t("range_uniform", low=_number(spec.get("low")), high=_number(spec.get("high")))
    if kind == "triangular":
        return t("range_triangular", low=_number(spec.get("low")), high=_number(spec.get("high")),
                 mode=_number(spec.get("mode")))
    if kind == "dirichlet":
        return t("range_dirichlet", c=_number(spec.get("concentration")))
    return t("range_other", kind=kind)


def _spec_of(key: str, specs: tuple[Mapping[str, Any], ...]) -> Mapping[str, Any] | None:
    """The uncertain spec of an assumption key (its key is the assumption's, under populations.)."""
    for spec in specs:
        k = str(spec.get("key", "")).removeprefix("populations.")
        if k == key or k.startswith(key + "."):
            return spec
    return None


ASSUMPTION_COLUMNS = ("key", "scope", "assumption", "source", "grade", "range")
HEADERS = {"scope": "basis_scope", "assumption": "assumption", "source": "reference", "grade": "grade",
           "range": "basis_range"}     # the columns' labels (labels.TEXT keys)


def assumptions(basis: Basis) -> pl.DataFrame:
    """A row per assumption of the run (its sources, in their order), with its scope, plain
    name, source, grade and, for an uncertain one, its range; the policies' assumed
    parameters after them."""
    pops = set(basis.sizes)
    rows = []
    for key, source in basis.sources.items():
        scope, what = where_and_what(key, pops)
        spec = _spec_of(key, basis.uncertain)
        rows.append((key, scope, what, source, grade(source), range_text(spec) if spec else ""))
    listed = {k for k in basis.sources}
    for spec in basis.uncertain:          # an uncertain assumption whose key has no source line of its own
        key = str(spec.get("key", "")).removeprefix("populations.")
        if not any(key == k or key.startswith(k + ".") for k in listed):
            scope, what = where_and_what(key, pops)
            rows.append((key, scope, what, spec.get("source") or "", grade(spec.get("source") or ""),
                         range_text(spec)))
    for pid, name, source in basis.policy_assumptions:
        key = f"parameters.{pid}.{name}"
        if key not in listed:
            rows.append((key, _policy_name(pid), _parameter_name(pid, name), source, grade(source), ""))
    return pl.DataFrame(rows, schema=dict.fromkeys(ASSUMPTION_COLUMNS, pl.String), orient="row")


def counts(rows: pl.DataFrame) -> dict[str, int]:
    """How many assumptions, with a graded source, illustrative, ranged."""
    illustrative = rows["grade"].str.starts_with(t("grade_illustrative")).sum()
    assumed = (rows["grade"] == t("grade_assumed")).sum()
    return {"n": rows.height, "graded": rows.height - illustrative - assumed, "illustrative": illustrative,
            "ranged": (rows["range"] != "").sum()}


def targets_table(basis: Basis) -> pl.DataFrame:
    """The scenario's published figures (no model beside them: the page did not run it whole)."""
    return pl.DataFrame([{t("figure"): t(x["metric"]) if x.get("metric") in TEXT else str(x.get("metric")), t("policy"): _policy_name(str(x.get("policy"))),
                          t("population"): x.get("population") or t("all_people"),
                          t("payment_year"): str(x.get("year") or t("whole_run")),
                          t("target"): _number(x.get("value")), t("grade"): grade(f"grade {x.get('grade')}"),
                          t("reference"): x.get("source") or ""} for x in basis.targets])


def show(basis: Basis, key: str, *, validation: pl.DataFrame | None = None) -> None:
    """The panel's contents for one run (inside an expander or a tab). ``validation``: the page's
    validation table of this run, shown as it is (None: none to show)."""
    st.markdown(t("basis_synthetic"))
    if basis.known and basis.description:
        st.caption(t("basis_description", text=basis.description))
    if not basis.known:
        st.caption(t("basis_unknown", name=basis.name))
    sizes = ", ".join(f"{p} {_number(v)}" for p, v in basis.sizes.items())
    st.caption(t("basis_run", name=basis.name, seed=basis.seed, reps=basis.replications, sizes=sizes))
    if basis.changes:
        st.caption(t("basis_changes", notes=changes_text(basis.changes)))
    rows = assumptions(basis)
    st.caption(t("basis_counts", **counts(rows)))
    st.dataframe(rows.drop("key").rename({c: t(HEADERS[c]) for c in ASSUMPTION_COLUMNS if c != "key"}),
                 hide_index=True, key=f"{key}_assumptions")
    ui.download(rows, f"skillsim-basis-{basis.name}", f"{key}_download")
    if basis.one_replication:
        st.caption(t("basis_one_replication"))
    else:
        st.caption(t("basis_interval", note=t("interval_note")))
    if validation is not None and validation.height:
        st.markdown(f"**{t('validation')}**")
        st.caption(t("validation_intro"))
        st.dataframe(validation, hide_index=True, key=f"{key}_validation")
    elif basis.targets:
        st.caption(t("basis_targets", n=len(basis.targets)))
        st.dataframe(targets_table(basis), hide_index=True, key=f"{key}_targets")
    elif basis.validation:
        st.caption(t("basis_validation_elsewhere"))
    else:
        st.caption(t("basis_no_targets"))
    if basis.uncertain:
        st.caption(t("basis_tornado", n=len(basis.uncertain)))


def panel(bases: list[tuple[Basis, pl.DataFrame | None]], key: str) -> None:
    """"What these figures rest on": one expander, a tab per run where there are several."""
    if not bases:
        return
    with st.expander(t("basis")):
        if len(bases) == 1:
            show(bases[0][0], key, validation=bases[0][1])
            return
        for i, (tab, (basis, checks)) in enumerate(zip(st.tabs([b.name for b, _ in bases]), bases)):
            with tab:
                show(basis, f"{key}_{i}", validation=checks)
