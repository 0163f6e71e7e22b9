"""The dashboard an official can share and trust (issue 16, items 5–7), under streamlit's AppTest:
the link holds the view (page, language, scenario, policy, every reform change), the Reform
page keeps its state across pages, every download records what it shows, input that is no
reform or figures that collapse or explode are flagged (never a silent zero), an invalid field
keeps the last valid results greyed and marked, and the ready scenarios' runs come from a disk
cache that a fresh process reads instead of running. Small populations (3,000 people, 2
replications); every number is checked against the calculators or the simulator."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from skillsim.dashboard import cache, cli, data, formats, labels, ui
from skillsim.dashboard.cli import REPS_ENV, SIZE_ENV
from skillsim.simulate import report, runner, scenario

ROOT = Path(__file__).resolve().parent.parent / "dashboard"
SIZE, REPS = 3_000, 2
BJ, SH = "beijing-2026-baseline", "shanghai-2025-baseline"
BJKG = "beijing-2026-key-groups"
KEY = f"p:{BJ}:{BJKG}:"          # the Reform page's widget keys for Beijing's policy in its baseline
UPLIFT = KEY + "a_tier_uplift_pct"


@pytest.fixture(autouse=True)
def small(monkeypatch, tmp_path_factory):
    monkeypatch.setenv(SIZE_ENV, str(SIZE))
    monkeypatch.setenv(REPS_ENV, str(REPS))


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def reform(**query) -> AppTest:
    """The Reform page opened from a link with this query, run."""
    at = AppTest.from_file(str(ROOT / "views" / "reform.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return ok(at.run())


def written(language: str, write, *args, **kwargs) -> str:
    """What dashboard/formats.py writes in this language."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(formats, "lang", lambda: language)
        mp.setattr(labels, "lang", lambda: language)
        return write(*args, **kwargs)


def zh(write, *args, **kwargs) -> str:
    """What dashboard/formats.py writes in Chinese, the pages' default language."""
    return written("zh", write, *args, **kwargs)


def param_name(name: str, language: str = "zh") -> str:
    return runner.policy_params(scenario.load(BJ), BJKG, "baseline").meta(name).label_in(language)


def baseline_totals(pid: str = BJKG, changes: dict | None = None) -> dict:
    """What the calculators give replication 1 of the Beijing baseline at the test size, under ``changes``."""
    scen = scenario.load(BJ).with_changes(size=SIZE, replications=REPS)
    pop = scen.populations[0]
    drawn = runner.draw(scen, pop)
    params = runner.policy_params(scen, pid, "baseline", drawn.classes[pid])
    res = runner.run_policy(runner.moved(drawn.claims, pop, pid), pid, params.override(changes or {}))
    from skillsim.simulate import metrics
    return metrics.totals(res, pop.size, drawn.holders)


