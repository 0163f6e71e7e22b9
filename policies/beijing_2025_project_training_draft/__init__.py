"""beijing-2025-project-training-draft: the consultation draft (征求意见稿) of Beijing's
“技能照亮前程” project-based training action.

* BJPT-1 (四(七)): the key-group upgrade subsidy became beijing-2026-key-groups. That is
  lineage metadata (policy.toml ``lineage.final``; the final policy's ``lineage.draft``
  points back); a certificate claim with no training channel is sent there
  (``out_of_scope`` naming the final policy).
* BJPT-2 (四(五)(六)(八)): training bases, project-based training and district
  programmes get "按规定给予一定资金支持", with no amount. A claim is one trainee of such
  a training; ``trained_by`` picks the channel. The amounts are parameters a scenario must
  supply: until it does, ``missing_parameters`` names them and ``evaluate`` (so
  ``explain`` and every run) refuses with a ``PolicyError`` — never a zero.

Rule ids are ids of its rules.toml (docs/rules/); clause texts in rules.toml.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from ..engine import Check, Note, Policy, col_in, fmt
from ..parameters import ParameterSet

C = pl.col
SUPPLY_NOTE = "a scenario must supply"
# trained_by -> (amount parameter, clause, payee, channel as the draft names it)
CHANNELS = {
    "training_base": ("training_base_per_trainee_cny", "四(五)", "training_body", "加强培训载体建设(实训基地)"),
    "training_body": ("project_training_per_trainee_cny", "四(六)", "training_body", "项目化培训资助(培训载体)"),
    "employer": ("project_training_per_trainee_cny", "四(六)", "employer", "项目化培训资助(企业培训载体)"),
    "district": ("district_programme_per_trainee_cny", "四(八)", "training_body", "各区项目化培训"),
}


class BeijingProjectTrainingDraft2025(Policy):
    folder = Path(__file__).parent

    def missing_parameters(self, p: ParameterSet) -> list[str]:
        """BJPT-2: the amounts the draft leaves open, while no scenario has set them."""
        return [name for name in p if (p.meta(name).note or "").startswith(SUPPLY_NOTE)
                and not p.meta(name).overridden and p[name] == 0]

    def _by_channel(self, i: int) -> pl.Expr:
        return C("trained_by").cast(pl.String).replace_strict({k: v[i] for k, v in CHANNELS.items()}, default=None,
                                                               return_dtype=pl.String)

    def derive(self, lf: pl.LazyFrame, p: ParameterSet) -> pl.LazyFrame:
        amounts = {k: p[v[0]] for k, v in CHANNELS.items()}
        base = C("trained_by").cast(pl.String).replace_strict(amounts, default=None, return_dtype=pl.Int64)
        return lf.with_columns(base.alias("_base"), pl.lit(100, pl.Int64).alias("_rate_pct"),
                               self._by_channel(3).alias("_channel"), self._by_channel(1).alias("_clause"))

    def checks(self, p: ParameterSet) -> list[Check]:
        final = self.meta.lineage["final"]
        lo, hi = p["action_from"], p["action_until"]
        return [
            Check("BJPT-2", (C("cert_issue_date") < lo) | (C("cert_issue_date") > hi), status="out_of_scope",
                  why=fmt("training completed on {}, outside the action's {} … {} (到2027年底)", "cert_issue_date",
                          pl.lit(lo), pl.lit(hi))),
            Check("BJPT-1", C("trained_by").is_null() & col_in("cert_kind", p["key_group_cert_kinds"]),
                  status="out_of_scope",
                  why=f"a key-group certificate subsidy (四(七)): the draft's clause became {final} "
                      f"({self.meta.lineage['final_note']}); explain the claim under {final}"),
            Check("BJPT-2", C("trained_by").is_null(), status="needs_info",
                  why="trained_by is needed: the channel (training base, training body or enterprise, district "
                      "programme) sets the amount"),
        ]

    def notes(self, p: ParameterSet) -> list[Note]:
        return [
            Note("BJPT-2", fmt("{} ({}): {} yuan per trainee, an amount the scenario supplied (the draft says only "
                               "按规定给予一定资金支持); a consultation draft, never in force", "_channel", "_clause",
                               "_base")),
        ]

    def amount_rule(self, p: ParameterSet) -> pl.Expr:
        return pl.lit("BJPT-2")

    def category(self, p: ParameterSet) -> pl.Expr:
        return C("_channel")

    def payee(self, p: ParameterSet) -> pl.Expr:
        return self._by_channel(2)

    def payment_month(self, p: ParameterSet) -> pl.Expr:
        """The draft sets no timing: unknown (null), not guessed."""
        return pl.lit(None, pl.Date)

    def funding(self, p: ParameterSet, amount: pl.Expr) -> pl.Expr:
        """District programmes are paid from district funds (四(八)); the rest from city funds."""
        district = C("trained_by") == "district"
        zero = pl.lit(0, pl.Int64)
        return pl.struct(
            source=pl.when(district).then(pl.lit(p["district_fund"])).otherwise(pl.lit(p["city_fund"])),
            city_cny=pl.when(district).then(zero).otherwise(amount),
            district_cny=pl.when(district).then(amount).otherwise(zero),
            district=pl.when(district).then(C("district").cast(pl.String)),
            district_basis=pl.when(district).then(pl.lit("区级项目化培训")))


POLICY = BeijingProjectTrainingDraft2025
