"""The calculator interface: a policy is metadata + parameters + rules + vectorised logic.

A policy subclass says *what* decides (``checks``: the rules a claim can fail, in
order; ``notes``: what an eligible claim is paid under) and adds its derived
columns in ``derive``. This module turns that into one polars plan over a whole
frame of claims. ``explain`` runs the very same plan on a one-row frame, so the
scalar and vectorised answers can never disagree (OpenFisca's tracer idea: the
explanation is a record of the computation, not a second code path).

Result columns (docs/claim-contract.md, extended): policy_id, status, amount_cny,
base_amount_cny, rate, payee, funding, deciding_rule, category, tier,
payment_month, and, on request, rules (ids) and reasons ({rule, clause, message}).
"""
from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Literal, Mapping, Sequence

import polars as pl

from .contract import PRIOR_DTYPE, claims_frame, validate_frame
from .messages import Messages, load_messages
from .money import apply_pct
from .parameters import RULE_PREFIX, ParameterSet
from .rulebook import Rule, load_rules

if TYPE_CHECKING:
    from .cohort_lines import CohortLines

STATUSES = ("eligible", "ineligible", "needs_info", "out_of_scope")
PAYEES = ("individual", "employer", "host", "training_body")
Detail = Literal["amounts", "rules", "reasons"]

FUNDING_DTYPE = pl.Struct({
    "source": pl.String, "city_cny": pl.Int64, "district_cny": pl.Int64,
    "district": pl.String, "district_basis": pl.String,
})
REASON_DTYPE = pl.Struct({"rule": pl.String, "clause": pl.String, "message": pl.String})


# polars' in-memory engine, not the streaming default of polars 2: these plans are wide
# (dozens of columns derived at once) over frames that fit in memory, and it runs them
# 10-40 % faster, the small between-claims plans of the caps most of all.
ENGINE = "in-memory"
# Claims ``Policy.evaluate`` puts through one plan at most: a larger frame goes in slices of this
# many rows, so its peak memory is the results' and one slice's working columns, whatever its size.
SLICE_ROWS = 1_000_000


def collect(lf: pl.LazyFrame) -> pl.DataFrame:
    return lf.collect(engine=ENGINE)


class PolicyError(ValueError):
    """A policy that cannot run as asked (e.g. a scenario left out amounts it needs)."""


# What every Policy subclass must define (docs/plugin-interface.md); the other hooks have
# defaults. A class that lacks one is refused when constructed, naming it (a registered
# plug-in: one warning line, skillsim policies lists it as broken).
REQUIRED_HOOKS = ("derive", "checks", "notes", "amount_rule", "funding", "payment_month")


@dataclass(frozen=True)
class Check:
    """A rule a claim can fail. ``fails`` is True where it fails (null counts as not)."""
    rule: str
    fails: pl.Expr
    why: pl.Expr | str
    status: Literal["ineligible", "needs_info", "out_of_scope"] = "ineligible"


@dataclass(frozen=True)
class Note:
    """A rule that an eligible claim is decided or paid under (shown in its reasons)."""
    rule: str
    message: pl.Expr | str
    where: pl.Expr | None = None


def fmt(template: str, *exprs: pl.Expr | str) -> pl.Expr:
    """``pl.format`` that prints a null as '—' instead of nulling the message."""
    cols = [(pl.col(e) if isinstance(e, str) else e).cast(pl.String).fill_null("—") for e in exprs]
    return pl.format(template, *cols)


def by_distinct(expr: pl.Expr, f: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``f(expr)``, computed once per distinct value and mapped back. For calendar
    arithmetic (offset_by, month_start: ~100 ns a row) over dates that claims share by
    the hundred: 3-10x faster. Nulls stay null."""
    distinct = expr.drop_nulls().unique()
    return expr.replace_strict(distinct, f(distinct), default=None)


def col_in(name: str, values: Sequence[str]) -> pl.Expr:
    """The column's value is one of ``values``: on text, or on an enum (the contract's closed
    vocabularies, ``contract.ENUM_DTYPES``) without turning it into text; a value not among an
    enum's categories is simply never there. Null stays null."""
    return pl.col(name).is_in(list(values))


def prior(field: str) -> pl.Expr:
    """A field of one prior subsidy, for ``Policy.prior_features`` conditions."""
    return pl.col("prior_subsidies").struct.field(field)