def metrics_shown(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


# ---------------------------------------------------------------- the link holds the view

def test_a_link_reproduces_a_reform():
    """Scenario, policy, a slider, a date, an amount table and the breakdown from the link: the
    same widgets and the same figures as the calculators give for that reform."""
    table = {"1": 3000, "2": 2500, "3": 2000, "4": 1500, "5": 1000}
    at = reform(rf_scenario=BJ, rf_policy=f"京人社能发〔2026〕2号 ({BJKG})", **{UPLIFT: "50"},
                rf_tables=json.dumps({"skill_level_tier_b": table}), rf_dimension="领取对象")
    assert at.slider(key=UPLIFT).value == 50
    assert at.selectbox(key="rf_dimension").value == "payee"
    want = baseline_totals(changes={"a_tier_uplift_pct": 50, "skill_level_tier_b": table})
    assert metrics_shown(at)[:2] == [zh(formats.figure, "budget_cny", want["budget_cny"]),
                                     zh(formats.figure, "beneficiaries", want["beneficiaries"])]
    (changed,) = [d.value for d in at.dataframe if {"参数", "基线", "改革"} <= set(d.value.columns)]
    assert set(changed["改革"]) == {"50", json.dumps(table, ensure_ascii=False)}
    # a table the page changes goes back into the link (the bound widgets' values the browser writes itself)
    assert json.loads(at.query_params["rf_tables"]) == {"skill_level_tier_b": table}


def test_a_link_with_a_table_that_does_not_fit_starts_from_the_baseline():
    at = reform(rf_tables="{not json")
    assert any("rf_tables" in w.value for w in at.warning)
    assert at.info[0].value == labels.TEXT["no_changes"][0]
    at = reform(rf_tables=json.dumps({"skill_level_tier_b": {"1": 5}}))    # keys missing: not this table
    assert at.info[0].value == labels.TEXT["no_changes"][0]


def test_the_language_comes_from_the_link_and_stays_on_every_page(monkeypatch):
    # AppTest formats the widgets' options between runs outside the session, where the language
    # would fall back to Chinese; the session's own value is what the pages read (asserted below)
    monkeypatch.setattr(labels, "lang", lambda: labels.st.session_state.get("lang", "en"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "English"
    ok(at.run())
    assert at.header[0].value == "Tiers" and at.session_state["lang"] == "en"
    at.switch_page("views/reform.py")
    assert ok(at.run()).header[0].value == "Reform" and at.session_state["lang"] == "en"


def test_the_reform_page_keeps_its_state_across_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    ok(at.run())
    at.switch_page("views/reform.py")
    ok(at.run())
    at.slider(key=UPLIFT).set_value(60)
    ok(at.run())
    table = {"1": 2000, "2": 2000, "3": 2600, "4": 2400, "5": 1800}
    at.session_state["_rf_tables"] = {f"p:{BJ}:{BJKG}": {"skill_level_tier_b": table}}   # as an edit leaves it
    before = metrics_shown(at)
    at.switch_page("views/tiers.py")
    ok(at.run())
    at.switch_page("views/reform.py")
    ok(at.run())
    assert at.slider(key=UPLIFT).value == 60
    assert metrics_shown(at) != before      # the table came back too: the reform is both changes
    want = baseline_totals(changes={"a_tier_uplift_pct": 60, "skill_level_tier_b": table})
    assert metrics_shown(at)[0] == zh(formats.figure, "budget_cny", want["budget_cny"])


# ---------------------------------------------------------------- downloads record what they show

@pytest.fixture
def downloads(monkeypatch):
    """Every download a page offers: (file name's facts, table) as ui.csv_bytes writes them."""
    got: list[bytes] = []
    real = ui.csv_bytes

    def keep(frame, facts):
        got.append(real(frame, facts))
        return got[-1]
    monkeypatch.setattr(ui, "csv_bytes", keep)
    return got


def read_download(raw: bytes) -> tuple[dict[str, str], pl.DataFrame]:
    text = raw.decode("utf-8")
    assert text.startswith("\ufeff# ")           # the BOM, then what it shows
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    facts = {row[0][2:]: row[1] for row in rows if row and row[0].startswith("# ")}
    return facts, pl.read_csv(io.StringIO(text.lstrip("\ufeff")), comment_prefix="#")


def test_a_reform_download_records_the_scenario_and_the_changes(downloads):
    at = reform(rf_scenario=BJ, **{UPLIFT: "35"})
    facts, table = read_download(downloads[-1])
    scen = scenario.load(BJ)
    assert (facts["page"], facts["scenario"], facts["seed"], facts["policy"]) == ("reform", BJ, str(scen.seed), BJKG)
    assert facts["people"] == str(SIZE) and facts["population"] == scen.populations[0].name
    assert json.loads(facts["parameters"]) == {"a_tier_uplift_pct": "20 → 35"}
    budget = table.filter((pl.col("dimension") == "headline") & (pl.col("metric") == "budget_cny"))
    want = baseline_totals(changes={"a_tier_uplift_pct": 35})["budget_cny"]
    assert budget["reform"].item() == want and at.slider(key=UPLIFT).value == 35


def test_a_compare_download_records_every_run_it_shows(downloads):
    at = AppTest.from_file(str(ROOT / "views" / "compare.py"), default_timeout=120)
    at.session_state["cmp_scenarios"] = [BJ, SH]
    ok(at.run())
    facts, _ = read_download(downloads[0])
    runs = json.loads(facts["runs"])
    assert set(runs) == {BJ, SH}
    for name in (BJ, SH):
        scen = scenario.load(name)
        assert (runs[name]["seed"], runs[name]["replications"]) == (scen.seed, REPS)
        assert runs[name]["population_sizes"] == {p.name: SIZE for p in scen.populations}
        assert runs[name]["scenario_hash"] == scen.digest


# ---------------------------------------------------------------- no silent zero

def test_a_window_that_starts_after_it_ends_is_flagged_and_the_last_results_stay_greyed():
    at = reform(**{UPLIFT: "40"})
    valid = metrics_shown(at)
    at.date_input(key=KEY + "issue_window_start").set_value(dt.date(2028, 6, 1))
    ok(at.run())
    (warning,) = [w.value for w in at.warning]
    assert warning == (f"输入无效: {param_name('issue_window_start')} (2028-06-01) 与 "
                       f"{param_name('issue_window_end')} (2027-12-31) 相互矛盾: 前者应不晚于后者。")
    assert metrics_shown(at) == valid                     # the results of the last valid input …
    assert labels.TEXT["rf_stale"][0] in [c.value for c in at.caption]    # … marked as such
    assert at.get("html") and "st-key-rf_stale" in at.get("html")[0].proto.body      # … and greyed
    at.date_input(key=KEY + "issue_window_start").set_value(dt.date(2025, 4, 1))
    ok(at.run())
    assert not at.warning and labels.TEXT["rf_stale"][0] not in [c.value for c in at.caption]


def test_an_amount_outside_its_range_is_flagged_in_english_too():
    at = AppTest.from_file(str(ROOT / "views" / "reform.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.query_params[KEY + "review_calendar_days"] = "400"           # its range is 0–366 days
    ok(at.run())
    (warning,) = [w.value for w in at.warning]
    name = param_name("review_calendar_days", "en")
    assert warning == f"Invalid input: {name} is 400, outside its valid range 0–366."
    assert labels.TEXT["rf_stale"][1] in [c.value for c in at.caption]
    # no valid input yet: the results shown are the baseline's, greyed
    assert metrics_shown(at)[0] == written("en", formats.figure, "budget_cny", baseline_totals()["budget_cny"])


def test_a_reform_that_pays_no_one_says_so_and_names_the_rule():
    at = reform(**{KEY + "issue_window_start": "2015-01-01", KEY + "issue_window_end": "2015-01-02"})
    assert metrics_shown(at)[0] == zh(formats.figure, "budget_cny", 0)
    (warning,) = [w.value for w in at.warning]
    base = baseline_totals()["budget_cny"]
    assert warning.startswith(f"改革后预算为 0, 没有任何人获得补贴 (基线 {zh(formats.money, base)})。")
    assert "BJKG-" in warning                                          # the rule most claims now fail at


def test_a_reform_above_ten_times_the_baseline_is_flagged():
    top = {k: 20_000 for k in ("1", "2", "3", "4", "5")}                # the top of the table's range
    at = reform(rf_tables=json.dumps({"skill_level_tier_b": top}), **{UPLIFT: "100"})
    said = [w.value for w in at.warning]
    want = baseline_totals(changes={"skill_level_tier_b": top, "a_tier_uplift_pct": 100})["budget_cny"]
    base = baseline_totals()["budget_cny"]
    assert want > 10 * base
    assert any(s.startswith(f"改革后预算 {zh(formats.money, want)} 是基线") and "超过 10 倍" in s for s in said)
    assert f"{param_name('skill_level_tier_b')} 已达其有效范围的上限 (20,000)。" in said
    assert f"{param_name('a_tier_uplift_pct')} 已达其有效范围的上限 (100)。" in said


def test_an_invalid_claim_field_keeps_the_last_results_greyed_and_marked():
    at = AppTest.from_file(str(ROOT / "views" / "explain.py"), default_timeout=120)
    ok(at.run())
    field = next(w for w in at.number_input if w.key.endswith(":age"))
    chart_before = at.get("vega_lite_chart")[0].proto.spec
    at.number_input(key=field.key).set_value(300)
    at.run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert "age" in error                                    # the contract names the field
    assert labels.TEXT["stale_results"][0] in [c.value for c in at.caption]
    assert at.get("vega_lite_chart")[0].proto.spec == chart_before       # the previous results, still shown
    assert "st-key-ex_stale" in at.get("html")[0].proto.body
    at.number_input(key=field.key).set_value(40)
    ok(at.run())
    assert labels.TEXT["stale_results"][0] not in [c.value for c in at.caption]


# ---------------------------------------------------------------- the disk cache

def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.root() == tmp_path / "xdg" / "skillsim"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")               # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.root() == tmp_path / "home" / ".cache" / "skillsim"
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path / "mine"))
    assert cache.root() == tmp_path / "mine"
    assert not cache.root().is_relative_to(ROOT.parent)


def test_a_ready_scenario_is_run_once_then_read_from_disk(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path))
    scen = cache.resized(scenario.load(BJ), SIZE, REPS)
    folder = cache.entry(scen, SIZE, REPS)
    calls = []
    real = runner.run

    def counted(*a, **kw):
        calls.append(kw.get("progress"))
        return real(*a, **kw)
    monkeypatch.setattr(runner, "run", counted)
    at = AppTest.from_file(str(ROOT / "views" / "cashflow.py"), default_timeout=120)
    at.session_state["cf_scenarios"] = [BJ]
    ok(at.run())
    assert len(calls) == 1 and callable(calls[0])          # run once, with a progress callback
    assert cache.has(folder)
    key = json.loads((folder / "key.json").read_text(encoding="utf-8"))
    assert (key["scenario"], key["scenario_hash"], key["size"], key["replications"]) == (BJ, scen.digest, SIZE, REPS)
    assert key["skillsim_version"] and key["code"] == cache.code_digest()
    want = report.summary(real(scen, keep_claims=False))
    assert report.load_summary(folder)["policies"][BJKG]["budget_cny"] == want["policies"][BJKG]["budget_cny"]
    # a fresh process (no streamlit cache) reads the entry and runs nothing
    monkeypatch.setattr(runner, "run", lambda *a, **kw: pytest.fail("ran a cached scenario"))
    data._cached_run.clear()
    again = AppTest.from_file(str(ROOT / "views" / "cashflow.py"), default_timeout=120)
    again.session_state["cf_scenarios"] = [BJ]
    ok(again.run())
    def drawn(app: AppTest) -> bytes:
        return app.get("vega_lite_chart")[0].proto.datasets[0].data.data
    assert drawn(again) == drawn(at)
    # another size, another entry
    assert cache.entry(cache.resized(scenario.load(BJ), SIZE + 1, REPS), SIZE + 1, REPS) != folder


def test_an_unwritable_cache_folder_is_one_warning_and_the_run_stays_in_memory(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(cache.DIR_ENV, str(blocked))
    at = AppTest.from_file(str(ROOT / "views" / "cashflow.py"), default_timeout=120)
    at.session_state["cf_scenarios"] = [SH]
    at.run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning if str(blocked) in w.value]
    assert at.get("vega_lite_chart")


def test_warm_computes_the_entries_the_dashboard_reads(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path))
    args = argparse.Namespace(warm=[SH], size=SIZE, replications=REPS)
    assert cli.run(args) == 0
    folder = cache.entry(cache.resized(scenario.load(SH), SIZE, REPS), SIZE, REPS)
    assert cache.has(folder) and "cached in" in capsys.readouterr().err
    assert cli.run(args) == 0 and "already cached" in capsys.readouterr().err
    assert cli.run(argparse.Namespace(warm=["nope"], size=SIZE, replications=REPS)) == 2
    assert "'nope' is not a ready scenario" in capsys.readouterr().err
    assert [p.name for p in cache.runs_dir().iterdir()] == [folder.name]


def test_the_server_starts_computing_the_ready_scenarios_as_it_starts(monkeypatch, tmp_path):
    """serve.py: every ready scenario not on disk, at the command's sizes, the baselines first,
    in a background thread (the server answers meanwhile); one already cached is skipped."""
    from skillsim.dashboard import serve
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(SIZE_ENV, str(SIZE))
    monkeypatch.setenv(REPS_ENV, str(REPS))
    done = cache.entry(cache.resized(scenario.load(SH), SIZE, REPS), SIZE, REPS)
    done.mkdir(parents=True)
    for f in cache.FILES:
        (done / f).write_text("")
    computed, threads = [], []

    def compute(scen, size, reps, progress=None):
        computed.append((scen.name, size, reps))
    monkeypatch.setattr(cache, "compute", compute)
    real = cache.precompute
    monkeypatch.setattr(cache, "precompute", lambda *a, **kw: threads.append(real(*a, **kw)))
    serve.start_precomputing()
    (thread,) = threads
    assert thread.daemon
    thread.join(60)
    ready = scenario.ready_scenarios()
    order = serve.precompute_order(ready, SIZE, REPS)
    assert computed == [(n, SIZE, REPS) for n in order if n != SH] and sorted(order) == sorted(ready)


def test_the_start_up_computes_the_baselines_first_and_the_lifetime_runs_last():
    """What the pages show first (the baselines) first, then the fewest expected claims first: at
    the default sizes the large lifetime scenarios come after every other."""
    from skillsim.dashboard import serve
    ready = scenario.ready_scenarios()
    order = serve.precompute_order(ready, None, None)
    baselines = [n for n in ready if n.endswith("-baseline")]
    assert len(baselines) >= 3 and set(order[:len(baselines)]) == set(baselines)
    rest = [serve.expected_claims(scenario.load(n)) for n in order[len(baselines):]]
    assert rest == sorted(rest)
    lifetime = [order.index(n) for n in ready if n.endswith("-lifetime")]
    assert lifetime and order.index("reform-example") < max(lifetime) and order[-1].endswith("-lifetime")
    # a population of 2 million at take-up 0.3 and 20 replications: 12 million claims
    assert serve.expected_claims(scenario.load("beijing-2026-uncertain")) == pytest.approx(2_000_000 * 0.3 * 20)


def test_no_start_up_computation_when_switched_off(monkeypatch, tmp_path):
    """SKILLSIM_DASHBOARD_PRECOMPUTE=0 (what `skillsim dashboard --no-precompute` passes to the
    server, and the tests' servers use): no thread, nothing computed."""
    import argparse
    from skillsim.dashboard import cli as dashboard_cli
    from skillsim.dashboard import serve
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path))
    started = []
    monkeypatch.setattr(cache, "precompute", lambda *a, **kw: started.append(a))
    monkeypatch.setenv(dashboard_cli.PRECOMPUTE_ENV, "0")
    assert serve.start_precomputing() is None and started == []
    monkeypatch.delenv(dashboard_cli.PRECOMPUTE_ENV)
    serve.start_precomputing()
    assert len(started) == 1
    envs = []
    monkeypatch.setattr(dashboard_cli.subprocess, "call", lambda cmd, env: envs.append(env) or 0)
    for flag in (["--no-precompute"], []):
        parser = argparse.ArgumentParser()
        dashboard_cli.register(parser.add_subparsers())
        args = parser.parse_args(["dashboard", *flag])
        assert dashboard_cli.run(args) == 0
    assert envs[0][dashboard_cli.PRECOMPUTE_ENV] == "0" and dashboard_cli.PRECOMPUTE_ENV not in envs[1]


