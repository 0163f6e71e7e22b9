"""Fuzz the command line with bad and odd input: parameter overrides, scenario files and
``compare`` inputs (claims are fuzzed in test_claim_input.py). Whatever the input,
``skillsim`` keeps its promise (tests/fuzzing.py: exit 0, or 2 with one line and nothing
on stdout), writes nothing when it refuses, and a figure it does print is never a silent
wrong one: no NaN or infinity, no negative budget, no eligible claim without an amount.

``make fuzz`` runs the same tests with many more examples (SKILLSIM_FUZZ=long).
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import assume, given
from hypothesis import strategies as st

from skillsim.policies import get_policy, policy_ids
from skillsim.policies.engine import STATUSES

from .fuzzing import cli, fuzz_settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))

# ---------------------------------------------------------------- odd values

ODD_NUMBERS = [math.nan, math.inf, -math.inf, -1, 0, 1, 2, 3, 0.5, 1.5, 80.9, 1e-9, -0.1, 1e308,
               2**31, 2**63, 2**64 + 1, 10**30, -(10**30)]
ODD_SCALARS = ODD_NUMBERS + ["", " ", "x", "nan", "2026-01-01", "9999-12-31", "0001-01-01", "2026-02-30",
                             "beijing-2026-key-groups", "a/b", "../x", "[red]x[/]", "x" * 5000, True, False]
odd_scalars = st.sampled_from(ODD_SCALARS) | st.integers() | st.floats() | st.text(max_size=12)
odd_values = st.recursive(odd_scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=6) | st.sampled_from(["1", "5", "A", "ungraded"]),
                                            inner, max_size=3), max_leaves=6)


def paths(node: Any, at: tuple = ()) -> list[tuple]:
    """Every path into a nested structure of dicts and lists (the root excluded)."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        out.append(at + (k,))
        out += paths(v, at + (k,))
    return out


def _parent(root: Any, path: tuple) -> Any:
    for k in path[:-1]:
        root = root[k]
    return root


def non_finite(node: Any) -> bool:
    if isinstance(node, float):
        return not math.isfinite(node)
    if isinstance(node, dict):
        return any(non_finite(v) for v in node.values())
    if isinstance(node, list):
        return any(non_finite(v) for v in node)
    return False


@st.composite
def mutated(draw, base: dict, values=odd_values) -> tuple[dict, str]:
    """``base`` with one to three changes at random places: a value replaced, a key
    removed or added, or a list item repeated. Returns the document and what was done."""
    doc = copy.deepcopy(base)
    done = []
    for _ in range(draw(st.integers(1, 3))):
        if not paths(doc):  # everything deleted already
            break
        where = draw(st.sampled_from(paths(doc)))
        parent, key = _parent(doc, where), where[-1]
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "repeat"]))
        if op == "replace":
            parent[key] = draw(values)
        elif op == "delete":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        elif op == "repeat" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        done.append(f"{op} {'.'.join(map(str, where))}")
    return doc, "; ".join(done)


def finite_json(text: str) -> Any:
    """JSON that must hold no NaN or infinity."""
    def refuse(const: str) -> Any:
        raise AssertionError(f"{const} in output")
    return json.loads(text, parse_constant=refuse)


# ---------------------------------------------------------------- parameter overrides

def _example_claim(pid: str) -> Path | None:
    for name, want in sorted(EXPECTED.items()):
        if want["policy"] == pid:
            return EXAMPLES / name
    return None


DRAFT_AMOUNTS = ["training_base_per_trainee_cny=1500", "project_training_per_trainee_cny=1000",
                 "district_programme_per_trainee_cny=600"]
DRAFT_CLAIM = {"person_id": "pt-1", "hukou": "beijing", "age": 28, "sex": "female", "employment": "unemployed",
               "cert_kind": "training_only", "cert_issue_date": "2026-05-20", "cert_issuer_city": "beijing",
               "application_date": "2026-06-01", "trained_by": "training_body", "district": "朝阳区"}


def _json_text(v: Any) -> str:
    return v.isoformat() if isinstance(v, dt.date) else json.dumps(v, ensure_ascii=False)


