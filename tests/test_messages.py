"""Every per-claim message a policy can produce has a Chinese translation (issue 16, item 4):
each policy's messages.zh.toml (policies/messages.py), the plug-in's too.

Two ways to find what a policy can say: run its examples and the worked examples, varied
field by field into a population that reaches every status (skillsim.testing.translations),
through evaluate with reasons and the caps, and translate every distinct message (no
English word may be left besides ids, code names and numbers); and read the policy's code
(ast) for every template given to fmt and every message written as a plain string or an
f-string (filled by each call of the helper lambda it sits in, else read with {} for its holes,
as the template it must have), which reaches the branches no example does (a cap crossed, a
rare certificate)."""
from __future__ import annotations

import ast
import inspect
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from skillsim.policies import all_policies, claims_frame, get_policy, policy_ids
from skillsim.policies.claim_schema import CHOICE_LABELS
from skillsim.policies.engine import collect
from skillsim.policies.messages import Messages, MessagesError, english_words, load_messages
from skillsim.testing import Finding, Report
from skillsim.testing.kit import check_translations, example_parameters
from skillsim.testing.translations import produced_messages, translation_problems, varied_claims

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def worked_examples() -> tuple[dict, ...]:
    return tuple(json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*-*.json")))


@pytest.mark.parametrize("pid", policy_ids())
def test_every_message_the_examples_give_translates(pid):
    policy = get_policy(pid)
    p, _ = example_parameters(policy)
    claims = varied_claims(policy, list(worked_examples()))
    statuses = set(collect(policy.evaluate(claims_frame(claims), p, detail="amounts"))["status"])
    possible = {"eligible"} | {c.status for c in policy.checks(p)}      # every status the policy can give
    assert statuses == possible, f"the varied claims reach only {sorted(statuses)} of {sorted(possible)}"
    messages = produced_messages(policy, p, list(worked_examples()))
    assert len(messages) > 40
    assert translation_problems(policy, messages) == []
    # in English: the same template, no value by its code name (skill_level, enterprise_direct, beijing)
    codes = [c for c in CHOICE_LABELS if "_" in c] + [p.meta.city for p in all_policies()]
    word = {c: re.compile(rf"(?<![\w-]){c}(?![\w-])") for c in codes}     # not inside an id (beijing-2026-…)
    for m in messages:
        template = next(t for t in policy.messages.templates if t.pattern.fullmatch(m)) \
            if m not in policy.messages.values else None
        english = policy.messages.translate(m, "en")
        literal = template.english if template else m
        left = [c for c in codes if len(word[c].findall(english)) > len(word[c].findall(literal))]
        assert not left, (m, english)


def _message_args(node: ast.Call) -> list[ast.expr]:
    """The arguments of a call that are a message: fmt's template, a Check's why, a Note's message."""
    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
    return {"fmt": node.args[:1], "Check": [k.value for k in node.keywords if k.arg == "why"] + node.args[2:3],
            "Note": node.args[1:2]}.get(name, [])


def _filled_fstring(node: ast.JoinedStr, bound: dict[str, str]) -> str | None:
    """An f-string with each ``{name}`` replaced by ``bound[name]``; with {} where ``bound`` is
    empty (the f-string as a fmt template would be); None where a hole is not a bound name."""
    out = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            out.append(v.value)
        elif not bound:
            out.append("{}")
        elif isinstance(v.value, ast.Name) and v.value.id in bound and v.conversion == -1 and v.format_spec is None:
            out.append(bound[v.value.id])
        else:
            return None
    return "".join(out)


def _templates_in_code(policy) -> list[tuple[int, str]]:
    return _messages_in_source(Path(inspect.getsourcefile(type(policy))).read_text(encoding="utf-8"))


def _messages_in_source(source: str) -> list[tuple[int, str]]:
    """(line, text) of every fmt template, Check why and Note message written in the code: a
    constant as it is; an f-string inside a helper lambda (``need = lambda rule, field, what:
    Check(..., why=f"{field} is needed: {what}")``) as each call of it with constant arguments
    fills it; any other f-string with {} for its holes, as the template it must have."""
    tree = ast.parse(source)
    found, done = [], set()
    for node in ast.walk(tree):       # helper lambdas building a message from their arguments
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        params = [a.arg for a in node.value.args.args]
        fstrings = [a for call in ast.walk(node.value.body) if isinstance(call, ast.Call)
                    for a in _message_args(call) if isinstance(a, ast.JoinedStr)]
        calls = [c for c in ast.walk(tree) if isinstance(c, ast.Call) and getattr(c.func, "id", None) ==
                 node.targets[0].id]
        for f in fstrings:
            done.add(id(f))
            assert calls, f"line {f.lineno}: a message f-string in a helper never called"
            for c in calls:
                bound = {k: a.value for k, a in zip(params, c.args) if isinstance(a, ast.Constant)}
                bound |= {k.arg: k.value.value for k in c.keywords if isinstance(k.value, ast.Constant)}
                text = _filled_fstring(f, bound)
                assert text is not None, f"line {c.lineno}: a message f-string filled with what is not a constant"
                found.append((c.lineno, text))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for a in _message_args(node):
                if isinstance(a, ast.Constant) and isinstance(a.value, str):
                    found.append((a.lineno, a.value))
                elif isinstance(a, ast.JoinedStr) and id(a) not in done:
                    found.append((a.lineno, _filled_fstring(a, {})))
    return found


def test_the_code_scan_reads_f_strings():
    """A message written as an f-string is read too: filled by its helper's calls, else as a template."""
    code = """
need = lambda rule, field, what: Check(rule, C(field).is_null(), why=f"{field} is needed: {what}")
checks = [need("X-1", "hire_date", "X-1 pays new hires"), need("X-2", field="age", what="an adult")]
other = Check("X-3", C("a"), why=f"the draft became {final} ({note})")
"""
    found = [text for _, text in _messages_in_source(code)]
    assert sorted(found) == ["age is needed: an adult", "hire_date is needed: X-1 pays new hires",
                             "the draft became {} ({})"]


@pytest.mark.parametrize("pid", policy_ids())
def test_every_message_written_in_the_code_has_a_translation(pid):
    policy = get_policy(pid)
    book = policy.messages
    keys = {t.english for t in book.templates} | set(book.values)
    found = _templates_in_code(policy)
    assert len(found) >= 3
    missing = [(line, text) for line, text in found if text not in keys]
    assert not missing, f"{type(policy).__module__}: no translation in messages.zh.toml of {missing}"


def test_in_english_the_values_read_by_their_plain_names():
    """The template's English side, each value by the contract's English label (a word the label
    ends with and the template goes on with said once), a jurisdiction by its name; phrases,
    numbers and dates as they are; None where no template matches."""
    sh = get_policy("shanghai-2025-skills-upgrade").messages
    assert sh.translate("a skill_level certificate is not a 职业技能证书 (qualification, skill-level or "
                        "special-ability certificate)", "en") == \
        "a skill-level certificate is not a 职业技能证书 (qualification, skill-level or special-ability certificate)"
    assert sh.translate("obtained by enterprise_direct (企业直接认定/竞赛晋升/境外证书比照/表彰), which is excluded", "en") \
        == "obtained by direct recognition by the employer (企业直接认定/竞赛晋升/境外证书比照/表彰), which is excluded"
    assert sh.translate("no such message", "en") is None
    bj = get_policy("beijing-2019-skills-action").messages
    share = "ceiling 1000 yuan (不超过), paid share 80%: 800 yuan"
    assert bj.translate(f"high_tech enterprise, training passed: {share}", "en") == \
        f"high-tech industry enterprise, training passed: {share}"
    assert bj.translate("named by the claim", "en") == "named by the claim"
    nx = get_policy("ningxia-2025-skills-subsidy").messages
    assert nx.translate("qualification certificate, 高级工(三级)", "en") == \
        "vocational qualification certificate, 高级工(三级)"


def test_a_translation_fills_the_values_in_their_places():
    book = get_policy("beijing-2019-skills-action").messages
    # {1} before {0}: the year first in Chinese
    assert book.translate("already 2 subsidies in 2020 (at most 3 a year)") == "2020 年已享受 2 次补贴 (每年至多 3 次)"
    # a message within a message, a claim field's choice, a phrase of [values]
    share = "ceiling 1000 yuan (不超过), paid share 80%: 800 yuan"
    assert book.translate(f"high_tech enterprise, training passed: {share}") == \
        "高精尖产业企业, 培训考核合格: 上限 1000 元 (不超过), 按 80% 补贴: 800 元"
    line = book.translate("line BJSA-4 (岗位培训提升计划), inferred from the certificate; dated 2020-01-01, "
                          "within the plan's period 2019-01-01 … 2021-12-31")
    assert line == "补贴项目 BJSA-4 (岗位培训提升计划), 由证书推定; 日期 2020-01-01, 在方案期间 2019-01-01 至 2021-12-31 之内"
    # the engine's own message around the policy's, and a jurisdiction by its name
    assert book.translate("project P1 has reached 50000 yuan in 2020; trimmed to the 300 yuan left under the cap") \
        == "项目 P1 在 2020 年已达 50000 元上限; 核减为上限内剩余的 300 元"
    assert get_policy("shanghai-2025-skills-upgrade").messages.translate(
        "issued by a body registered in beijing, not in Shanghai") == "发证机构登记地: 北京, 不在本市"
    assert book.translate("a message no template knows") is None
    assert english_words("须填写培训课时 (training_hours): BJSA-10 4-01-05-01 p1") == []
    assert english_words("职业 unknown 的 3 级") == ["unknown"]


@pytest.mark.parametrize("text, error", [
    ('[messages]\n"a {} b {}" = "甲 {} 乙"\n', "2 placeholders, the Chinese template has 1"),
    ('[messages]\n"a {} b {}" = "甲 {1} 乙 {}"\n', "mixes"),
    ('[messages]\n"a {} b {}" = "甲 {1} 乙 {1}"\n', "each of {0} … {1}"),
    ('[messages]\n"a {x}" = "甲"\n', "{} placeholders only"),
    ('[values]\n"a" = ""\n', "needs a Chinese text"),
    ('[other]\n"a" = "甲"\n', "unknown table 'other'"),
    ('[messages\n', "messages.zh.toml"),
])
def test_a_broken_messages_file_is_one_line_naming_what(tmp_path, text, error):
    (tmp_path / "messages.zh.toml").write_text(text, encoding="utf-8")
    with pytest.raises(MessagesError, match="messages.zh.toml") as exc:
        load_messages(tmp_path)
    assert error in str(exc.value) and "\n" not in str(exc.value)
    assert not load_messages(tmp_path / "nowhere")       # no file: no translations, not an error


def kit_finding(policy) -> Finding:
    report = Report(policy.id)
    check_translations(policy, example_parameters(policy)[0], report)
    (found,) = report.findings
    assert found.check == "messages in Chinese"
    return found


def test_the_kit_warns_of_untranslated_messages_and_fails_a_broken_file():
    base = type(get_policy("ningxia-2025-skills-subsidy"))
    ok = kit_finding(base())
    assert ok.ok and not ok.warning and "every one translated" in ok.message
    bare = kit_finding(type("Bare", (base,), {"messages": Messages()})())
    assert bare.ok and bare.warning and "no messages.zh.toml" in bare.message
    assert str(Report("x", [bare])).startswith("warn")
    book = get_policy("ningxia-2025-skills-subsidy").messages
    half = kit_finding(type("Half", (base,), {"messages": Messages(book.templates[1:], book.values)})())
    assert half.ok and half.warning and "no translation of" in half.message
    english = Messages(tuple(t if i else type(t).of(t.english, "未译 english " + "{}" * t.english.count("{}"))
                             for i, t in enumerate(book.templates)), book.values)
    problems = translation_problems(type("E", (base,), {"messages": english})(),
                                    {book.templates[0].english.replace("{}", "1"): "NX25-L1"})
    assert problems[0].endswith("English left: english")

    def broken(self):
        raise MessagesError("messages.zh.toml: 'x': 2 placeholders, the Chinese template has 1")
    bad = kit_finding(type("Bad", (base,), {"messages": property(broken)})())
    assert not bad.ok and "2 placeholders" in bad.message
    # that check_policy runs it, every built-in policy translated: tests/test_conformance.py
