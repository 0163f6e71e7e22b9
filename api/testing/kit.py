"""``check_policy``: every conformance check on one policy, as a ``Report``."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable


from skillsim.policies import Policy, claims_frame, get_policy
from skillsim.policies.engine import collect
from skillsim.policies.tiers import TiersError, read_tiers

from . import checks, structure
from .findings import Report

if TYPE_CHECKING:
    from skillsim.policies import ParameterSet

PROPERTIES = ("explain equals evaluate", "garbage gives contract errors", "amounts within tables",
              "level monotonicity", "caps equal the in-order oracle", "determinism")


def resolve(policy_or_id: Policy | type[Policy] | str) -> Policy:
    if isinstance(policy_or_id, str):
        return get_policy(policy_or_id)
    if isinstance(policy_or_id, type) and issubclass(policy_or_id, Policy):
        return policy_or_id()
    if isinstance(policy_or_id, Policy):
        return policy_or_id
    raise TypeError(f"{policy_or_id!r} is not a policy id, a Policy or a Policy subclass")


def example_parameters(policy: Policy) -> tuple["ParameterSet", list[str]]:
    """The parameters the examples are paid under (their common ``parameters`` overrides)."""
    given = {repr(sorted((e.get("parameters") or {}).items())): e.get("parameters") or {}
             for e in policy.examples()}
    problems = []
    if len(given) > 1:
        problems.append("the examples give different parameters: give every example the same overrides")
    overrides = next(iter(given.values()), {})
    p = policy.params(overrides)
    missing = policy.missing_parameters(p)
    if missing:
        problems.append(f"the policy needs {', '.join(missing)} before it pays anything: give them as "
                        "\"parameters\" of each example in examples.json (the amounts its tests use)")
    return p, problems


def check_examples(policy: Policy, p: "ParameterSet", report: Report) -> bool:
    """Each example paid as it expects; True if at least one is paid (the draws need one)."""
    entries = policy.examples()
    if not entries:
        report.add("examples", ["no examples.json beside policy.toml: give a list of paid claims "
                                "({\"name\", \"claim\", \"expected\": {\"status\", \"amount_cny\"}})"], "")
        return False
    problems, paid = [], 0
    for i, e in enumerate(entries):
        name = e.get("name", f"example {i}")
        try:
            got = policy.explain(e["claim"], p)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        paid += got["status"] == "eligible" and got["amount_cny"] > 0
        if got["status"] != "eligible" or got["amount_cny"] <= 0:
            problems.append(f"{name}: {got['status']} under {got['deciding_rule']}, paying {got['amount_cny']}: "
                            "an example must be a claim the policy pays")
        for key, want in (e.get("expected") or {}).items():
            if got.get(key) != want:
                problems.append(f"{name}: {key} is {got.get(key)!r}, the example expects {want!r}")
    report.add("examples", problems, f"{len(entries)} examples, all paid as expected")
    return paid > 0


def _run_property(report: Report, name: str, strategy: Any, body: Callable[[Any], tuple[list[str], list[str]]],
                  n: int, paid_floor: bool = True, extra: Callable[[], list[str]] | None = None) -> None:
    """``body(draw) -> (problems, statuses seen)`` over ``n`` draws (hypothesis, derandomised, shrunk
    on failure); then at least checks.MIN_PAID of the statuses seen must be eligible."""
    from hypothesis import HealthCheck, Phase, given, settings

    seen: list[str] = []
    failure: dict[str, Any] = {}

    # no shrinking: a population's failing draw can take minutes to shrink; the first one is shown
    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(draw):
        try:
            problems, sts = body(draw)
        except Exception as exc:  # noqa: BLE001 -- a crash of the policy is a finding
            problems, sts = [f"{type(exc).__name__}: {exc}"], []
        seen.extend(sts)
        if problems:
            failure.update(problems=problems, draw=draw)
            raise AssertionError(problems[0])

    try:
        prop()
    except AssertionError:
        shown = checks._short(failure.get("draw"))
        report.add(name, [f"{failure['problems'][0]} — failing draw: {shown}"], "")
        return
    share = checks.share_paid(seen)
    problems = list(extra() if extra else [])
    if paid_floor and share < checks.MIN_PAID:
        problems.append(f"only {share:.0%} of {len(seen)} results were paid: the property was nearly vacuous; "
                        "add examples.json claims the policy pays")
    report.add(name, problems, f"{n} draws, {len(seen)} claims, {share:.0%} paid" if paid_floor else f"{n} draws")


def check_policy(policy_or_id: Policy | type[Policy] | str, *, max_examples: int = 50) -> Report:
    """Run every conformance check on a policy (its id, instance or class); the Report lists
    one Finding per check (name, ok, what was seen or what to fix). Never raises for a
    policy's fault: a crash is a failed finding."""
    started = time.perf_counter()
    policy = resolve(policy_or_id)
    report = Report(policy.id)
    n = max(1, max_examples)
    p, param_problems = example_parameters(policy)
    report.add("parameters for the examples", param_problems, "the examples' parameters let the policy pay")
    report.add("structure: rules", structure.rule_problems(policy, p),
               f"{len(policy.rules)} rules, each cited one with clause and text, ids of prefix "
               f"{getattr(policy.meta, 'rule_prefix', '?')}-")
    report.add("structure: parameters", structure.parameter_problems(p),
               f"{len(p)} parameters, each with rule, clause or source, unit and bounds")
    report.add("structure: catalog", structure.catalog_problems(policy),
               "every catalog row has a source" if policy.catalog is not None else "no catalog")
    if param_problems or not check_examples(policy, p, report):
        report.add("claims", ["the checks on claims need at least one paid example (see above)"], "")
        return _done(report, started)
    check_tiers(policy, p, report)
    check_nulls(policy, p, report)
    check_translations(policy, p, report)
    try:
        from . import draws
    except ImportError:
        for name in PROPERTIES:
            report.add(name, ["needs hypothesis: pip install 'skillsim[test]' (or pip install hypothesis)"], "")
        return _done(report, started)
    _properties(policy, p, report, n, draws)
    return _done(report, started)