@st.composite
def override(draw, pid: str) -> tuple[str, str]:
    """NAME=VALUE for one of the policy's parameters: its baseline value changed at random."""
    params = get_policy(pid).parameters
    name = draw(st.sampled_from(sorted(params)))
    base = params[name]
    if isinstance(base, (dict, list)) and base and draw(st.booleans()):
        value, _ = draw(mutated({"v": base}))
        value = value.get("v", {})
    else:
        value = draw(odd_values)
    assume(value is not None)
    return name, _json_text(value)


@pytest.mark.parametrize("pid", policy_ids())
def test_parameter_overrides_never_crash_or_pay_silently(pid, tmp_path):
    claim = _example_claim(pid)
    extra: list[str] = []
    if claim is None:  # the draft: no worked example; it runs once its amounts are set
        claim = tmp_path / "claim.json"
        claim.write_text(json.dumps(DRAFT_CLAIM), encoding="utf-8")
        extra = [a for s in DRAFT_AMOUNTS for a in ("--set", s)]

    @fuzz_settings(short=60, long=600)
    @given(st.lists(override(pid), min_size=1, max_size=3))
    def check(pairs):
        argv = ["explain", "--policy", pid, "--claim", str(claim), *extra]
        for name, value in pairs:
            argv += ["--set", f"{name}={value}"]
        res = cli(*argv)
        if res.code == 0:
            got = finite_json(res.out)
            assert got["status"] in STATUSES
            assert isinstance(got["amount_cny"], int) and 0 <= got["amount_cny"] <= 10**9, got
            if got["status"] == "eligible":
                assert got["base_amount_cny"] is not None and got["rate"] is not None, got
            else:
                assert got["amount_cny"] == 0
            for side in ("city_cny", "district_cny"):
                assert (got["funding"] or {}).get(side) in (None,) or got["funding"][side] >= 0, got

    check()


# ---------------------------------------------------------------- scenario files

BJ = "beijing-2026-key-groups"
SH = "shanghai-2025-skills-upgrade"
BASE_SCENARIOS = [
    {"scenario": {"name": "fuzz-bj", "description": "fuzz base", "seed": 1, "replications": 2},
     "populations": [{"name": "beijing", "city": "beijing", "policies": [BJ],
                      "size": {"value": 300, "source": "fuzz"},
                      "employment": {"shares": {"employed": 0.4, "flexible": 0.15, "unemployed": 0.25,
                                                "student": 0.1, "other": 0.1}, "source": "fuzz"},
                      "certificate_take_up": {"value": 0.5, "source": "fuzz"},
                      "issue_dates": {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31), "source": "fuzz"},
                      "age": {"shares": {"16-34": 0.6, "35-64": 0.4}, "source": "fuzz"}}],
     "reform": {BJ: {"a_tier_uplift_pct": {"value": 30, "source": "fuzz"}}}},
    {"scenario": {"name": "fuzz-sh", "description": "fuzz base", "seed": 2, "replications": 1},
     "populations": [{"name": "shanghai", "city": "shanghai", "policies": [SH, BJ],
                      "size": {"value": 300, "source": "fuzz"},
                      "registered_unemployed": {"by_employment": {"unemployed": 0.6}, "source": "fuzz"},
                      "districts": {"shares": {"浦东新区": 0.5, "徐汇区": 0.5}, "source": "fuzz"},
                      "prior_subsidies": {"policies": {SH: 0.05}, "source": "fuzz"}}],
     "parameters": {SH: {"payment_delay_months": {"value": 2, "source": "fuzz"}}},
     "reform": {SH: {"rate_employed_pct": {"value": 100, "source": "fuzz"}}},
     "catalog_assumptions": {SH: {"unknown_class_shares": {"shares": {"A": 0.2, "B": 0.4, "C": 0.4},
                                                           "source": "fuzz"}}}},
]


def _toml(doc: dict) -> bytes | None:
    try:
        return tomli_w.dumps(doc).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        return None  # not expressible in TOML (e.g. a list of tables mixed with values)


