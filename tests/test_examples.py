"""Worked examples (examples/): what a careful reader computes, via `skillsim explain`."""
import json
from pathlib import Path

import pytest

from skillsim.simulate.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name, capsys):
    want = EXPECTED[name]
    assert main(["explain", "--policy", want["policy"], "--claim", str(EXAMPLES / name)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert (got["status"], got["amount_cny"], got["deciding_rule"]) == \
        (want["status"], want["amount_cny"], want["deciding_rule"]), want["why"]
    assert all(r["rule"] and r["clause"] and r["message"] for r in got["reasons"])


def test_every_example_file_has_an_expectation():
    assert {p.name for p in EXAMPLES.glob("*.json")} - {"expected.json"} == set(EXPECTED)
