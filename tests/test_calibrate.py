"""skillsim calibrate (simulate/calibration_fit.py): it recovers a known take-up from a target
a run with that take-up produced, says when one free assumption cannot match two targets,
refuses bad input in one line without writing, writes a file that loads and reproduces the
fit; the search itself (one and several free assumptions) on known functions with noise."""
from __future__ import annotations

import contextlib
import io
import json
import tomllib
import numpy as np
import pytest

from skillsim.simulate import calibration_fit as cf
from skillsim.simulate import report, runner, scenario
from skillsim.simulate.cli import main

BJ = "beijing-2026-key-groups"
RANGE = "low = 0.1, high = 0.9"
# a small population most of whose applicants are a key group (registered unemployed), so
# 20,000 people give ~2,600 beneficiaries a replication: runs of ~0.1 s with little noise
TOY = """# a toy for calibrate's tests
[scenario]
name = "toy-calibrate"
description = "toy"
seed = 7
replications = 10

[[populations]]
name = "bj"
city = "beijing"
policies = ["beijing-2026-key-groups"]
size = { value = 20000, source = "test" }
hukou = { shares = { own = 1.0 }, source = "test" }
employment = { shares = { unemployed = 1.0 }, source = "test" }
registered_unemployed = { by_employment = { unemployed = 1.0 }, source = "test" }
certificate_take_up = { TAKE_UP, source = "test: the value to calibrate" }  # a comment of the line
"""


def toy(take_up: float | str, *targets: tuple[str, float, str]) -> str:
    """The toy at a take-up (a number, or a range as "low = …, high = …") with these targets."""
    text = TOY.replace("TAKE_UP", take_up if isinstance(take_up, str) else f"value = {take_up}")
    for metric, value, grade in targets:
        text += (f'\n[[targets]]\nmetric = "{metric}"\npolicy = "{BJ}"\nvalue = {value}\n'
                 f'source = "a run of the toy"\ngrade = "{grade}"\n')
    return text


def figure(take_up: float, metric: str) -> int:
    """The toy's mean figure at this take-up (its own 10 replications and seed)."""
    doc = report.summary(runner.run(scenario.loads(toy(take_up)), keep_claims=False))
    return round(doc["policies"][BJ][metric]["mean"])


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["calibrate", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def budget_03() -> int:
    return figure(0.3, "budget_cny")


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, budget_03):
    """The toy with an uncertain take-up (0.1–0.9, central 0.5) and the budget of take-up 0.3
    as its target, calibrated."""
    d = tmp_path_factory.mktemp("cal")
    src = d / "toy.toml"
    src.write_text(toy(RANGE, ("budget_cny", budget_03, "A")), encoding="utf-8")
    out = d / "calibrated.toml"
    code, stdout, stderr = cli(str(src), "--free", "certificate_take_up", "--out", str(out), "--format", "json")
    return code, json.loads(stdout), stderr, out


def test_recovers_a_known_take_up(calibrated):
    code, rows, stderr, out = calibrated
    assert code == 0 and stderr.strip() == f"wrote {out}"
    free = next(r for r in rows if r["section"] == "free")
    assert free["name"] == "populations.bj.certificate_take_up.value"
    assert (free["start"], free["low"], free["high"]) == (0.5, 0.1, 0.9)                # its uncertain range
    assert abs(free["calibrated"] - 0.3) < 0.01            # the take-up that produced the target
    assert 0 < free["noise_se"] < 0.005
    (target,) = [r for r in rows if r["section"] == "target"]
    assert target["matched"] and abs(target["gap_pct"]) < 2 and target["weight"] == 1.0


