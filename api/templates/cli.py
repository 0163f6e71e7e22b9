"""`skillsim new-policy NAME`: write a policy package's skeleton (added through the
``skillsim.commands`` entry point, as check-policy is). Exit 0: written; 2: bad input (a name
that is no policy id or is registered, a bad option, a folder that exists), one line on
stderr and nothing written."""
from __future__ import annotations

import argparse
import sys


def _year(text: str) -> int:
    if not (len(text) == 4 and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a year YYYY")
    return int(text)


def run(args: argparse.Namespace) -> int:
    from . import SkeletonError, plan, write
    try:
        skeleton = plan(args.name, args.city, args.prefix, args.year)
        target = write(skeleton, args.dir)
    except SkeletonError as exc:
        print(f"skillsim new-policy: {exc}", file=sys.stderr)
        return 2
    # pip takes a bare word for a name on the package index: a folder here is ./NAME
    where = target.as_posix() if "/" in target.as_posix() else f"./{target.as_posix()}"
    print(f"wrote {where}: policy {skeleton.policy_id}, rules {skeleton.prefix}-*, jurisdiction {skeleton.city}, "
          f"package {skeleton.package}\n"
          f"next: pip install -e {where} && skillsim check-policy {skeleton.policy_id}\n"
          f"then: paste the official text into text.txt and replace the template's example rule "
          f"{skeleton.prefix}-A1 (rules.toml, parameters.toml, __init__.py, examples.json); "
          "skillsim's docs/plugin-interface.md says how")
    return 0


def register(sub) -> None:
    p = sub.add_parser("new-policy", help="write a policy plug-in's skeleton (docs/plugin-interface.md)",
                       description="Write DIR/NAME: a package that registers policy NAME under the entry point "
                                   "skillsim.policies and passes skillsim check-policy before a rule is written "
                                   "(one example rule, PREFIX-A1, to replace). Exit 0 written, 2 bad input "
                                   "(nothing written).")
    p.add_argument("name", metavar="NAME", help="the policy id, e.g. mycity-2027-upgrade (the folder's name too)")
    p.add_argument("--dir", default=".", help="the folder to write NAME into (it must exist); default: here")
    p.add_argument("--city", help="the jurisdiction, lower-case (default: NAME's first word)")
    p.add_argument("--prefix", help="the rule-id prefix, 2-8 capitals and digits (default: the city's first two "
                                    "letters and the year's last two digits, e.g. MY27)")
    p.add_argument("--year", type=_year, metavar="YYYY", help="the policy's year (default: the year NAME names)")
    p.set_defaults(func=run)