def _check_summary(folder: Path) -> None:
    doc = finite_json((folder / "summary.json").read_text(encoding="utf-8"))
    for pid, e in doc["policies"].items():
        for key in ("budget_cny", "beneficiaries", "cost_per_beneficiary_cny"):
            iv = e[key]
            assert iv["mean"] >= 0 and iv["p05"] <= iv["mean"] + 1e-6 <= iv["p95"] + 2e-6, (pid, key, iv)
        assert 0 <= e["coverage"]["mean"] <= 1, (pid, e["coverage"])
        assert e["eligible_claims"] <= e["claims"]


@fuzz_settings(short=30, long=500)
@given(st.sampled_from(range(len(BASE_SCENARIOS))).flatmap(lambda i: mutated(BASE_SCENARIOS[i])),
       st.sampled_from(["", "bom", "garbage"]))
def test_scenario_files_are_refused_in_one_line_or_run_right(tmp_path_factory, case, wrap):
    doc, what = case
    data = _toml(doc)
    assume(data is not None)
    if wrap == "bom":
        data = b"\xef\xbb\xbf" + data
    elif wrap == "garbage":
        data = data[: len(data) // 2] + b"\xff\xfe[[" + data[len(data) // 2:]
    folder = tmp_path_factory.mktemp("scen")
    path = folder / "s.toml"
    path.write_bytes(data)
    out = folder / "out"
    res = cli("run", str(path), "--out", str(out))
    if res.code == 2:
        assert not out.exists(), f"{what}: refused but wrote {out}"
        return
    assert wrap != "garbage", "a file that is not TOML ran"
    assert not non_finite(doc), f"{what}: NaN or infinity in the scenario was accepted"
    _check_summary(out)
    shutil.rmtree(folder)


def test_a_policy_listed_twice_is_refused(tmp_path):
    doc = copy.deepcopy(BASE_SCENARIOS[0])
    doc["populations"][0]["policies"] = [BJ, BJ]
    (tmp_path / "s.toml").write_bytes(_toml(doc))
    res = cli("run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"))
    assert res.code == 2 and "policies" in res.err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["employment.shares.employed", "certificate_take_up.value"])
def test_nan_in_a_share_or_probability_is_refused(tmp_path, where):
    doc = copy.deepcopy(BASE_SCENARIOS[0])
    *keys, last = where.split(".")
    node = doc["populations"][0]
    for k in keys:
        node = node[k]
    node[last] = math.nan
    (tmp_path / "s.toml").write_bytes(_toml(doc))
    res = cli("run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"))
    assert res.code == 2 and where.split(".")[0] in res.err


# ---------------------------------------------------------------- compare

@pytest.fixture(scope="module")
def run_output(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    (folder / "s.toml").write_bytes(_toml(BASE_SCENARIOS[1]))
    assert cli("run", str(folder / "s.toml"), "--out", str(folder / "a")).code == 0
    return folder / "a"


NUMBER = re.compile(r"(?<![\w-])(nan|inf|-inf|infinity)(?![\w-])", re.IGNORECASE)


@st.composite
def broken_summary(draw, good: dict) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "bytes", "cut"]))
    text = json.dumps(good, ensure_ascii=False)
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "cut":
        return text.encode()[: draw(st.integers(0, len(text) - 1))]
    doc, _ = draw(mutated(good, odd_values | st.none()))
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        return b"{"


def test_compare_inputs_are_refused_in_one_line_or_compared_finitely(run_output, tmp_path_factory):
    good = json.loads((run_output / "summary.json").read_text(encoding="utf-8"))

    @fuzz_settings(short=60, long=1000)
    @given(broken_summary(good), st.booleans())
    def check(data, first):
        other = tmp_path_factory.mktemp("b")
        (other / "summary.json").write_bytes(data)
        a, b = (other, run_output) if first else (run_output, other)
        res = cli("compare", str(a), str(b))
        if res.code == 0:
            assert not NUMBER.search(res.out), res.out
        shutil.rmtree(other)

    check()


def test_compare_a_missing_folder_or_summary(run_output, tmp_path):
    for other in (tmp_path / "absent", tmp_path):
        res = cli("compare", str(run_output), str(other))
        assert res.code == 2 and str(other.name) in res.err
