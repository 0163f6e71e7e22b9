"""The ``skillsim`` command line.

    skillsim policies [--city CITY] [--date 2026-05-01] [--format table|csv|json]
    skillsim explain --policy ID|all --claim FILE.json|- [--set NAME=VALUE] [--format ...]
    skillsim catalog --policy ID [--format table|csv|json]
    skillsim parameters --policy ID [--format table|csv|json]
    skillsim rules --policy ID [--rule RULE-ID] [--format table|json|markdown]   (rules_doc.py)
    skillsim run [SCENARIO ...] --out DIR / compare DIR_A DIR_B / scenarios   (run_commands.py)
    skillsim calibrate SCENARIO --free NAME[,NAME...] --out FILE.toml   (calibration_fit.py)
    skillsim sensitivity SCENARIO --out DIR [--method morris|sobol]   (sensitivity.py)
    skillsim sweep SCENARIO --vary POLICY.PARAMETER=VALUES --out DIR [--resume]   (sweep.py)

Other packages add commands through the ``skillsim.commands`` entry-point group
(a callable that receives the argparse sub-parsers), so this module never imports
the layers above it. Errors: one line on stderr, exit 2, nothing on stdout.
Start-up is kept light: the policies (pydantic, polars) load inside the commands.
"""
from __future__ import annotations

from . import interrupts

interrupts.exit_while_starting()  # before the imports below: a Ctrl-C while they load ends quietly

import argparse
import datetime as dt
import json
import os
import sys
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Any, Callable

from . import evaluate_command, governing, run_commands, sensitivity, sweep, tables

POLICY_GROUP = "skillsim.policies"  # the registry's entry-point group (policies/registry.py)
FORMAT_HELP = run_commands.FORMAT_HELP