def test_the_calibrated_file_cites_its_target_and_keeps_the_rest(calibrated, budget_03):
    _, rows, _, out = calibrated
    text = out.read_text(encoding="utf-8")
    value = next(r for r in rows if r["section"] == "free")["calibrated"]
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert head[0].startswith("# Calibrated by skillsim calibrate from ")
    assert any("populations.bj.certificate_take_up.value: 0.5 -> " in line for line in head)
    assert any(line.startswith("#   budget_cny/beijing-2026-key-groups: target ") for line in head)
    assert "# a toy for calibrate's tests" in text                    # the original's comments are kept
    assert "# a comment of the line" not in text                        # (not the replaced line's)
    raw = tomllib.loads(text)
    take_up = raw["populations"][0]["certificate_take_up"]
    assert set(take_up) == {"value", "source"} and take_up["value"] == value  # a point value, not a range
    assert take_up["source"].startswith(f"calibrated to budget_cny/beijing-2026-key-groups = {budget_03:,} "
                                        "(a run of the toy, grade A) by skillsim calibrate: ")
    assert raw["targets"] == tomllib.loads(toy(RANGE, ("budget_cny", budget_03, "A")))["targets"]
    assert not scenario.loads(text).is_uncertain
    assert not list(out.parent.glob(".*.tmp"))                         # no temporary file left


def test_the_calibrated_file_runs_and_reproduces_the_fit(calibrated, tmp_path):
    _, rows, _, out = calibrated
    assert main(["run", str(out), "--out", str(tmp_path / "run"), "--format", "json"]) == 0
    doc = json.loads((tmp_path / "run" / "summary.json").read_text())
    (row,) = doc["validation"]
    (fit,) = [r for r in rows if r["section"] == "target"]
    assert (row["model_mean"], row["model_p05"], row["model_p95"]) == (fit["model"], fit["model_p05"],
                                                                       fit["model_p95"])


def test_one_free_assumption_cannot_match_two_inconsistent_targets(tmp_path, budget_03):
    # the budget of take-up 0.3 and the beneficiaries of take-up 0.5: no one take-up gives both
    src = tmp_path / "toy.toml"
    src.write_text(toy(0.4, ("budget_cny", budget_03, "B"), ("beneficiaries", figure(0.5, "beneficiaries"), "B")),
                   encoding="utf-8")
    out = tmp_path / "calibrated.toml"
    code, stdout, stderr = cli(str(src), "--free", "certificate_take_up", "--out", str(out), "--format", "json")
    assert code == cf.EXIT_UNFIT == 3
    (line,) = stderr.strip().splitlines()
    assert "cannot match all targets: missed budget_cny/beijing-2026-key-groups by +" in line
    assert "beneficiaries/beijing-2026-key-groups by -" in line and line.endswith("nothing written")
    targets = [r for r in json.loads(stdout) if r["section"] == "target"]
    assert [r["matched"] for r in targets] == [False, False]
    assert targets[0]["gap_pct"] > 5 and targets[1]["gap_pct"] < -5   # the compromise misses both ways
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize("free, message", [
    ("take_up_of_nothing", "--free: 'take_up_of_nothing' is not a number of toy-calibrate that calibrate can set"),
    ("application_take_up,certificate_take_up", "--free: 2 free assumptions and 1 target: the fit would not be "
                                                "unique (underdetermined)"),
    ("certificate_take_up,populations.bj.certificate_take_up.value", "is named twice"),
    ("standard_amounts", None),  # not a number (a table): no such key
    ("parameters.beijing-2026-key-groups.a_tier_uplift_pct", "a legal parameter"),
])
def test_bad_free_names_are_one_line_and_write_nothing(tmp_path, free, message):
    src = tmp_path / "toy.toml"
    src.write_text(toy(0.3, ("budget_cny", 1_000_000, "A")), encoding="utf-8")
    code, stdout, stderr = cli(str(src), "--free", free, "--out", str(tmp_path / "out.toml"))
    assert (code, stdout) == (2, "")
    (line,) = stderr.splitlines()
    assert line.startswith("skillsim calibrate: --free: ") and (message is None or message in line)
    assert list(tmp_path.iterdir()) == [src]


def test_a_short_name_of_several_keys_lists_them(tmp_path):
    two = toy(0.3, ("budget_cny", 1_000_000, "A")).replace("[[targets]]", """[[populations]]
name = "bj2"
city = "beijing"
policies = ["beijing-2026-key-groups"]
size = { value = 1000, source = "test" }

[[targets]]""")
    src = tmp_path / "toy.toml"
    src.write_text(two, encoding="utf-8")
    code, _, stderr = cli(str(src), "--free", "certificate_take_up", "--out", str(tmp_path / "out.toml"))
    assert code == 2
    assert ("'certificate_take_up' names 2 keys of toy-calibrate: give one of "
            "populations.bj.certificate_take_up.value, populations.bj2.certificate_take_up.value") in stderr


