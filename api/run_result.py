"""``skillsim.run``'s result: what ``skillsim run`` writes, held in memory until ``write``."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from skillsim.simulate import runner
    from skillsim.simulate.scenario import Scenario


@dataclass(frozen=True)
class RunResult:
    """One scenario run.

    ``summary``: the dict that summary.json holds (``summary["policies"][policy_id]`` has
    ``budget_cny``, ``beneficiaries``, ``coverage``, … each as ``{mean, p05, p95}`` over
    replications, and ``by_population``; ``summary["manifest"]`` every value the run used).
    ``breakdowns``: long format, one row per replication, population, policy, variant
    (baseline or reform), dimension and key: claims, eligible_claims, budget_cny.
    ``claims``: every claim × policy result of replication 0.
    """
    scenario: "Scenario"
    summary: dict[str, Any]
    breakdowns: "pl.DataFrame"
    claims: "pl.DataFrame"
    raw: "runner.RunResult" = field(repr=False)

    @classmethod
    def of(cls, raw: "runner.RunResult") -> "RunResult":
        from skillsim.simulate import report
        return cls(raw.scenario, report.summary(raw), raw.breakdowns, raw.claims, raw)

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Any]:
        """summary.json, breakdowns.parquet and claims.parquet into ``out_dir``, as ``skillsim
        run --out`` writes them: all or nothing, and only into a folder that is absent, empty
        or an earlier skillsim output (OutputError otherwise). Returns the summary written."""
        from skillsim.simulate import report
        return report.write(self.raw, out_dir)

    def __repr__(self) -> str:
        s = self.summary
        return (f"RunResult(scenario={s['scenario']!r}, replications={s['replications']}, "
                f"policies={list(s['policies'])}, claims={self.claims.height:,})")
