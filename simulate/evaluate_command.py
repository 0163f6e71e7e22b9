"""``skillsim evaluate`` (your own claims file through named policies) and ``skillsim export``
(a run's claims as one flat file).

    skillsim evaluate --claims FILE --policy ID [--policy ID ...] [--out FILE] [--rejects FILE]
                      [--defaults] [--set [POLICY:]NAME=VALUE ...] [--no-caps] [--force] [--format F]
    skillsim export RUN_DIR --out FILE [--force]

An output's format follows its extension: .parquet and .jsonl/.ndjson keep nested columns
(funding, rules, prior_subsidies), .csv is flat (``evaluation.flatten``). Output files go
through ``outputs.Files``: checked before anything is read, written beside under a hidden
name and renamed in at the end, so a failed command writes nothing; an existing file is
replaced only with --force. Light to import (the CLI's start-up): the work loads on use.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

OUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SHOWN_ROWS = 20  # bad rows listed on stderr
# zstd at level 1: as small as polars' default (level 3: 31.2 against 30.9 MB for a million claims
# under two policies) in 0.3 CPU-seconds less; lz4 or snappy save little more and are 1.7x larger.
# Statistics stay (min/max per row group: a reader's filter on policy_id or status skips groups).
PARQUET = {"compression": "zstd", "compression_level": 1}


def _format_of(path: str | None, option: str, given: str | None = None) -> str | None:
    from .cli import UsageError
    if path is None:
        return None
    fmt = OUT_FORMATS.get(Path(path).suffix.lower())
    if given is not None and fmt is not None and fmt != given:
        raise UsageError(f"{option} {path}: the extension says {fmt}, --format says {given}")
    if given is None and fmt is None:
        raise UsageError(f"{option} {path}: end the name in .parquet, .csv, .jsonl or .ndjson")
    return given or fmt


def _write(frame: "pl.DataFrame", fmt: str, path: Path) -> None:
    """One output file in its format (CSV flat), through a Python file so an OS error is named."""
    import polars as pl

    from .evaluation import flatten
    from .outputs import OutputError
    try:
        with open(path, "wb") as fh:
            if fmt == "parquet":
                frame.write_parquet(fh, **PARQUET)
            elif fmt == "csv":
                flatten(frame).write_csv(fh)
            else:
                frame.write_ndjson(fh)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except pl.exceptions.PolarsError as exc:
        raise OutputError(f"{path}: cannot write ({str(exc).strip().splitlines()[0]})") from None


def _overrides(pairs: list[str] | None, policies: list[str]) -> dict[str, dict[str, Any]]:
    """--set POLICY:NAME=VALUE (or NAME=VALUE with one --policy); values read as explain's --set."""
    from skillsim.policies import ContractError
    from skillsim.policies.claim_json import parse_claims_json
    from skillsim.policies.contract import shown

    from .cli import UsageError
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        pid, colon, name = key.rpartition(":")
        if not sep or not name:
            raise UsageError(f"--set: {shown(pair)} is not POLICY:NAME=VALUE")
        if not colon:
            if len(policies) != 1:
                raise UsageError(f"--set {shown(pair)}: name the policy (POLICY:NAME=VALUE) when there are several")
            pid = policies[0]
        try:
            out.setdefault(pid, {})[name] = parse_claims_json(value, where=name, bare_text=True)
        except ContractError as exc:
            raise UsageError(f"--set: {exc}") from None
    return out


def _refused(path: str, problems: list) -> int:
    """A contract break: one line saying so, then the first bad rows, each on a line; nothing written."""
    rows = len({p.row for p in problems})
    print(f"skillsim evaluate: {Path(path).name}: {rows:,} row{'s' if rows != 1 else ''} break the claim contract; "
          f"nothing written (--rejects FILE runs the good rows). The first {min(SHOWN_ROWS, len(problems))}:",
          file=sys.stderr)
    for p in problems[:SHOWN_ROWS]:
        print(f"  {p}", file=sys.stderr)
    return 2


