"""The ``skillsim`` command line.

    skillsim policies [--city beijing] [--date 2026-05-01]
    skillsim explain --policy ID --claim FILE.json|-      (docs/claim-contract.md)
    skillsim catalog --policy ID [--format table|csv|json]
    skillsim parameters --policy ID
    skillsim rules --policy ID [--rule RULE-ID] [--format table|json|markdown]   (rules_doc.py)
    skillsim run [SCENARIO ...] --out DIR / skillsim compare DIR_A DIR_B   (run_commands.py)

Other packages add commands through the ``skillsim.commands`` entry-point group
(a callable that receives the argparse sub-parsers), so this module never imports
the layers above it. Errors: one line on stderr, exit 2, nothing on stdout.
"""
from __future__ import annotations

from . import interrupts

interrupts.exit_while_starting()  # before the slow imports below: a Ctrl-C while they load ends quietly

import argparse
import datetime as dt
import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import run_commands
from skillsim.policies import ContractError, ParameterError, PolicyError, UnknownPolicy, all_policies, get_policy
from skillsim.policies.claim_json import parse_claims_json
from skillsim.policies.contract import shown


class UsageError(Exception):
    """A bad command-line input: printed as one line, exit 2."""


def _print_frame(df: pl.DataFrame, fmt: str, title: str = "") -> None:
    if fmt == "csv":
        sys.stdout.write(df.write_csv())
    elif fmt == "json":
        sys.stdout.write(json.dumps(df.to_dicts(), ensure_ascii=False, default=str, indent=1) + "\n")
    else:
        table = Table(title=escape(title) or None)  # values are text, never rich markup
        for c in df.columns:
            table.add_column(escape(c))
        for row in df.iter_rows():
            table.add_row(*("" if v is None else escape(str(v)) for v in row))
        Console(width=200).print(table)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def cmd_policies(args: argparse.Namespace) -> int:
    rows = []
    for pol in all_policies():
        m = pol.meta
        if args.city and m.city != args.city:
            continue
        if args.date and not m.governs(args.date):
            continue
        rows.append({"id": m.id, "city": m.city, "year": m.year, "status": m.status, "document": m.document,
                     "title": m.title, "in_force": f"{m.in_force_from} … {m.in_force_until or ''}",
                     "certificates": f"{m.certificates_from or ''} … {m.certificates_until or ''}",
                     "payee": m.payee})
    if args.date and not rows:
        print(f"no encoded policy governs a certificate issued on {args.date}", file=sys.stderr)
    _print_frame(pl.DataFrame(rows, schema=["id", "city", "year", "status", "document", "title", "in_force",
                                            "certificates", "payee"]), args.format, "skillsim policies")
    return 0


def _read_json(path: str) -> Any:
    """A claim file's (or stdin's) bytes, read by the strict claim reader (policies.claim_json)."""
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    if path == "-" and stdin is None:  # started with stdin closed
        raise UsageError("--claim: standard input is closed")
    try:
        data = stdin.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"--claim: cannot read {shown(path)}: {exc.strerror or exc}") from None
    return parse_claims_json(data)


def _overrides(pairs: list[str]) -> dict[str, Any]:
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


def cmd_explain(args: argparse.Namespace) -> int:
    policy = get_policy(args.policy)
    params = policy.params(_overrides(args.set))
    claim = _read_json(args.claim)
    result = policy.explain(claim, params)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    policy = get_policy(args.policy)
    cat = policy.catalog
    if cat is None:
        raise UsageError(f"policy {args.policy} has no catalog")
    _print_frame(cat, args.format, f"{policy.meta.document} catalog ({cat.height} rows)")
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    policy = get_policy(args.policy)
    rows = [{**{k: v for k, v in r.items() if k != "overridden"},
             "value": json.dumps(r["value"], ensure_ascii=False, default=str)}
            for r in policy.parameters.table()]
    _print_frame(pl.DataFrame(rows), args.format, f"{policy.id} parameters")
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


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="skillsim", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fmt = dict(choices=["table", "csv", "json"], default="table", help="output format")

    p = sub.add_parser("policies", help="list the encoded policies")
    p.add_argument("--city", choices=["beijing", "shanghai"])
    p.add_argument("--date", type=_date, help="only the policies that govern a certificate issued on this date")
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_policies)

    p = sub.add_parser("explain", help="one claim's result under one policy, as JSON")
    p.add_argument("--policy", required=True)
    p.add_argument("--claim", required=True, help="claim JSON file, or - for standard input")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a parameter (a reform)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("catalog", help="a policy's catalog as a table")
    p.add_argument("--policy", required=True)
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("parameters", help="a policy's parameters with clause, unit and dates")
    p.add_argument("--policy", required=True)
    p.add_argument("--format", **fmt)
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("rules", help="a policy's rules: clause text, reading, parameters, code and tests citing each")
    p.add_argument("--policy", required=True)
    p.add_argument("--rule", metavar="RULE-ID", help="one rule id only")
    p.add_argument("--format", choices=["table", "json", "markdown"], default="table", help="output format")
    p.set_defaults(func=cmd_rules)

    run_commands.register(sub)
    for register in _plugins("skillsim.commands"):
        register(sub)
    return parser


def _plugins(group: str) -> list[Callable[[Any], None]]:
    return [ep.load() for ep in sorted(entry_points(group=group), key=lambda e: e.name)]


EXPECTED_ERRORS = (ContractError, ParameterError, PolicyError, UnknownPolicy, UsageError,
                   run_commands.ScenarioError, run_commands.OutputError)


def main(argv: list[str] | None = None) -> int:
    """Errors: one line on stderr; exit 2 for bad input, 130 when interrupted (SIGINT or
    SIGTERM), 1 for a bug (its traceback only with SKILLSIM_DEBUG set)."""
    command = "skillsim"
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
    if isinstance(exc, EXPECTED_ERRORS):
        msg = str(exc) if not isinstance(exc, UnknownPolicy) else f"--policy: {exc}"
        print(f"{command}: {one_line(msg)}", file=sys.stderr)
        return 2
    if isinstance(exc, Exception) and not os.environ.get("SKILLSIM_DEBUG"):
        print(f"{command}: internal error: {one_line(f'{type(exc).__name__}: {exc}')} "
              "(set SKILLSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    raise exc


if __name__ == "__main__":
    sys.exit(main())
