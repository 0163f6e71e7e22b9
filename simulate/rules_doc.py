"""The law beside the code: for each rule id, the clause text and skillsim's reading of it,
the parameters that cite it, the project files that cite it and the tests that name it
(Catala's idea of the article next to its code).

    python -m skillsim.simulate.rules_doc --write    # regenerate docs/rules/ (one page per policy)
    python -m skillsim.simulate.rules_doc --check    # exit 1, naming the stale pages, if they differ
    skillsim rules --policy ID [--rule RULE-ID] [--format table|json|markdown]

It reads the project tree (code, data, docs and tests), so it lives above the calculators
and is never imported by them. Pages list files, not line numbers, so that an edit
elsewhere in a file does not change them.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from skillsim.policies import all_policies, get_policy
from skillsim.policies.engine import Policy
from skillsim.policies.rulebook import Rule

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path("docs") / "rules"
CITING_DIRS = ("policies", "simulate", "dashboard", "scenarios", "docs")
SUFFIXES = {".py", ".toml", ".csv", ".md", ".json"}
REGENERATE = "python -m skillsim.simulate.rules_doc --write"

# A rule id as it is cited: a prefix of 4 capitals (or 2 capitals and 2 digits), a hyphen and
# a short code (a capital, or digits after at most one capital), with no ASCII letter or
# digit either side (Chinese prose may touch it). Format words such as YYYY-MM or UTF-8 do
# not match.
CITED_ID = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{4}|[A-Z]{2}[0-9]{2})-(?:[A-Z]?[0-9]{1,2}|[A-Z])(?![A-Za-z0-9])")


class UnknownRule(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ParameterCite:
    name: str
    value: Any  # as JSON would hold it (a date as ISO text)
    unit: str


@dataclass(frozen=True)
class RuleView:
    policy_id: str
    id: str
    clause: str
    title: str
    summary: str
    text: str
    reading: str | None
    parameters: tuple[ParameterCite, ...]
    cited_in: tuple[str, ...]
    tests: tuple[str, ...]
    title_zh: str | None = None   # rules.toml's title_zh (the title in Chinese), if given


# ---- what cites a rule ------------------------------------------------------------------------
def project_files(root: Path, dirs: Iterable[str] = CITING_DIRS) -> list[Path]:
    """The project's code, data and docs files under ``dirs``, the generated pages left out."""
    out = []
    for d in dirs:
        for path in sorted((root / d).rglob("*")):
            rel = path.relative_to(root)
            if (path.suffix in SUFFIXES and path.is_file() and rel.parent != PAGES
                    and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts)):
                out.append(path)
    return out


def cited_ids(text: str) -> set[str]:
    return set(CITED_ID.findall(text))


def citations(root: Path) -> dict[str, set[str]]:
    """Rule id -> the files (relative, posix) that cite it."""
    out: dict[str, set[str]] = {}
    for path in project_files(root):
        rel = path.relative_to(root).as_posix()
        for rid in cited_ids(path.read_text(encoding="utf-8", errors="replace")):
            out.setdefault(rid, set()).add(rel)
    return out


def _prefix(policy: Policy) -> str | None:
    prefixes = {rid.split("-")[0] for rid in policy.rules}
    return prefixes.pop() if len(prefixes) == 1 else None