class UsageError(Exception):
    """A bad command-line input: printed as one line, exit 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _city(text: str) -> str:
    from skillsim.policies import all_policies
    cities = sorted({p.meta.city for p in all_policies()})
    if text not in cities:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(cities)})")
    return text


POLICY_COLUMNS = ["id", "city", "year", "status", "document", "title", "in_force_from", "in_force_until",
                  "certificates_from", "certificates_until", "payee"]


def _policy_row(m: Any) -> dict[str, Any]:
    return {k: getattr(m, k) for k in POLICY_COLUMNS}


def cmd_policies(args: argparse.Namespace) -> int:
    from skillsim.policies import all_policies
    metas = [p.meta for p in all_policies() if not args.city or p.meta.city == args.city]
    if not args.date:
        from skillsim.policies.registry import broken_policies
        # a plug-in that cannot load is listed as broken, with its reason (every other policy works)
        broken = [{**dict.fromkeys(POLICY_COLUMNS), "id": pid, "status": "broken", "title": reason}
                  for pid, reason in broken_policies().items()] if not args.city else []
        tables.show([_policy_row(m) for m in metas] + broken, args.format, "skillsim policies",
                    columns=POLICY_COLUMNS)
        return 0
    found = governing.governing(metas, args.date)
    for city in sorted({m.city for m in metas} - set(found)):
        print(f"no encoded {city} policy governs a certificate issued on {args.date}", file=sys.stderr)
    rows = [{**_policy_row(g.policy), "also_covering": g.others} for g in found.values()]
    tables.show(rows, args.format, f"skillsim policies: the policy that governs a certificate issued on {args.date}",
                columns=[*POLICY_COLUMNS, "also_covering"])
    return 0


def _read_json(path: str) -> Any:
    """A claim file's (or stdin's) bytes, read by the strict claim reader (policies.claim_json)."""
    from skillsim.policies.claim_json import parse_claims_json
    from skillsim.policies.contract import shown
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    if path == "-" and stdin is None:  # started with stdin closed
        raise UsageError("--claim: standard input is closed")
    try:
        data = stdin.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--claim: cannot read {shown(path)}: {exc.strerror or exc}") from None
    return parse_claims_json(data)


def _overrides(pairs: list[str]) -> dict[str, Any]:
    from skillsim.policies import ContractError
    from skillsim.policies.claim_json import parse_claims_json
    from skillsim.policies.contract import shown
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--set: {shown(pair)} is not NAME=VALUE")
        try:  # as strict as a claim (no duplicate keys, huge numbers, NaN); bare text (2026-01-01, A) is a string
            out[name] = parse_claims_json(value, where=name, bare_text=True)
        except ContractError as exc:
            raise UsageError(f"--set: {exc}") from None
    return out


EXPLAIN_COLUMNS = ["policy_id", "status", "amount_cny", "deciding_rule", "rules", "reason"]


def _explain_row(result: dict[str, Any]) -> dict[str, Any]:
    """One claim's result in a line: the deciding rule's message is the reason."""
    reasons = result.get("reasons") or []
    deciding = result.get("deciding_rule")
    reason = next((r["message"] for r in reasons if r["rule"] == deciding), reasons[-1]["message"] if reasons else "")
    return {"policy_id": result["policy_id"], "status": result["status"], "amount_cny": result["amount_cny"],
            "deciding_rule": deciding, "rules": list(dict.fromkeys(r["rule"] for r in reasons)), "reason": reason}


def _explain_all(claim: Any) -> list[dict[str, Any]]:
    """The claim under every registered policy. One that cannot evaluate it (a draft whose
    amounts a scenario must supply, a broken plug-in) is listed as "not evaluated" with its
    message; a claim that breaks the contract is still an error (it is the same for all)."""
    from skillsim.policies import ParameterError, PolicyError, broken_policies, get_policy, policy_ids
    out = []
    for pid in sorted([*policy_ids(), *broken_policies()]):
        try:
            policy = get_policy(pid)
            out.append(policy.explain(claim, policy.params()))
        except (PolicyError, ParameterError) as exc:
            out.append({"policy_id": pid, "status": "not evaluated", "amount_cny": None, "reasons": [],
                        "error": str(exc)})
    return out


def cmd_explain(args: argparse.Namespace) -> int:
    from skillsim.policies import get_policy
    if args.policy == "all":
        if args.set:
            raise UsageError("--set: give one --policy to override its parameters (not --policy all)")
        results = _explain_all(_read_json(args.claim))
        if (args.format or "table") == "json":
            sys.stdout.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
        else:
            rows = [_explain_row(r) if "error" not in r else
                    {"policy_id": r["policy_id"], "status": r["status"], "reason": r["error"]} for r in results]
            tables.show(rows, args.format or "table", "skillsim explain: the claim under every policy",
                        columns=EXPLAIN_COLUMNS)
        return 0
    policy = get_policy(args.policy)
    params = policy.params(_overrides(args.set))
    claim = _read_json(args.claim)
    result = policy.explain(claim, params)
    if (args.format or "json") == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        tables.show([_explain_row(result)], args.format, f"skillsim explain: {policy.id}", columns=EXPLAIN_COLUMNS)
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from skillsim.policies import get_policy
    policy = get_policy(args.policy)
    cat = policy.catalog
    if cat is None:
        raise UsageError(f"policy {args.policy} has no catalog")
    tables.show(cat, args.format, f"{policy.meta.document} catalog ({cat.height} rows)")
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    from skillsim.policies import get_policy
    policy = get_policy(args.policy)
    rows = [{k: v for k, v in r.items() if k != "overridden"} for r in policy.parameters.table()]
    tables.show(rows, args.format, f"{policy.id} parameters (set one with --set NAME=VALUE)")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from . import rules_doc  # reads the project tree: only this command needs it
    try:
        rules_doc.show(args.policy, args.rule, args.format)
    except rules_doc.UnknownRule as exc:
        raise UsageError(f"--rule: {exc}") from None
    return 0


LINE = 300  # an error line is cut here: a value echoed whole can be 100 KB


def one_line(text: str) -> str:
    """An error message as one readable line: no newlines, at most LINE characters."""
    text = " ".join(text.split())
    return text if len(text) <= LINE else text[:LINE - 1] + "…"


class Parser(argparse.ArgumentParser):
    """argparse's usage errors as one line too (no usage block), exit 2; sub-parsers inherit it."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {one_line(message)}\n")


