"""What the conformance kit found: one ``Finding`` per check, gathered in a ``Report``."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Finding:
    """One check's verdict. ``message`` says what was seen and, when it failed, what to fix."""
    check: str
    ok: bool
    message: str
    warning: bool = False     # ok, but worth fixing (an optional part missing: translations)


@dataclass
class Report:
    policy_id: str
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def add(self, check: str, problems: list[str], passed: str, *, warning: bool = False) -> None:
        """One finding: failed with the first problems if there are any (``warning``: ok, a
        warning with them), else ``passed``."""
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            self.findings.append(Finding(check, warning, "; ".join(problems[:3]) + more, warning=warning))
        else:
            self.findings.append(Finding(check, True, passed))

    def warn(self, check: str, problems: list[str], passed: str) -> None:
        """One finding that never fails the report: a warning with the first problems, else ``passed``."""
        self.add(check, problems, passed, warning=True)

    def as_dict(self) -> dict:
        return {"policy_id": self.policy_id, "ok": self.ok, "seconds": round(self.seconds, 2),
                "findings": [{k: v for k, v in asdict(f).items() if k != "warning" or v}   # "warning" where one
                             for f in self.findings]}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def __str__(self) -> str:
        width = max((len(f.check) for f in self.findings), default=5)
        lines = [f"{'warn' if f.warning else 'ok' if f.ok else 'FAIL':4}  {f.check:{width}}  {f.message}"
                 for f in self.findings]
        verdict = "conforms" if self.ok else f"{len(self.failed)} check(s) failed"
        return "\n".join([*lines, f"{self.policy_id}: {verdict} ({self.seconds:.1f} s)"])