def tests_naming(root: Path, policies: Iterable[Policy]) -> dict[str, list[str]]:
    """Rule id -> the tests (``tests/test_x.py::test_name``) that name it: in their source
    (decorators included), in their name (``test_BJSA_4_…``), or, in a policy's own test
    module (``test_<package>.py``), by the rule's short code leading the name (``test_G1_…``)."""
    policy_of_module = {f"test_{p.folder.name}": p for p in policies}
    out: dict[str, list[str]] = {}
    # the project's tests, and those of the outside packages under plugins/ (each tests its own rules)
    for path in sorted([*(root / "tests").glob("test_*.py"), *(root / "plugins").glob("*/tests/test_*.py")]):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        policy = policy_of_module.get(path.stem)
        rel = path.relative_to(root).as_posix()
        for qualname, node in _test_functions(ast.parse(source)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            ids = cited_ids("\n".join(lines[first - 1:node.end_lineno]))
            ids |= cited_ids(node.name.replace("_", "-"))
            if policy is not None:
                short = f"{_prefix(policy)}-{(node.name.split('_') + [''])[1]}"
                ids |= {short} & set(policy.rules)
            for rid in ids:
                names = out.setdefault(rid, [])
                if f"{rel}::{qualname}" not in names:
                    names.append(f"{rel}::{qualname}")
    return out


def _test_functions(tree: ast.Module) -> Iterable[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, funcs) and node.name.startswith("test"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for sub in node.body:
                if isinstance(sub, funcs) and sub.name.startswith("test"):
                    yield f"{node.name}::{sub.name}", sub


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ---- the views -------------------------------------------------------------------------------
def rule_views(policy: Policy, root: Path = ROOT, *, _scans: tuple | None = None) -> list[RuleView]:
    """Every rule of ``policy`` with what cites it, in rules.toml's order."""
    cites, tests = _scans or (citations(root), tests_naming(root, all_policies()))
    own = _relative(policy.folder / "rules.toml", root)
    ps = policy.parameters
    views = []
    for rid, rule in policy.rules.items():
        params = tuple(ParameterCite(n, _jsonable(ps[n]), ps.meta(n).unit) for n in ps if ps.meta(n).rule == rid)
        views.append(RuleView(policy.id, rid, rule.clause, rule.title, rule.summary, rule.text, rule.reading,
                              params, tuple(sorted(cites.get(rid, set()) - {own})), tuple(tests.get(rid, [])),
                              rule.title_zh))
    return views


def select(policy_id: str, rule_id: str | None = None, root: Path = ROOT) -> list[RuleView]:
    policy = get_policy(policy_id)
    if rule_id is not None and rule_id not in policy.rules:
        raise UnknownRule(f"{policy_id} has no rule {rule_id!r}; its rules: {', '.join(policy.rules)}")
    views = rule_views(policy, root)
    return [v for v in views if rule_id is None or v.id == rule_id]


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def in_tree_policies(root: Path = ROOT) -> list[Policy]:
    """The registered policies whose folder is in this project (plug-ins document themselves)."""
    return [p for p in all_policies() if _relative(p.folder, root) is not None]


# ---- markdown ----------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_markdown(policy: Policy, view: RuleView, root: Path = ROOT) -> str:
    text_path = _relative(policy.folder / policy.meta.source_file, root)
    source = (f"[{policy.meta.document}](../../{text_path})" if text_path else policy.meta.document)
    out = [f'## <a id="{view.id}"></a>{view.id} · {view.title}' + (f" · {view.title_zh}" if view.title_zh else ""), "",
           f"Clause {view.clause} of {source}.", "",
           f"**Rule.** {view.summary}", "",
           "**Official text** (verbatim; …… joins passages):", "",
           f"> {view.text}", ""]
    if view.reading:
        out += [f"**Reading** (skillsim's, not the text's): {view.reading}", ""]
    if view.parameters:
        out += ["| parameter | value | unit |", "|---|---|---|"]
        out += [f"| `{p.name}` | {_cell(_value_text(p.value))} | {p.unit} |" for p in view.parameters]
        out.append("")
    else:
        out += ["Parameters: none.", ""]
    out += ["Cited in: " + (", ".join(f"`{f}`" for f in view.cited_in) or "nothing yet."), "",
            "Tests: " + (", ".join(f"`{t}`" for t in view.tests) or "none yet."), ""]
    return "\n".join(out)


def policy_page(policy: Policy, views: list[RuleView], root: Path = ROOT) -> str:
    m = policy.meta
    head = [f"# {m.id}: {m.document} {m.title}", "",
            f"Status: {m.status}. Who is paid: {m.payee}. {m.summary}", "",
            f"One section per rule id (anchor = the id). Generated by `{REGENERATE}` from "
            f"`{_relative(policy.folder, root)}/` (rules.toml, parameters.toml, text.txt), the files "
            "that cite each id and the tests that name it; do not edit by hand. How the texts are "
            "read: [conventions](../conventions.md).", ""]
    return "\n".join(head + [rule_markdown(policy, v, root) for v in views]).rstrip("\n") + "\n"


def index_page(policies: list[Policy]) -> str:
    out = ["# Rules: the law beside the code", "",
           "One page per policy, one section per rule id: the clause text, skillsim's reading, "
           "the parameters that cite the rule, the files that cite it and the tests that name it. "
           f"Generated by `{REGENERATE}`; `skillsim rules --policy ID --rule RULE-ID` prints the "
           "same view. Conventions: [../conventions.md](../conventions.md).", "",
           "| rule | clause | title |", "|---|---|---|"]
    for p in policies:
        out.append(f"| **[{p.id}]({p.id}.md)** | | {_cell(p.meta.document)} ({p.meta.status}) |")
        out += [f"| [{rid}]({p.id}.md#{rid}) | {_cell(r.clause)} | {_cell(r.title)}"
                + (f" · {_cell(r.title_zh)}" if r.title_zh else "") + " |" for rid, r in p.rules.items()]
    return "\n".join(out) + "\n"


def generate(root: Path = ROOT) -> dict[str, str]:
    """File name -> content of every page under docs/rules/."""
    policies = in_tree_policies(root)
    scans = (citations(root), tests_naming(root, all_policies()))
    pages = {f"{p.id}.md": policy_page(p, rule_views(p, root, _scans=scans), root) for p in policies}
    pages["README.md"] = index_page(policies)
    return pages


def stale(pages_dir: Path | None = None, root: Path = ROOT) -> list[str]:
    """Pages that are missing, different or no longer generated (sorted names)."""
    pages_dir = pages_dir or root / PAGES
    want = generate(root)
    have = {p.name: p.read_text(encoding="utf-8") for p in pages_dir.glob("*.md")} if pages_dir.is_dir() else {}
    return sorted(n for n in want.keys() | have.keys() if want.get(n) != have.get(n))


def write(pages_dir: Path | None = None, root: Path = ROOT) -> list[str]:
    """Regenerate the pages; returns the names written or removed."""
    pages_dir = pages_dir or root / PAGES
    changed = stale(pages_dir, root)
    want = generate(root)
    pages_dir.mkdir(parents=True, exist_ok=True)
    for name in changed:
        if name in want:
            (pages_dir / name).write_text(want[name], encoding="utf-8")
        else:
            (pages_dir / name).unlink()
    return changed


# ---- the terminal view (skillsim rules) ----------------------------------------------------------
def show(policy_id: str, rule_id: str | None, fmt: str) -> None:
    """Print the rule view(s) of one policy: table, json or the page's markdown."""
    views = select(policy_id, rule_id)
    if fmt == "json":
        sys.stdout.write(json.dumps([asdict(v) for v in views], ensure_ascii=False, indent=1) + "\n")
    elif fmt == "markdown":
        policy = get_policy(policy_id)
        sys.stdout.write("\n".join(rule_markdown(policy, v) for v in views))
    else:
        from rich.console import Console
        from rich.table import Table
        console = Console(width=int(os.environ.get("COLUMNS", 120)))
        # an installed skillsim has no tests/ folder: say so rather than "none"
        NO_TESTS = "—" if (ROOT / "tests").is_dir() else "(the tests are in the source repository, not installed)"
        for v in views:
            table = Table(title=f"{v.id} · {v.title}" + (f" · {v.title_zh}" if v.title_zh else ""), show_header=False)
            table.add_column("field", style="bold")
            table.add_column("value", overflow="fold")
            rows = [("clause", v.clause), ("rule", v.summary), ("official text", v.text),
                    ("reading", v.reading or "—"),
                    ("parameters", "\n".join(f"{p.name} = {_value_text(p.value)} ({p.unit})" for p in v.parameters) or "—"),
                    ("cited in", "\n".join(v.cited_in) or "—"), ("tests", "\n".join(v.tests) or NO_TESTS)]
            for field, value in rows:
                table.add_row(field, value)
            console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skillsim.simulate.rules_doc", description=__doc__.split("\n\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", action="store_true", help="regenerate docs/rules/")
    what.add_argument("--check", action="store_true", help="exit 1 if docs/rules/ is stale")
    args = parser.parse_args(argv)
    if args.write:
        for name in write():
            print(f"{PAGES / name}")
        return 0
    behind = stale()
    if behind:
        print(f"stale rule pages: {', '.join(behind)}; run {REGENERATE}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