@dataclass(frozen=True)
class ClassMaps:
    """A policy's catalog classes (SHSU-K1's classes, BJKG-C3's tiers): the classes there
    are, and occupation code -> class and special-ability item -> class as the catalog (with
    a reform's ``catalog_overrides``) gives them."""
    classes: tuple[str, ...]
    occupations: dict[str, str]
    items: dict[str, str]


@dataclass(frozen=True)
class PolicyMeta:
    id: str
    city: str
    city_name: dict[str, str]  # the jurisdiction's name: {zh = "北京", en = "Beijing"} (lists and labels)
    rule_prefix: str  # every rule id of the policy is <rule_prefix>-…
    year: int
    title: str
    document: str
    issuer: str
    in_force_from: dt.date
    in_force_until: dt.date | None
    certificates_from: dt.date | None
    certificates_until: dt.date | None
    payee: str
    source_file: str  # the official text, relative to policy.toml's folder
    status: str  # "in force" | "expired" | "draft"
    summary: str
    lineage: dict[str, str]
    tiers: dict[str, Any]  # [tiers]: what the dashboard's Tiers view varies ({}: not by level; Policy.tier_probes)

    @classmethod
    def load(cls, path: Path) -> "PolicyMeta":
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"{path}: unknown key {sorted(unknown)[0]!r}")
        raw.setdefault("in_force_until", None)
        raw.setdefault("certificates_from", None)
        raw.setdefault("certificates_until", None)
        raw.setdefault("lineage", {})
        raw.setdefault("tiers", {})
        if not isinstance(raw["tiers"], dict):
            raise ValueError(f"{path}: tiers must be a table ([tiers])")
        missing = known - set(raw)
        if missing:
            raise ValueError(f"{path}: missing {sorted(missing)[0]!r}")
        if not isinstance(raw["rule_prefix"], str) or not RULE_PREFIX.fullmatch(raw["rule_prefix"]):
            raise ValueError(f"{path}: rule_prefix {raw['rule_prefix']!r} is not 2–8 capitals and digits, "
                             "a capital first")
        name = raw["city_name"]
        if not (isinstance(name, dict) and set(name) == {"zh", "en"} and all(isinstance(v, str) and v.strip()
                                                                             for v in name.values())):
            raise ValueError(f"{path}: city_name must be {{ zh = \"…\", en = \"…\" }}")
        if raw["payee"] not in PAYEES and raw["payee"] != "several":
            raise ValueError(f"{path}: payee {raw['payee']!r}")
        # the official text travels with the policy: a rule's clause must be readable beside it
        if not (path.parent / raw["source_file"]).is_file():
            raise ValueError(f"{path}: source_file {raw['source_file']!r} is not a file beside it")
        return cls(**raw)

    def governs(self, issue_date: dt.date) -> bool:
        lo, hi = self.certificates_from, self.certificates_until
        return (lo is None or issue_date >= lo) and (hi is None or issue_date <= hi)