def cmd_evaluate(args: argparse.Namespace) -> int:
    from skillsim.policies import get_policy

    from . import tables
    from .claims_file import ClaimsFileError, load_claims
    from .evaluation import evaluate, summarise
    from .outputs import Files

    out_fmt, rejects_fmt = _format_of(args.out, "--out"), _format_of(args.rejects, "--rejects")
    overrides = _overrides(args.set, args.policy)
    for pid in args.policy:  # unknown ids and bad overrides, before anything is read
        get_policy(pid).params(overrides.get(pid))
    outputs = [Path(p) for p in (args.out, args.rejects) if p is not None]
    with Files(outputs, replace=args.force) as files:
        try:
            got = load_claims(args.claims, defaults=args.defaults, rejects=args.rejects is not None)
        except ClaimsFileError as exc:
            if len(exc.problems) == 1 and exc.problems[0].row is None:
                raise  # a column or the file itself: one line, as any bad input
            return _refused(args.claims, exc.problems)
        results = evaluate(got.claims, args.policy, overrides, caps=not args.no_caps, rows=got.rows, validate=False)
        if args.out:
            _write(results, out_fmt, files.stage(Path(args.out)))
        if args.rejects:
            _write(got.rejects, rejects_fmt, files.stage(Path(args.rejects)))
        files.commit()
    if got.defaulted:
        print(f"columns not in {Path(args.claims).name}, at the contract's defaults: {', '.join(got.defaulted)}",
              file=sys.stderr)
    if args.rejects:
        bad = got.rejects["row"].n_unique()
        print(f"{bad:,} bad row{'s' if bad != 1 else ''} ({got.rejects.height:,} problems) written to {args.rejects}",
              file=sys.stderr)
    if args.out:
        print(f"wrote {args.out} ({results.height:,} rows: {got.claims.height:,} claims × {len(args.policy)} "
              f"polic{'ies' if len(args.policy) != 1 else 'y'})", file=sys.stderr)
    tables.show(summarise(results), args.format, title="skillsim evaluate: claims, eligible and budget (yuan) "
                                                       "by policy and status")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import polars as pl

    from .cli import UsageError
    from .outputs import Files
    fmt = _format_of(args.out, "--out", args.format)
    run = Path(args.run_dir)
    source = run / "claims.parquet"
    if not source.is_file():
        inner = sorted(p.parent.name for p in run.glob("*/claims.parquet")) if run.is_dir() else []
        hint = f"; it holds several runs: name one of {', '.join(inner)}" if inner else ""
        raise UsageError(f"{run}: no claims.parquet (not a skillsim run folder){hint}")
    with Files([Path(args.out)], replace=args.force) as files:
        try:
            claims = pl.read_parquet(source)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise UsageError(f"{source}: cannot be read ({str(exc).strip().splitlines()[0]})") from None
        _write(claims, fmt, files.stage(Path(args.out)))
        files.commit()
    print(f"wrote {args.out} ({claims.height:,} rows)", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    from . import tables
    from .cli import policy_help

    p = sub.add_parser(
        "evaluate", help="your own claims file (CSV, parquet, JSON lines) through named policies",
        description="Every claim of a file through each named policy, with its caps across the file (a person's "
                    "claims together). Writes one row per claim and policy; prints claims, eligible and budget by "
                    "policy and status. A file that breaks the claim contract: exit 2, the first bad rows listed, "
                    "nothing written. See docs/evaluate.md.")
    p.add_argument("--claims", required=True, metavar="FILE",
                   help="the claims: .csv, .parquet, .jsonl/.ndjson or .json (docs/claim-contract.md; "
                        "docs/evaluate.md for CSV cells)")
    p.add_argument("--policy", required=True, action="append", metavar="ID", help=policy_help() + "; repeatable")
    p.add_argument("--out", metavar="FILE",
                   help="the results: .parquet, .jsonl (nested columns) or .csv (flat: rule ids joined with ';', "
                        "funding as columns); without it only the summary is printed")
    p.add_argument("--rejects", metavar="FILE",
                   help="run the good rows and write the bad ones here (row, field, value, reason; "
                        ".csv, .parquet or .jsonl) instead of refusing the file")
    p.add_argument("--defaults", action="store_true",
                   help="fill columns the file lacks with the contract's defaults (and say which) "
                        "instead of refusing it")
    p.add_argument("--set", action="append", metavar="[POLICY:]NAME=VALUE",
                   help="override a parameter of a policy (a reform); POLICY: may be left out with one --policy; "
                        "repeatable; skillsim parameters --policy ID lists the names")
    p.add_argument("--no-caps", action="store_true",
                   help="decide each claim alone (its own prior_subsidies only), not with the file's other claims")
    p.add_argument("--force", action="store_true", help="replace --out and --rejects if they exist")
    p.add_argument("--format", choices=tables.FORMATS, default="table", help="the printed summary: table, csv or json")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("export", help="a run's claims (claims.parquet) as one flat CSV, or parquet / JSON lines",
                       description="The claim results of a run folder (RUN_DIR/claims.parquet, written by skillsim "
                                   "run) as a flat CSV (rule ids joined with ';', funding as columns), a parquet "
                                   "file or JSON lines.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by skillsim run (one scenario's)")
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write: .csv, .parquet or .jsonl")
    p.add_argument("--format", choices=["csv", "parquet", "jsonl"],
                   help="the file's format (default: from --out's extension)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=cmd_export)


__all__ = ["register", "cmd_evaluate", "cmd_export"]