def test_no_targets_or_an_existing_out_is_one_line_and_writes_nothing(tmp_path):
    bare = tmp_path / "bare.toml"
    bare.write_text(toy(0.3), encoding="utf-8")
    code, stdout, stderr = cli(str(bare), "--free", "certificate_take_up", "--out", str(tmp_path / "out.toml"))
    assert (code, stdout, stderr) == (2, "", "skillsim calibrate: targets: toy-calibrate lists no [[targets]]: "
                                             "nothing to calibrate to\n")
    src = tmp_path / "toy.toml"
    src.write_text(toy(0.3, ("budget_cny", 1_000_000, "A")), encoding="utf-8")
    taken = tmp_path / "taken.toml"
    taken.write_text("mine", encoding="utf-8")
    code, stdout, stderr = cli(str(src), "--free", "certificate_take_up", "--out", str(taken))
    assert (code, stdout) == (2, "") and stderr == (f"skillsim calibrate: --out: {taken} exists: calibrate never "
                                                    "replaces a file\n")
    assert taken.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["bare.toml", "taken.toml",
                                                                                        "toy.toml"]
    code, _, stderr = cli(str(src), "--free", "certificate_take_up", "--out", str(tmp_path / "no" / "x.toml"))
    assert code == 2 and "--out: folder" in stderr


def test_ranges_searched_and_values_set():
    text = toy("low = 0.2, high = 0.4", ("budget_cny", 1_000_000, "A"), ("beneficiaries", 1000, "B"))
    scen = scenario.loads(text)
    free, refused = cf.candidates(scen)
    take = free["populations.bj.certificate_take_up.value"]
    assert (take.start, take.low, take.high, take.step) == (0.3, 0.2, 0.4, None)    # its uncertain range
    assert (free["populations.bj.application_take_up.value"].low, free["populations.bj.application_take_up.value"].high) \
        == (0.0, 1.0)                                                                  # a probability
    size = free["populations.bj.size.value"]
    assert (size.low, size.high, size.step) == (2000, 200000, 1)                       # 1/10–10× the value, whole
    assert size.snap(1234.6) == 2000 and size.snap(5000.4) == 5000
    extra = free["populations.bj.extra_certificates.value"]
    assert (extra.low, extra.high) == (pytest.approx(0.015), pytest.approx(1.5))
    assert "parameters.beijing-2026-key-groups.a_tier_uplift_pct" in refused
    point = cf.fixed(scen, {"populations.bj.certificate_take_up.value": 0.25,
                            "populations.bj.extra_certificates.value": 0.5})
    assert not point.is_uncertain
    a = point.populations[0].a
    assert (a["certificate_take_up"]["value"], a["extra_certificates"]["value"]) == (0.25, 0.5)
    assert scen.populations[0].a["extra_certificates"]["value"] == 0.15                 # the original untouched


def test_a_parameter_of_kind_assumption_can_be_freed(tmp_path):
    sh = "shanghai-2025-skills-upgrade"
    original = _SH_FILE.format(sh=sh)
    scen = scenario.loads(original)
    (free,) = cf.resolve(scen, ["payment_delay_months"])
    assert (free.key, free.start, free.low, free.high, free.step) == (f"parameters.{sh}.payment_delay_months", 2, 0,
                                                                      36, 1)
    assert free.range_from == "the parameter's declared bounds"
    assert cf.fixed(scen, {free.key: 5}).parameters == {sh: {"payment_delay_months": 5}}
    # the new file: a [parameters.<policy>] table added, the population's default written in its table
    take = cf.resolve(scen, ["application_take_up"])[0]
    text = cf.new_text(original,
                       [(free, 5, "calibrated"), (take, 0.7, "calibrated too")], ["a header"])
    assert text.startswith("# a header\n#\n# keep me\n")
    raw = tomllib.loads(text)
    assert raw["parameters"][sh]["payment_delay_months"] == {"value": 5, "source": "calibrated"}
    assert raw["populations"][0]["application_take_up"] == {"value": 0.7, "source": "calibrated too"}
    assert scenario.loads(text).parameters == {sh: {"payment_delay_months": 5}}