def test_a_page_waits_for_the_start_up_run_and_follows_its_progress(monkeypatch, tmp_path):
    """A page asking for a scenario the server is computing does not run it again: it waits for
    that run, its progress bar following it (with the run's own start for the time left)."""
    import threading
    import time
    monkeypatch.setenv(cache.DIR_ENV, str(tmp_path))
    scen = cache.resized(scenario.load(BJ), SIZE, REPS)
    result = runner.run(scen, keep_claims=False)
    release, runs, lines = threading.Event(), [], []

    def slow(s, progress=None, **kw):
        runs.append(s.name)
        progress(1, 2)
        release.wait(60)
        progress(2, 2)
        return result
    monkeypatch.setattr(runner, "run", slow)
    thread = cache.precompute([BJ], SIZE, REPS, log=lines.append)
    while not runs:
        time.sleep(0.01)
    seen = []

    def page_bar(done, total, since=None):
        seen.append((done, total, since is not None and since <= time.perf_counter()))
        release.set()
    folder = cache.compute(scen, SIZE, REPS, progress=page_bar)
    thread.join(60)
    assert runs == [BJ] and seen[0] == (1, 2, True) and cache.has(folder)
    assert report.load_summary(folder)["policies"][BJKG]["budget_cny"] == report.summary(result)["policies"][BJKG][
        "budget_cny"]
    assert len(lines) == 1 and lines[0].startswith(f"skillsim dashboard: {BJ} computed into the cache in ")


def test_the_progress_bar_says_what_runs_and_how_long_is_left():
    def script():
        from skillsim.dashboard import ui
        bar = ui.progress_bar("北京").__enter__()
        bar(1, 4)
    at = AppTest.from_function(script).run()
    (progress,) = at.get("progress")
    assert progress.value == 25 and progress.proto.text.startswith("北京: 已完成 1/4 次重复, 约还需 ")

    def joined():           # a run that began 30 s before the bar: 3 more replications at 30 s each
        import time
        from skillsim.dashboard import ui
        bar = ui.progress_bar("北京").__enter__()
        bar(1, 4, since=time.perf_counter() - 30)
    (progress,) = AppTest.from_function(joined).run().get("progress")
    assert "约还需 90 秒" in progress.proto.text, progress.proto.text