def skillsim_version() -> str:
    try:
        return version("skillsim")
    except PackageNotFoundError:  # run from a source tree without installing
        return "0+unknown"


def policy_help(also: str = "") -> str:
    """--policy's help: the registered ids, read from the entry points without loading a policy."""
    ids = sorted({ep.name for ep in entry_points(group=POLICY_GROUP)})
    return f"policy id: {', '.join(ids)}{also} (skillsim policies describes them)"


def cmd_calibrate(args: argparse.Namespace) -> int:
    from . import calibration_fit  # numpy, scipy and the runner: only this command loads them
    return calibration_fit.command(args)


def _tolerance(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (percent)") from None
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage 0–100")
    return v


def _register_calibrate(sub: Any) -> None:
    p = sub.add_parser("calibrate", help="the values of named assumptions that bring a run to its scenario's targets",
                       description="Finds the values of the named assumptions that bring the scenario's run to its "
                                   "[[targets]] (weighted squared relative gaps; weights by grade A 1, B 0.5, C 0.25), "
                                   "with common random numbers, and writes a new scenario whose calibrated values cite "
                                   "the targets. Exit 0: every target matched, the file written; 3: the free "
                                   "assumptions cannot match every target (the table says by how much), nothing "
                                   "written; 2: bad input. docs/calibrate.md.")
    p.add_argument("scenario", help="ready scenario name or TOML file with [[targets]]")
    p.add_argument("--free", required=True, metavar="NAME[,NAME...]",
                   help="the assumptions to calibrate: keys (populations.<population>.<assumption>.value, "
                        "parameters.<policy>.<name>) or short names that name one key (certificate_take_up)")
    p.add_argument("--out", required=True, metavar="FILE.toml", help="the new scenario file (never replaced if it exists)")
    p.add_argument("--size", type=run_commands._positive,
                   help="people a population in each run of the search (counts and yuan scaled to the "
                        "scenario's sizes): faster, noisier; the final run is at the scenario's own sizes")
    p.add_argument("--replications", type=run_commands._positive,
                   help="replications of each run of the search (default 2; the final run takes the scenario's)")
    p.add_argument("--tolerance", type=_tolerance, metavar="PCT",
                   help="a target outside the model's 90 %% interval still matches within this %% of it (default 2)")
    run_commands.add_engine_arguments(p)
    p.add_argument("--format", choices=tables.FORMATS, default="table", help=FORMAT_HELP)
    p.set_defaults(func=cmd_calibrate)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="skillsim", description="Chinese vocational-skills subsidy policies as code, and what "
                                                     "they cost. skillsim COMMAND --help tells more.")
    parser.add_argument("--version", action="version", version=f"skillsim {skillsim_version()}",
                        help="print skillsim's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fmt = dict(choices=tables.FORMATS, default="table", help=FORMAT_HELP)
    one_policy = dict(required=True, metavar="ID", help=policy_help())

    p = sub.add_parser("policies", help="list the encoded policies, or the one that governs a date",
                       description="The encoded policies: city, year, status, document, title, the dates in "
                                   "force and the certificates they cover, and who is paid.")
    p.add_argument("--city", type=_city, help="only this city's policies")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                   help="per city, only the policy that governs a certificate issued on this date: "
                        f"{governing.RULE}; also_covering lists the others whose window holds it")
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_policies)

    p = sub.add_parser("explain", help="one claim's result under one policy (JSON), or under every policy",
                       description="One claim's result with every rule that decided it (docs/claim-contract.md). "
                                   "--policy all evaluates it under every registered policy, one row each; a policy "
                                   "that cannot (a draft whose amounts must be given) is listed with its message.")
    p.add_argument("--policy", required=True, metavar="ID", help=policy_help(", or all"))
    p.add_argument("--claim", required=True, help="claim JSON file, or - for standard input")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="override a parameter of the policy (a reform); repeatable; "
                        "skillsim parameters --policy ID lists the names")
    p.add_argument("--format", choices=tables.FORMATS,
                   help="json: the full result (the default for one policy; a list for all); table or csv: "
                        "policy, status, amount, deciding rule, rules and reason (the default for all)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("catalog", help="a policy's catalog as a table",
                       description="A policy's catalog (occupations, items, classes or tiers), as published.")
    p.add_argument("--policy", **one_policy)
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("parameters", help="a policy's parameters with clause, unit and dates",
                       description="A policy's parameters: name (what --set and a scenario take), value, unit, "
                                   "valid range, rule and clause.")
    p.add_argument("--policy", **one_policy)
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("rules", help="a policy's rules: clause text, reading, parameters, code and tests citing each",
                       description="A policy's rules side by side: the clause's text, our reading, its parameters, "
                                   "and the code and tests that cite the rule id.")
    p.add_argument("--policy", **one_policy)
    p.add_argument("--rule", metavar="RULE-ID", help="one rule id only")
    p.add_argument("--format", choices=["table", "json", "markdown"], default="table", help="output format")
    p.set_defaults(func=cmd_rules)

    run_commands.register(sub)
    sensitivity.register(sub)
    sweep.register(sub)
    evaluate_command.register(sub)
    _register_calibrate(sub)
    for register in _plugins("skillsim.commands"):
        register(sub)
    return parser