_SH_FILE = """# keep me
[scenario]
name = "sh"
description = "toy"
seed = 1

[[populations]]
name = "sh"
city = "shanghai"
policies = ["{sh}"]
size = {{ value = 1000, source = "test" }}
"""


def test_a_file_the_line_edit_cannot_handle_is_rewritten_whole():
    # the assumption as a sub-table: a line edit would give a second key, so tomli-w writes the tables
    text = toy(0.3).replace(
        'certificate_take_up = { value = 0.3, source = "test: the value to calibrate" }  # a comment of the line',
        '\n[populations.certificate_take_up]\nvalue = 0.3\nsource = "test"')
    scen = scenario.loads(text)
    (free,) = cf.resolve(scen, ["certificate_take_up"])
    new = cf.new_text(text, [(free, 0.25, "calibrated")])
    assert tomllib.loads(new)["populations"][0]["certificate_take_up"] == {"value": 0.25, "source": "calibrated"}
    assert "# a toy" not in new


def test_a_run_at_size_is_scaled_to_the_scenario(tmp_path):
    scen = scenario.loads(toy(0.3))
    small = scen.with_changes(size=10000, replications=2)
    res = runner.run(small, keep_claims=False)
    up = cf.scaled(res, cf.size_factors(scen, small))
    for k in ("budget_cny", "beneficiaries", "claims", "target_population"):
        assert up.totals[k].to_list() == [2 * v for v in res.totals[k].to_list()]
    assert up.totals["coverage"].to_list() == res.totals["coverage"].to_list()
    years = up.totals["payment_years"].to_list()[0]
    assert sum(y["budget_cny"] for y in years) == up.totals["budget_cny"][0]


# ---------------------------------------------------------------- the search on known functions

def noisy(f, scale: float):
    """f plus a deterministic jagged noise of relative size ``scale`` (as a seeded simulation gives)."""
    def g(x):
        h = np.random.default_rng(abs(hash(tuple(np.round(x, 9)))) % 2**32)
        y = np.asarray(f(x), float)
        return y * (1 + scale * h.normal(size=y.shape))
    return g


def test_the_search_finds_the_root_of_one_jagged_figure():
    free = [cf.Free("populations.p.certificate_take_up.value", 0.5, 0.0, 1.0, None, "a probability")]
    fit = cf.search(noisy(lambda x: [1e6 * x[0] + 2e5 * x[0] ** 2], 0.02), free, np.array([1e6 * 0.3 + 2e5 * 0.09]),
                    np.array([1.0]))
    assert abs(fit.x[0] - 0.3) < 0.006 and 0 < fit.se[0] < 0.006
    assert fit.evaluations <= 4 * 7


def test_the_search_with_two_free_assumptions_and_three_targets():
    free = [cf.Free("populations.p.certificate_take_up.value", 0.5, 0.0, 1.0, None, "a probability"),
            cf.Free("parameters.x.payment_delay_months", 10, 0, 36, 1, "declared")]
    truth = np.array([0.35, 7])

    def f(x):
        return [1e6 * x[0], 3e4 * x[0] * x[1], 5e3 * x[1] + 1e4]
    fit = cf.search(noisy(f, 0.005), free, np.array(f(truth)), np.array([1.0, 0.5, 0.25]))
    assert abs(fit.x[0] - 0.35) < 0.01 and fit.x[1] == 7
    assert np.all(np.abs(fit.sensitivity) > 0)


def test_an_assumption_that_moves_no_target_is_not_determined():
    free = [cf.Free("populations.p.certificate_take_up.value", 0.5, 0.0, 1.0, None, "a probability"),
            cf.Free("populations.p.extra_certificates.value", 0.15, 0.015, 1.5, None, "schema")]
    fit = cf.search(noisy(lambda x: [1e6 * x[0], 2e3 * x[0] + 10], 0.001), free, np.array([3e5, 610.0]),
                    np.array([1.0, 1.0]))
    rows = [{"label": "t", "inside": True, "gap_pct": 0.0, "model_mean": 1, "target": 1}] * 2
    problem = cf._problem(free, list(fit.x), fit, rows, cf.TOLERANCE_PCT)
    assert problem.startswith("the targets cannot determine populations.p.extra_certificates.value")