def _done(report: Report, started: float) -> Report:
    report.seconds = time.perf_counter() - started
    return report


def check_nulls(policy: Policy, p: "ParameterSet", report: Report) -> None:
    """Each nullable field a paid example fills, set to null (docs/conformance.md)."""
    from skillsim.policies.contract import FIELDS
    nullable = [f.name for f in FIELDS if f.nullable]
    problems: list[str] = []
    outcomes: dict[str, int] = {}
    cases = [(e["claim"], f) for e in policy.examples() for f in nullable if e["claim"].get(f) is not None]
    names = [e.get("name", "?") for e in policy.examples() for f in nullable if e["claim"].get(f) is not None]
    for name, (found, what) in zip(names, checks.check_nulls(policy, cases, p)):
        problems += [f"{name}: {x}" for x in found]
        outcomes[what] = outcomes.get(what, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "no nullable field filled"
    report.add("nulls give needs_info or a reason", problems, f"fields set to null: {summary}")


def check_translations(policy: Policy, p: "ParameterSet", report: Report) -> None:
    """Every message of the examples varied has a Chinese translation (messages.zh.toml): a
    warning where one is missing (translation is optional), a failure where the file is broken."""
    from skillsim.policies.messages import MessagesError
    from . import translations
    try:
        book = policy.messages
    except MessagesError as exc:
        report.add("messages in Chinese", [str(exc)], "")
        return
    try:
        messages = translations.produced_messages(policy, p)
    except Exception as exc:  # noqa: BLE001 -- a crash of the policy is a finding
        report.add("messages in Chinese", [f"{type(exc).__name__}: {exc}"], "")
        return
    if not book:
        report.warn("messages in Chinese", [f"no messages.zh.toml beside policy.toml: the {len(messages)} messages "
                                            "the examples give stay English in Chinese (docs/plugin-interface.md)"], "")
        return
    report.warn("messages in Chinese", translations.translation_problems(policy, messages),
                f"{len(messages)} distinct messages of the examples varied, every one translated")


def check_tiers(policy: Policy, p: "ParameterSet", report: Report) -> None:
    """The policy's [tiers] declaration reads, and each of its probe claims is one the policy pays."""
    try:
        tiers = read_tiers(policy)
        problems = checks.check_tier_probes(policy, tiers, p) if tiers else []
    except TiersError as exc:
        report.add("tiers", [str(exc)], "")
        return
    except Exception as exc:  # noqa: BLE001 -- a crash of the policy is a finding
        report.add("tiers", [f"policy.toml [tiers]: {type(exc).__name__}: {exc}"], "")
        return
    if tiers is None:
        report.add("tiers", [], "no [tiers]: amounts not by level")
        return

    def count(n: int, what: str) -> str:
        return f"{n} {what}" if n == 1 else f"{n} {what}s"
    shape = [count(len(tiers.values), "value") + f" of {tiers.field}" if tiers.field else "",
             count(len(tiers.levels), "level"), count(len(tiers.variants), "variant") if tiers.variants else ""]
    n = len(tiers.values) * len(tiers.levels) * max(1, len(tiers.variants))
    report.add("tiers", problems, f"{n} probes ({' × '.join(x for x in shape if x)}), every one paid under the "
                                  f"rules listed ({', '.join(tiers.rules)})")


def _properties(policy: Policy, p: "ParameterSet", report: Report, n: int, draws: Any) -> None:
    from hypothesis import strategies as st

    paid = draws.paid_claims(policy)
    mixed = st.one_of(paid, paid, paid, draws.garbage_claims(policy).filter(_is_valid_claim))

    def one_and_many(batch):
        return checks.check_explain_equals_evaluate(policy, batch, p), _statuses(policy, batch, p)
    batches, groups = max(3, n // 5), max(3, n // 10)   # a draw here is many claims, and costs as much
    # at least two claims a batch: one alone cannot show a result that depends on the others
    _run_property(report, "explain equals evaluate", st.lists(mixed, min_size=2, max_size=8), one_and_many,
                  groups)

    _run_property(report, "garbage gives contract errors", draws.garbage_claims(policy),
                  lambda obj: (checks.check_garbage(policy, obj, p), []), n, paid_floor=False)

    allowed = checks.declared_amounts(p)

    def amounts(batch):
        df = collect(policy.evaluate(claims_frame(batch), p, detail="rules"))
        return checks.check_result_rows(df) + checks.check_amounts_in_tables(df, allowed), checks.statuses(df)
    _run_property(report, "amounts within tables", st.lists(mixed, min_size=1, max_size=30), amounts, batches)

    if getattr(policy, "level_monotone", False):
        rises: list[bool] = []

        def monotone(claim):
            problems, amts, sts = checks.check_level_monotone(policy, claim, p)
            rises.append(amts[-1] > amts[0])
            return problems, sts
        _run_property(report, "level monotonicity", draws.paid_claims(policy, kind="skill_level"), monotone, batches,
                      extra=lambda: [] if any(rises) else [
                          "no draw paid more at level 1 than at level 5: is level_monotone right?"])
    else:
        report.add("level monotonicity", [], "not declared (the policy's level_monotone is not set): skipped")

    def caps(claims):
        problems, _ = checks.check_caps_oracle(policy, claims, p)
        return problems, _statuses(policy, claims, p)     # paid alone: a capped claim was paid before the caps
    _run_property(report, "caps equal the in-order oracle", draws.populations(policy), caps, groups)

    runs: list[int] = []

    def deterministic(claims):
        runs.append(1)      # the same frame twice on the first draw; every draw shuffled
        return checks.check_deterministic(policy, checks.untied(claims), p, seed=len(runs), twice=len(runs) == 1)
    _run_property(report, "determinism", draws.populations(policy), deterministic, groups)


def _statuses(policy: Policy, claims: list[dict], p: "ParameterSet") -> list[str]:
    return collect(policy.evaluate(claims_frame(claims), p, detail="amounts").select("status"))["status"].to_list()


def _is_valid_claim(obj: Any) -> bool:
    from skillsim.policies import ContractError
    try:
        claims_frame([obj])
    except ContractError:
        return False
    return True


__all__ = ["check_policy", "check_examples", "check_nulls", "check_tiers", "check_translations", "resolve",
           "example_parameters"]
