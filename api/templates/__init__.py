"""``skillsim new-policy``: a policy package's skeleton, from the templates beside this file.

    from skillsim.templates import new_policy
    new_policy("mycity-2027-upgrade", "plugins")    # -> plugins/mycity-2027-upgrade

The skeleton (``new_policy/``: each ``*.tmpl`` file with its ``${name}`` fields filled in,
``package/`` renamed to the import package) installs, registers under the entry-point group
``skillsim.policies`` and passes the conformance kit before its author writes a rule: it holds
one example rule, ``<PREFIX>-A1`` (a flat amount), marked as the template's to replace.
docs/plugin-interface.md is the page its author reads. Standard library only: the command
line loads this module at every start.
"""
from __future__ import annotations

import os
import re
import shutil
import string
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

# a policy id: lower-case words of letters and digits joined by "-", the first a letter
POLICY_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
ID_LENGTH = 60
# the jurisdiction and the rule prefix, as policies.plugins reads them from policy.toml
CITY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
YEARS = (1990, 2100)     # the date unit's limits (policies.parameters.UNITS)
EXAMPLE_AMOUNT = 1000    # the template's example rule's flat amount (illustrative, in yuan)
GROUP = "skillsim.policies"


class SkeletonError(ValueError):
    """A skeleton that cannot be written as asked; the message names the option."""


@dataclass(frozen=True)
class Skeleton:
    policy_id: str
    city: str
    prefix: str
    year: int

    @property
    def package(self) -> str:
        return "skillsim_" + self.policy_id.replace("-", "_")

    def fields(self) -> dict[str, str]:
        """The ``${name}`` fields of the templates."""
        return {"policy_id": self.policy_id, "distribution": "skillsim-" + self.policy_id,
                "package": self.package, "class_name": "".join(w.capitalize() for w in self.policy_id.split("-")),
                "city": self.city, "city_title": self.city.replace("_", " ").title(), "prefix": self.prefix,
                "year": str(self.year), "example_amount": str(EXAMPLE_AMOUNT)}


def _taken() -> tuple[set[str], dict[str, str]]:
    """Registered policy ids, and rule prefix -> the registered policy that uses it (read from
    the policies' data files, not their code)."""
    from importlib.metadata import entry_points
    ids = {ep.name for ep in entry_points(group=GROUP)}
    from skillsim.policies.plugins import declarations
    found, _ = declarations()
    return ids, {d.rule_prefix: pid for pid, d in found.items()}


def plan(name: str, city: str | None = None, prefix: str | None = None, year: int | None = None) -> Skeleton:
    """The skeleton's names, checked: SkeletonError naming the option that is wrong.

    Defaults: ``city`` the id's first word, ``year`` the id's first word of four digits,
    ``prefix`` the city's first two letters and the year's last two digits (MY27)."""
    if len(name) > ID_LENGTH or not POLICY_ID.fullmatch(name):
        raise SkeletonError(f"NAME: {name[:ID_LENGTH]!r} is not a policy id (lower-case letters and digits in "
                            "words joined by '-', a letter first, at least two words, e.g. mycity-2027-upgrade)")
    ids, prefixes = _taken()
    if name in ids:
        raise SkeletonError(f"NAME: {name!r} is already a registered policy id (skillsim policies lists them)")
    words = name.split("-")
    if year is None:
        year = next((int(w) for w in words if len(w) == 4 and w.isdigit() and YEARS[0] <= int(w) <= YEARS[1]), None)
        if year is None:
            raise SkeletonError(f"--year: NAME {name!r} names no year from {YEARS[0]} to {YEARS[1]}; give --year YYYY")
    elif not YEARS[0] <= year <= YEARS[1]:
        raise SkeletonError(f"--year: {year} is not a year from {YEARS[0]} to {YEARS[1]}")
    city = words[0] if city is None else city
    if not CITY.fullmatch(city) or city == "other":
        raise SkeletonError(f"--city: {city[:ID_LENGTH]!r} is not a jurisdiction name (lower-case letters, digits "
                            "and _, a letter first; not 'other')")
    if prefix is None:
        prefix = (city.replace("_", "")[:2] + f"{year % 100:02d}").upper()
    if not PREFIX.fullmatch(prefix):
        raise SkeletonError(f"--prefix: {prefix[:ID_LENGTH]!r} is not a rule prefix (2 to 8 capitals and digits, "
                            "a capital first)")
    if prefix in prefixes:
        raise SkeletonError(f"--prefix: {prefix} is the rule prefix of {prefixes[prefix]}; give another")
    return Skeleton(name, city, prefix, year)


def template_root() -> Traversable:
    return files(__name__) / "new_policy"


def _render(source: Traversable, target: Path, fields: dict[str, str], package: str) -> None:
    for item in source.iterdir():
        if item.name == "__pycache__":
            continue
        name = package if item.name == "package" else item.name
        if item.is_dir():
            (target / name).mkdir()
            _render(item, target / name, fields, package)
        elif name.endswith(".tmpl"):
            text = string.Template(item.read_text(encoding="utf-8")).substitute(fields)
            (target / name.removesuffix(".tmpl")).write_text(text, encoding="utf-8")


def new_policy(name: str, folder: str | os.PathLike[str] = ".", *, city: str | None = None,
               prefix: str | None = None, year: int | None = None) -> Path:
    """Write the skeleton of policy ``name`` to ``folder/name`` and return that path.
    SkeletonError (nothing written) for a bad name or option, a missing ``folder`` or an
    existing ``folder/name``."""
    return write(plan(name, city, prefix, year), folder)


def write(skeleton: Skeleton, folder: str | os.PathLike[str] = ".") -> Path:
    """``skeleton`` written to ``folder/<policy id>``, all or nothing: into a temporary
    folder beside it, then renamed into place."""
    parent = Path(folder)
    if not parent.is_dir():
        raise SkeletonError(f"--dir: {str(parent)[:200]!r} is not a folder")
    name = skeleton.policy_id
    target = parent / name
    if target.exists() or target.is_symlink():
        raise SkeletonError(f"NAME: {str(target)[:200]!r} already exists; nothing written")
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=parent))
    try:
        _render(template_root(), staging, skeleton.fields(), skeleton.package)
        try:
            os.rename(staging, target)   # fails if target appeared meanwhile (a non-empty folder, a file)
        except OSError as exc:
            raise SkeletonError(f"NAME: cannot create {str(target)[:200]!r}: {exc.strerror or exc}; "
                                "nothing written") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.chmod(target, 0o777 & ~_umask())   # mkdtemp makes it private; a folder made by hand is not
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["new_policy", "plan", "write", "Skeleton", "SkeletonError", "template_root", "EXAMPLE_AMOUNT"]