class Policy:
    """Base class of every calculator. A subclass lives in a folder with
    policy.toml (metadata), parameters.toml, rules.toml and its catalogs, and defines the
    hooks of ``REQUIRED_HOOKS``; every other hook has a default (docs/plugin-interface.md).
    A plug-in imports it from ``skillsim.plugin``."""

    # the folder of policy.toml, rules.toml, parameters.toml, text.txt (required: Path(__file__).parent)
    folder: ClassVar[Path]
    payee_expr: ClassVar[str] = "individual"
    # Claim fields besides person_id whose shared values tie claims' results together in
    # population_caps (an enterprise's or a project's yearly cap): claims may be cut into parts
    # and run apart only when this is empty (simulate's runner.run_policy_on_parts).
    # Default (): caps per person at most. beijing-2019-skills-action (employer_id, project_id)
    # and beijing-2026-high-skill-training (host_id) set it.
    cap_groups: ClassVar[tuple[str, ...]] = ()
    # True: a higher level never pays less, so the conformance kit checks it ("level
    # monotonicity"). Default False (not checked); beijing-2026-key-groups and
    # shanghai-2025-skills-upgrade set it.
    level_monotone: ClassVar[bool] = False
    # Payments a claim makes besides amount_cny, to someone other than its payee: result column
    # -> who receives it (one of PAYEES). Part of the claim's public cost: simulate's budgets
    # add them and its recipient breakdown names them. Default {} (none);
    # beijing-2019-skills-action sets its top-up and its personal award.
    second_payments: ClassVar[Mapping[str, str]] = {}

    def __init__(self) -> None:
        self.meta = PolicyMeta.load(self.folder / "policy.toml")
        self.id = self.meta.id
        self.rules: dict[str, Rule] = load_rules(self.folder / "rules.toml")
        self.parameters = ParameterSet.load(self.folder / "parameters.toml", self.id)
        # a rule id names its policy: one policy's ids never pass for another's
        own = self.meta.rule_prefix + "-"
        for rid in self.rules:
            if not rid.startswith(own):
                raise ValueError(f"{self.id}: rule {rid} of rules.toml lacks the policy's prefix {own}")
        for col, who in self.second_payments.items():
            if who not in PAYEES:
                raise ValueError(f"{self.id}: second payment {col} goes to {who!r}, not one of {', '.join(PAYEES)}")
        for name in self.parameters:
            rid = self.parameters.meta(name).rule
            if not rid.startswith(own):
                raise ValueError(f"{self.id}: parameter {name} cites {rid}, not a rule of prefix {own}")
            self._known_rule(rid, f"parameter {name}")
        missing = [h for h in REQUIRED_HOOKS if getattr(type(self), h) is getattr(Policy, h)]
        if missing:
            raise PolicyError(f"{self.id}: {type(self).__name__} must define {', '.join(missing)} "
                              "(docs/plugin-interface.md)")

    def _known_rule(self, rid: str, where: str) -> Rule:
        if rid not in self.rules:
            raise ValueError(f"{self.id}: {where} cites {rid}, which rules.toml lacks")
        return self.rules[rid]

    # ---- what a subclass must provide (REQUIRED_HOOKS) ---------------------------------
    # Each returns polars expressions or adds columns: it runs once over a whole frame of
    # claims, never per claim. ``p`` is the parameter set in force (a reform's overrides included).
    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """Required. Add the columns the checks need: at least _base (int, yuan) and _rate_pct (a
        percentage, at most two decimals): the amount is money.apply_pct(_base, _rate_pct).
        Columns whose names start with _ are dropped from the result; a claim's own columns are
        not replaced (the result holds them as given). Every policy defines it."""
        raise NotImplementedError

    def checks(self, p: ParameterSet) -> list[Check]:
        """Required. The rules a claim can fail, each a ``Check(rule, fails, why, status)``; the
        first that fails, out_of_scope before ineligible before needs_info, decides the claim.
        An empty list: every claim is eligible. Every policy defines it."""
        raise NotImplementedError

    def notes(self, p: ParameterSet) -> list[Note]:
        """Required. The rules an eligible claim is decided and paid under, each a
        ``Note(rule, message, where)``: its reasons (and ``rules``). Every policy defines it."""
        raise NotImplementedError

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        """Required. The rule id that sets an eligible claim's amount (its deciding_rule): a
        ``pl.lit`` or an expression choosing among rule ids. Every policy defines it."""
        raise NotImplementedError

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        """Required. Who pays ``amount``: a struct of FUNDING_DTYPE (source, city_cny,
        district_cny, district, district_basis). Every policy defines it (shanghai-2025-skills-upgrade
        and beijing-2025-project-training-draft split city and district; the others pay it all
        from one fund, a text parameter ``fund``)."""
        raise NotImplementedError

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        """Required. The month an eligible claim is paid (a date, the month's first day; null where
        the text sets no timing, as beijing-2025-project-training-draft). Every policy defines it
        (most: the application's month plus an assumed delay, payment_delay_months)."""
        raise NotImplementedError

    # ---- what a subclass may override (each has a default) ------------------------------
    def category(self, p: ParameterSet) -> pl.Expr:
        """The group or category an eligible claim was decided under (a string; ``result.category``).
        Default: null. Every built-in policy sets it (e.g. beijing-2026-key-groups' key group)."""
        return pl.lit(None, pl.String)

    def tier(self, p: ParameterSet) -> pl.Expr:
        """The tier or class of the claim's certificate (a string; ``result.tier``). Default: null.
        beijing-2026-key-groups (tier A/B), shanghai-2025-skills-upgrade (class A/B/C) set it."""
        return pl.lit(None, pl.String)

    def payee(self, p: ParameterSet) -> pl.Expr:
        """Who is paid (one of PAYEES). Default: policy.toml's ``payee``. beijing-2019-skills-action
        and beijing-2025-project-training-draft, whose lines pay different payees, override it."""
        return pl.lit(self.meta.payee)

    def population_caps(self, results: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        """Caps across a population's claims (per person, per enterprise, per year).

        ``results`` is ``evaluate``'s output over a whole population (with ``rules``);
        return the same rows, with claims beyond a cap turned down by ``cap_claims``.
        One claim alone is capped by its ``prior_subsidies`` in ``checks``; this hook
        applies the same rule between claims of one population. Default: no caps between
        claims. Per-person caps: ``return caps.in_order(self, results, p)`` (shanghai-2025-skills-upgrade,
        beijing-2026-key-groups); a group's yearly total: ``caps.cap_total``
        (beijing-2019-skills-action, beijing-2026-high-skill-training; name it in ``cap_groups``).
        """
        return results

    def as_prior(self, p: ParameterSet) -> pl.Expr:
        """How a claim paid in a population stands as a prior subsidy of the same person's
        later claims (``caps.in_order``): a prior_subsidies item over the result row, dated
        the application; null where a paid claim is no prior subsidy of the person. Default:
        this policy's id, the certificate's occupation, item and level, dated the application.
        shanghai-2025-skills-upgrade and beijing-2019-skills-action override it."""
        return pl.struct(policy_id=pl.lit(self.id), occupation_code=pl.col("occupation_code"),
                         special_ability_item=pl.col("special_ability_item"), cert_level=pl.col("cert_level"),
                         date=pl.col("application_date"), as_employed=pl.lit(None, pl.Boolean),
                         as_student=pl.lit(None, pl.Boolean)).cast(PRIOR_DTYPE)

    def missing_parameters(self, p: ParameterSet) -> list[str]:
        """Parameters a scenario must supply before this policy can cost anything (evaluate
        refuses with PolicyError naming them). Default: none. beijing-2025-project-training-draft
        (a draft without amounts) overrides it."""
        return []

    def tier_probes(self) -> dict[str, Any] | None:
        """How to show this policy's amounts by level (the dashboard's Tiers view): policy.toml's
        [tiers] declaration, or None where the amounts do not go by level. It names an example
        of examples.json whose claim the probes vary (``example``), the levels (``levels``:
        5 … 1 and "ungraded", with the fields of an ``ungraded`` claim), the tier or class
        field and its values (``field``, ``values``), the rules that set the amounts
        (``rules``) and optional alternative views (``variants``: a label and claim fields
        each); docs/plugin-interface.md, "Tiers". The view evaluates every probe claim with
        this policy, so what it shows is what the calculator pays. Every policy that pays by
        level declares one."""
        return self.meta.tiers or None

    def examples(self) -> list[dict[str, Any]]:
        """Worked claims the policy pays (``examples.json`` beside policy.toml; [] if none):
        each ``{"name", "claim", "expected": {status, amount_cny, ...}, "parameters"?}``, where
        ``parameters`` are overrides the claim is paid under (a draft's amounts). The
        conformance kit (skillsim.testing) draws its claims from them. Every policy keeps the
        default (the file); none overrides it."""
        path = self.folder / "examples.json"
        if not path.is_file():
            return []
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)

    @cached_property
    def messages(self) -> Messages:
        """The policy's per-claim messages in Chinese (``messages.zh.toml`` beside policy.toml,
        policies/messages.py; the engine's own, such as a cap's trimming, added): English
        template -> Chinese template. Optional: without the file the messages stay English
        (the conformance kit warns). Raises MessagesError for a file that cannot be read.
        Every policy keeps the default (the file); none overrides it."""
        return load_messages(self.folder)

    def class_maps(self, p: ParameterSet) -> ClassMaps | None:
        """The catalog's classes under ``p`` (its catalog_overrides included); None: this
        policy has no catalog classes, so a scenario cannot assume any for it. Default: None.
        shanghai-2025-skills-upgrade and beijing-2026-key-groups override it."""
        return None

    def cohort_lines(self) -> CohortLines | None:
        """The policy's funding lines as cohorts of training places (policies/cohort_lines.py):
        what a scenario's ``[[populations.cohorts]]`` may give per line and how places are
        drawn, for a plan that counts person-times by agency and line. None: this policy's
        claims are not drawn as places. Default: None; beijing-2019-skills-action overrides it."""
        return None

    @staticmethod
    def assumed_class(p: ParameterSet, item: pl.Expr) -> pl.Expr:
        """The class ``p``'s assumed classes give the claim's occupation code (or, where
        ``item`` holds, its special-ability item); null where none. A policy with classes
        takes it last, after the claim's own catalog_class and everything the law says. A
        helper for ``derive`` of a policy with ``class_maps`` (shanghai-2025-skills-upgrade,
        beijing-2026-key-groups call it); not meant to be overridden."""
        assumed = p.assumed_classes
        if not assumed:
            return pl.lit(None, pl.String)
        return (pl.when(item).then(pl.col("special_ability_item").replace_strict(
                    dict(assumed.items), default=None, return_dtype=pl.String))
                .otherwise(pl.col("occupation_code").replace_strict(
                    dict(assumed.occupations), default=None, return_dtype=pl.String)))

    # ---- the engine -------------------------------------------------------------------
    def params(self, overrides: Mapping[str, Any] | None = None) -> ParameterSet:
        return self.parameters.override(overrides) if overrides else self.parameters

    def evaluate(self, claims: pl.DataFrame | pl.LazyFrame, params: ParameterSet | None = None,
                 *, detail: Detail = "rules", validate: bool = True) -> pl.LazyFrame:
        """Every claim's result under this policy, as a lazy frame of claims + results: the
        hooks above turned into one polars plan. Not overridden but by beijing-2019-skills-action,
        which wraps it to add its second payments."""
        p = params or self.parameters
        missing = self.missing_parameters(p)
        if missing:
            raise PolicyError(f"{self.id}: a scenario must supply {', '.join(missing)} "
                              "(the text gives no amount); skillsim explain takes its amounts as --set NAME=VALUE")
        if validate:
            claims = validate_frame(claims)
        given = claims.lazy() if isinstance(claims, pl.DataFrame) else claims
        # A large frame in slices of SLICE_ROWS, one after the other: every check reads its own
        # claim's row, so the slices' results stacked are the whole frame's, and only one slice's
        # intermediate columns are held at a time (issue 17: memory flat with size).
        if isinstance(claims, pl.DataFrame) and claims.height > SLICE_ROWS:
            added = pl.concat([self._added(claims.slice(at, SLICE_ROWS).lazy(), p, detail)
                               for at in range(0, claims.height, SLICE_ROWS)], parallel=False)
        else:
            added = self._added(given, p, detail)
        return pl.concat([given, added], how="horizontal")

    def _added(self, lf: pl.LazyFrame, p: ParameterSet, detail: Detail) -> pl.LazyFrame:
        """The result columns of the claims of ``lf``, without the claims' own columns."""
        own = lf.collect_schema().names()
        lf = self.derive(lf, p)
        checks = self.checks(p)
        for c in checks:
            self._known_rule(c.rule, "a check")
        # each check once, as a column; the first failed in status order (out of scope, then
        # ineligible, then needs info) sets the status and the deciding rule, else the rule
        # that set the amount decides. Found as an index and gathered from the ids and
        # statuses: a string column per check costs 4x more.
        lf = lf.with_columns(c.fails.fill_null(False).alias(f"_fail{i}") for i, c in enumerate(checks))
        fails = [pl.col(f"_fail{i}") for i in range(len(checks))]
        ordered = [i for s in ("out_of_scope", "ineligible", "needs_info")
                   for i, c in enumerate(checks) if c.status == s]
        first = pl.coalesce([pl.when(fails[i]).then(pl.lit(k, pl.UInt32)) for k, i in enumerate(ordered)]
                            + [pl.lit(None, pl.UInt32)])
        lf = lf.with_columns(first.alias("_first_fail"))
        first, passed = pl.col("_first_fail"), pl.col("_first_fail").is_null()
        statuses = pl.lit(pl.Series([checks[i].status for i in ordered], dtype=pl.String))
        ids = pl.lit(pl.Series([checks[i].rule for i in ordered], dtype=pl.String))
        status = pl.when(passed).then(pl.lit("eligible")).otherwise(statuses.gather(first))
        deciding = pl.when(passed).then(self.amount_rule(p)).otherwise(ids.gather(first))
        eligible = pl.col("status") == "eligible"
        amount = pl.when(eligible).then(apply_pct(pl.col("_base"), pl.col("_rate_pct"))).otherwise(0).cast(pl.Int64)
        lf = lf.with_columns(status.alias("status"), deciding.alias("deciding_rule"))
        lf = lf.with_columns(
            pl.lit(self.id).alias("policy_id"),
            amount.alias("amount_cny"),
            pl.when(eligible).then(pl.col("_base").cast(pl.Int64)).alias("base_amount_cny"),
            pl.when(eligible).then(pl.col("_rate_pct").cast(pl.Float64) / 100).alias("rate"),
            self.payee(p).alias("payee"),
            pl.when(eligible).then(self.category(p)).cast(pl.String).alias("category"),
            self.tier(p).cast(pl.String).alias("tier"),
            pl.when(eligible).then(self.payment_month(p)).alias("payment_month"),
        )
        lf = lf.with_columns(self.funding(p, pl.col("amount_cny")).cast(FUNDING_DTYPE).alias("funding"))
        if detail in ("rules", "reasons"):
            notes = self.notes(p)
            for n in notes:
                self._known_rule(n.rule, "a note")
            conds = ([(c.rule, ~eligible & f, c.why) for c, f in zip(checks, fails)]
                     + [(n.rule, eligible & (n.where.fill_null(False) if n.where is not None else True), n.message)
                        for n in notes])
            lf = self._rule_ids(lf, conds) if detail == "rules" else lf.with_columns(self._reasons(conds))
        # The new columns only (evaluate puts them beside the claims as given), so polars
        # reads just the claim columns the hooks use instead of carrying every one (strings, the
        # prior_subsidies lists) through each step (issue 17: ~40 % of a policy's time at a million
        # claims). derive adds columns and never replaces a claim's own (Policy.derive).
        return lf.select(n for n in lf.collect_schema().names() if n not in own and not n.startswith("_"))

    @staticmethod
    def _rule_ids(lf: pl.LazyFrame, conds: list[tuple[str, pl.Expr, Any]]) -> pl.LazyFrame:
        """``rules``: the ids of the checks a claim failed, or of the notes it was paid under.

        Which of them hold is packed into bit words per claim; the lists are built once per
        distinct word (a few hundred in a population) and joined back. A list of every id
        per claim, nulls dropped, costs 8x more (~3 s for half a million claims)."""
        if not conds:
            return lf.with_columns(pl.lit([], pl.List(pl.String)).alias("rules"))
        words = []
        for w in range(0, len(conds), 62):
            part = conds[w:w + 62]
            words.append(pl.sum_horizontal([pl.when(cond).then(pl.lit(1 << b, pl.Int64)).otherwise(pl.lit(0, pl.Int64))
                                            for b, (_, cond, _) in enumerate(part)]).alias(f"_rules_word{w // 62}"))
        lf = lf.with_columns(words)
        names = [f"_rules_word{w // 62}" for w in range(0, len(conds), 62)]
        ids = [pl.when((pl.col(names[i // 62]) & pl.lit(1 << (i % 62), pl.Int64)) != 0).then(pl.lit(rule))
               for i, (rule, _, _) in enumerate(conds)]
        table = lf.select(names).unique().with_columns(pl.concat_list(ids).list.drop_nulls().alias("rules"))
        return lf.join(table, on=names, how="left", maintain_order="left")

    def _reasons(self, conds: list[tuple[str, pl.Expr, Any]]) -> list[pl.Expr]:
        """``reasons``: {rule, clause, message} of each check failed or note paid under."""
        parts = [pl.when(cond).then(pl.struct(rule=pl.lit(rule), clause=pl.lit(self.rules[rule].clause),
                                             message=(pl.lit(msg) if isinstance(msg, str) else msg).cast(pl.String)))
                 for rule, cond, msg in conds]
        return [pl.concat_list(parts).list.drop_nulls().alias("reasons")]

    @staticmethod
    def prior_features(lf: pl.LazyFrame, features: Mapping[str, tuple[pl.Expr, str]]) -> pl.LazyFrame:
        """Per-claim facts about its prior_subsidies: name -> (condition, "any" | "count").

        Conditions may use ``prior(field)`` and the claim's own columns. Only claims
        that have prior subsidies are exploded; the rest get False / 0. A helper for
        ``derive`` (every built-in policy that caps by earlier subsidies calls it), not a hook.
        """
        indexed = lf.with_row_index("_row")
        has = indexed.filter(pl.col("prior_subsidies").list.len() > 0).explode("prior_subsidies")
        aggs = [(cond.fill_null(False).any() if how == "any" else cond.fill_null(False).sum())
                .alias(name) for name, (cond, how) in features.items()]
        agg = has.group_by("_row").agg(aggs)
        fill = [pl.col(n).fill_null(False if how == "any" else 0) for n, (_, how) in features.items()]
        # Join the row numbers only, then put the feature columns beside the claims: joining
        # the wide frame itself would copy every column (~0.3 s a million claims).
        feats = (indexed.select("_row").join(agg, on="_row", how="left", maintain_order="left")
                 .select(fill))
        return pl.concat([lf, feats], how="horizontal")

    # ---- one claim ------------------------------------------------------------------
    def explain(self, claim: Mapping[str, Any], params: ParameterSet | None = None) -> dict[str, Any]:
        """The result of one claim (parsed JSON), with every deciding rule and its clause:
        ``evaluate`` over a one-row frame, so the two cannot disagree. Not overridden but by
        beijing-2019-skills-action (its second payments)."""
        frame = claims_frame([claim])
        row = collect(self.evaluate(frame, params, detail="reasons", validate=False)).row(0, named=True)
        return result_dict(row)

    # ---- documentation --------------------------------------------------------------
    @cached_property
    def catalog(self) -> pl.DataFrame | None:
        """The policy's catalog (``catalogs.load_catalog``: CSV, a source on every row) for
        ``skillsim catalog`` and the kit. Default: None. shanghai-2025-skills-upgrade and
        beijing-2026-key-groups override it (a cached_property)."""
        return None

    def known_codes(self) -> tuple[list[str], list[str]]:
        """Occupation codes and special-ability items this policy's data files name
        (a synthetic population draws its occupations from them). Default: the catalog's
        ``code`` column and its special_ability rows' ``name``; none without a catalog.
        shanghai-2025-skills-upgrade overrides it."""
        cat = self.catalog
        if cat is None or "code" not in cat.columns:
            return [], []
        codes = cat.filter(pl.col("code").is_not_null())["code"].to_list()
        items = cat.filter(pl.col("kind") == "special_ability")["name"].to_list() if "kind" in cat.columns else []
        return codes, items

    def describe(self) -> dict[str, Any]:
        m = self.meta
        return {"id": m.id, "city": m.city, "year": m.year, "title": m.title,
                "document": m.document, "status": m.status, "payee": m.payee,
                "in_force_from": m.in_force_from, "in_force_until": m.in_force_until,
                "certificates_from": m.certificates_from, "certificates_until": m.certificates_until}


def cap_claims(results: pl.LazyFrame, capped: pl.Expr, rule: str) -> pl.LazyFrame:
    """Turn down the eligible claims where ``capped`` holds: ineligible under ``rule``."""
    hit = capped.fill_null(False) & (pl.col("status") == "eligible")
    zero = pl.lit(0, pl.Int64)
    out = results.with_columns(
        pl.when(hit).then(pl.lit("ineligible")).otherwise(pl.col("status")).alias("status"),
        pl.when(hit).then(zero).otherwise(pl.col("amount_cny")).alias("amount_cny"),
        pl.when(hit).then(pl.lit(rule)).otherwise(pl.col("deciding_rule")).alias("deciding_rule"),
        pl.when(hit).then(None).otherwise(pl.col("base_amount_cny")).alias("base_amount_cny"),
        pl.when(hit).then(None).otherwise(pl.col("rate")).alias("rate"),
        pl.when(hit).then(None).otherwise(pl.col("payment_month")).alias("payment_month"),
        pl.when(hit).then(None).otherwise(pl.col("category")).alias("category"),
        pl.when(hit).then(pl.col("funding").struct.with_fields(city_cny=zero, district_cny=zero))
        .otherwise(pl.col("funding")).alias("funding"),
    )
    names = results.collect_schema().names()
    if "rules" in names:
        out = out.with_columns(pl.when(hit).then(pl.concat_list(pl.lit(rule)))
                               .otherwise(pl.col("rules")).alias("rules"))
    return out


RESULT_FIELDS = ("policy_id", "status", "amount_cny", "base_amount_cny", "rate", "payee",
                 "reasons", "funding", "deciding_rule", "category", "tier", "payment_month")


def _jsonable(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def result_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in RESULT_FIELDS if k in row}
    if "person_id" in row:
        out = {"person_id": row["person_id"], **out}
    return _jsonable(out)
