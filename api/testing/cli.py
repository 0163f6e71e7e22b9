"""`skillsim check-policy ID`: the conformance kit from the command line (added through the
``skillsim.commands`` entry point). Exit 0: every check passes; 1: a check fails; 2: bad
input (an unknown policy id, a bad option), one line on stderr."""
from __future__ import annotations

import argparse
import sys


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 100_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 100000")
    return n


def run(args: argparse.Namespace) -> int:
    from skillsim.policies import get_policy

    from .kit import check_policy
    policy = get_policy(args.policy_id)      # UnknownPolicy / BrokenPolicy: the CLI's one line, exit 2
    report = check_policy(policy, max_examples=args.max_examples)
    print(report.to_json() if args.format == "json" else report)
    sys.stdout.flush()
    return 0 if report.ok else 1


def register(sub) -> None:
    p = sub.add_parser("check-policy", help="run the conformance kit on one policy (docs/conformance.md)",
                       description="Every conformance check on a registered policy: structure, its examples, "
                                   "its [tiers], nulls, explain = evaluate, garbage claims, amounts, level "
                                   "monotonicity, caps, determinism. Exit 0 all pass, 1 a check fails, 2 bad input.")
    p.add_argument("policy_id", metavar="ID", help="a registered policy id (skillsim policies lists them)")
    p.add_argument("--max-examples", type=_positive, default=50,
                   help="hypothesis draws per one-claim check (batches get a fifth, populations a tenth); default 50")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    p.set_defaults(func=run)