def _plugins(group: str) -> list[Callable[[Any], None]]:
    return [ep.load() for ep in sorted(entry_points(group=group), key=lambda e: e.name)]


# the bad-input errors, by the module that defines them: an error of a module this command
# never loaded cannot have been raised, so start-up imports none of them
_ERRORS = {"skillsim.policies": ("ContractError", "ParameterError", "PolicyError", "UnknownPolicy"),
           "skillsim.simulate.scenario": ("ScenarioError",),
           "skillsim.simulate.outputs": ("OutputError",),
           "skillsim.simulate.executor": ("EngineError",)}


def expected_errors(loaded_only: bool = True) -> tuple[type[BaseException], ...]:
    """The errors that mean bad input (exit 2): of the loaded modules, or of all."""
    import importlib
    found: list[type[BaseException]] = [UsageError]
    for name, classes in _ERRORS.items():
        module = sys.modules.get(name) if loaded_only else importlib.import_module(name)
        if module is not None:
            found += [getattr(module, c) for c in classes]
    return tuple(found)


def __getattr__(name: str) -> Any:
    if name == "EXPECTED_ERRORS":  # as before, for callers that read it (loads every module it names)
        return expected_errors(loaded_only=False)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Errors: one line on stderr; exit 2 for bad input, 130 when interrupted (SIGINT or
    SIGTERM), 1 for a bug (its traceback only with SKILLSIM_DEBUG set)."""
    words = sys.argv[1:] if argv is None else argv
    # the command's name from the start: a signal may come while the parser loads its plug-ins
    command = " ".join(["skillsim", *[w for w in words if not w.startswith("-")][:1]])
    with interrupts.trapped():
        try:
            args = build_parser().parse_args(argv)
            command = f"skillsim {args.command}"
            return args.func(args)
        except SystemExit:
            raise
        except BaseException as exc:
            return _failed(command, exc)


def _failed(command: str, exc: BaseException) -> int:
    # a signal first: its exception may have reached us wrapped in a library's error
    if interrupts.received() or isinstance(exc, KeyboardInterrupt):
        print(f"{command}: interrupted", file=sys.stderr)
        interrupts.exit_now()
        return interrupts.EXIT_CODE
    if isinstance(exc, expected_errors()):
        unknown = type(exc).__name__ == "UnknownPolicy"
        msg = f"--policy: {exc}" if unknown else str(exc)
        print(f"{command}: {one_line(msg)}", file=sys.stderr)
        return 2
    if isinstance(exc, Exception) and not os.environ.get("SKILLSIM_DEBUG"):
        print(f"{command}: internal error: {one_line(f'{type(exc).__name__}: {exc}')} "
              "(set SKILLSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    raise exc


if __name__ == "__main__":
    sys.exit(main())
