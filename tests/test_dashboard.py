"""Every dashboard page under streamlit's AppTest: it renders without an exception, its charts
and tables are there, and changing a widget changes the numbers (checked against the
calculators and the simulator, so a wrong figure fails). Small populations: 20,000 people
per population, 3 replications."""
from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.ipc
import pytest
from streamlit.testing.v1 import AppTest

from skillsim.dashboard import amounts as tier_amounts
from skillsim.dashboard import data as dashboard_data
from skillsim.dashboard import figures, formats, labels, person
from skillsim.dashboard.cli import REPS_ENV, SIZE_ENV
from skillsim.policies import all_policies, get_policy, policy_ids
from skillsim.policies.claim_schema import CHOICE_LABELS
from skillsim.policies.plugins import declarations
from skillsim.simulate import report, runner, scenario, sensitivity, uncertainty

ROOT = Path(__file__).resolve().parent.parent / "dashboard"
SIZE, REPS = 20_000, 3
BJ, SH = "beijing-2026-baseline", "shanghai-2025-baseline"


@pytest.fixture(autouse=True)
def small(monkeypatch):
    monkeypatch.setenv(SIZE_ENV, str(SIZE))
    monkeypatch.setenv(REPS_ENV, str(REPS))


def page(name: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    ok(at.run())
    assert at.get("download_button"), f"{name}: no download"
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def specs(at: AppTest) -> list[dict]:
    """The Vega-Lite spec of every altair chart on the page, in page order."""
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def charts(at: AppTest) -> list[pl.DataFrame]:
    """The data behind every altair chart on the page, in page order."""
    out = []
    for el in at.get("vega_lite_chart"):
        table = pyarrow.ipc.open_stream(el.proto.datasets[0].data.data).read_all()
        out.append(pl.from_arrow(table))
    return out


def chart(at: AppTest, key: str) -> pl.DataFrame:
    """The data behind the chart of this widget key (its Vega-Lite description, dashboard/charts.py)."""
    found = [frame for frame, spec in zip(charts(at), specs(at)) if spec.get("description") == key]
    assert len(found) == 1, [spec.get("description") for spec in specs(at)]
    return found[0]


def has_chart(at: AppTest, key: str) -> bool:
    return any(spec.get("description") == key for spec in specs(at))


def table_with(at: AppTest, *headers: str):
    """The one table (pandas) that has columns with these headers."""
    found = [d.value for d in at.dataframe if set(headers) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def table(at: AppTest, first_column: str):
    """The table (pandas, as AppTest gives it) whose first column has this header."""
    found = [d.value for d in at.dataframe if len(d.value.columns) and d.value.columns[0] == first_column]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def one(df: pl.DataFrame, **where) -> float:
    rows = df.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, (where, rows)
    return rows.item(0, "amount_cny" if "amount_cny" in rows.columns else "mean")


@pytest.fixture(scope="module")
def results():
    """The simulator's own runs of the two baselines at the test size."""
    return {name: runner.run(scenario.load(name).with_changes(size=SIZE, replications=REPS), keep_claims=False)
            for name in (BJ, SH)}


@pytest.fixture(scope="module")
def summaries(results):
    """What the simulator itself reports for the two baselines at the test size."""
    return {name: report.summary(res) for name, res in results.items()}


# ---------------------------------------------------------------- the app and its language switch

def test_app_starts_on_tiers_and_switches_language():
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
    assert at.header[0].value == "补贴标准"
    at.radio(key="lang").set_value("en")
    ok(at.run())
    assert at.header[0].value == "Tiers"
    # the one-jurisdiction table, headed in English: a row per level, a column per series there
    first = tier_amounts.cities_by_level()[0]
    assert table(at, "Level").shape == tier_amounts.over_time(tier_amounts.tier_table(None, "en"), first).shape


# ---------------------------------------------------------------- Tiers

def probe_amount(row: dict) -> int:
    """What the calculator pays the probe claim a Tiers row stands for (one claim, explain)."""
    tiers = tier_amounts.declaration(row["policy_id"])
    value = next(v for v, names in tiers.values if names["zh"] in (row["tier"], "")) if tiers.field else None
    claim = next(c for v, lv, c in tiers.probes(row["variant"]) if v == value and lv == row["level"])
    return get_policy(row["policy_id"]).explain(claim)["amount_cny"]


def plugin_policies() -> list[str]:
    """Registered policies of other packages than skillsim (plug-ins) that pay by level."""
    return [p.id for p in all_policies() if not type(p).__module__.startswith("skillsim.")
            and p.tier_probes() is not None]


def test_tiers_chart_and_table_are_the_calculators_amounts():
    at = page("tiers")
    tiers, timeline = charts(at)
    assert one(tiers, series="京人社能发〔2026〕2号 A", level=4) == 1800      # 1500 × 1.2 (BJKG-A1)
    assert one(tiers, series="沪人社规〔2025〕7号 A", level=1) == 4550        # SHSU-A1 base
    assert one(tiers, series="京政办发〔2019〕18号 BJSA-4", level=1) == 3000
    # every policy that declares [tiers] is there, and every amount is what its calculator pays
    assert set(tiers["policy_id"]) == set(tier_amounts.by_level())
    assert tiers.height > 40
    for row in tiers.iter_rows(named=True):
        assert row["amount_cny"] == probe_amount(row), row
    wide = table(at, "系列")
    assert len(wide) == tiers["series"].n_unique()
    level_1 = dict(zip(wide.iloc[:, 0], wide.iloc[:, 5]))                  # columns: series, 5 … 1, ungraded
    assert (level_1["北京 · 京人社能发〔2026〕2号 A"], level_1["北京 · 京人社能发〔2026〕2号 B"]) == ("2,400", "2,000")
    assert "None" not in wide.to_string() and "—" in wide.to_string()     # a level a policy does not pay
    # the legend names each series' jurisdiction (its name from the registry) before the document
    names = {p.meta.city: p.meta.city_name["zh"] for p in all_policies()}
    assert all(r["legend"] == f"{names[r['city']]} · {r['series']}" for r in tiers.iter_rows(named=True))
    assert specs(at)[0]["encoding"]["color"]["field"] == "legend"
    # the policies that do not go by level are named
    assert set(tier_amounts.not_by_level()) == {p for p in policy_ids() if get_policy(p).tier_probes() is None}
    assert all(get_policy(p).meta.document in at.caption[1].value for p in tier_amounts.not_by_level())
    # one jurisdiction over time (the one with the most by-level policies first: here Beijing):
    # BJSA-4 of 2019 against the 2026 tiers A and B, by year; level 1 fell from 3000 to 2400 / 2000
    assert at.selectbox(key="tiers_city").value == "beijing"
    assert timeline.filter(pl.col("level_name") == "高级技师(一级)")["amount_cny"].to_list() == [3000, 2400, 2000]
    over = table(at, "等级")
    assert list(over.columns) == ["等级", "京政办发〔2019〕18号 BJSA-4", "京人社能发〔2026〕2号 A", "京人社能发〔2026〕2号 B"]
    assert over.iloc[4, 1:].tolist() == ["3,000", "2,400", "2,000"]


def test_tiers_variant_view_changes_the_numbers():
    at = page("tiers")
    assert at.radio(key="tiers_view").options[-1] == "全部口径"
    at.radio(key="tiers_view").set_value("shanghai-2025-skills-upgrade/rate_120")
    tiers = charts(ok(at.run()))[0]
    assert one(tiers, series="沪人社规〔2025〕7号 A · 120%", level=1) == 5460   # 4550 × 120 % (SHSU-R5)
    assert one(tiers, series="京人社能发〔2026〕2号 A", level=4) == 1800        # Beijing unchanged
    at.radio(key="tiers_view").set_value("all")
    tiers = charts(ok(at.run()))[0]
    assert {one(tiers, series=f"沪人社规〔2025〕7号 C · {p}%", level=3) for p in (80, 100, 120)} == {1200, 1500, 1800}
    for row in tiers.filter(pl.col("variant").is_not_null()).iter_rows(named=True):
        assert row["amount_cny"] == probe_amount(row), row


def colours_of(at: AppTest, key: str) -> dict[str, str]:
    """Series -> colour of a chart's colour scale."""
    spec = next(s for s in specs(at) if s.get("description") == key)
    enc = spec["encoding"] if "encoding" in spec else spec["layer"][0]["encoding"]
    return dict(zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"]))


def test_tiers_colours_are_the_jurisdictions():
    cities = labels.cities()
    assert [labels.city_color(c) for c in sorted(cities)] == list(labels.PALETTE[:len(cities)])
    at = page("tiers")
    for view in (None, "all"):       # the default view, and every variant at once (Shanghai's three rates)
        if view:
            at.radio(key="tiers_view").set_value(view)
            ok(at.run())
        data, colours = chart(at, "tiers_chart"), colours_of(at, "tiers_chart")
        assert set(colours) == set(data["legend"])
        assert len(set(colours.values())) == len(colours)             # every series its own shade
        for c in set(data["city"]):                                   # … of its jurisdiction's colour
            mine = data.filter(pl.col("city") == c)["legend"].unique().sort().to_list()
            assert sorted(colours[s] for s in mine) == sorted(
                labels.shade(labels.city_color(c), k, len(mine)) for k in range(len(mine)))
    spec = next(s for s in specs(at) if s.get("description") == "tiers_chart")
    assert spec["encoding"]["strokeDash"]["field"] == "view"          # all views: a variant's outline its own
    assert data.filter(pl.col("variant").is_not_null())["view"].n_unique() == 3


def test_tiers_show_a_plugin_at_the_calculators_amounts():
    plugins = plugin_policies()
    assert plugins, "no plug-in policy with [tiers] is installed (make test installs plugins/ningxia_2025)"
    at = page("tiers")
    tiers = charts(at)[0]
    for pid in plugins:
        mine = tiers.filter(pl.col("policy_id") == pid)
        assert mine.height > 0, pid
        for row in mine.iter_rows(named=True):
            assert row["amount_cny"] == probe_amount(row), row
    # the Ningxia plug-in (NX25-A1, A2): 800 / 1200 / 1600, and 1000 / 1500 / 2000 for an urgent-shortage occupation
    by_series = {tuple(g.sort("level", descending=True)["amount_cny"].to_list()) for _, g in
                 tiers.filter(pl.col("policy_id").is_in(plugins)).group_by("series")}
    assert {(800, 1200, 1600), (1000, 1500, 2000)} <= by_series
    city = get_policy(plugins[0]).meta.city
    at.selectbox(key="tiers_city").set_value(city)
    timeline = charts(ok(at.run()))[1]
    assert set(timeline["city"]) == {city} and set(timeline["policy_id"]) >= set(plugins)


def test_tiers_a_bad_declaration_is_one_readable_line(monkeypatch):
    policy = get_policy("beijing-2026-key-groups")
    bad = {**policy.tier_probes(), "rules": ["BJKG-A1", "BJKG-Z9"]}
    monkeypatch.setattr(policy, "tier_probes", lambda: bad)
    tier_amounts.declaration.cache_clear()
    try:
        at = AppTest.from_file(str(ROOT / "views" / "tiers.py"), default_timeout=60).run()
        assert not at.exception
        assert [e.value for e in at.error] == [     # the lead-in in the chosen language, the line as worded
            "政策出错: beijing-2026-key-groups: policy.toml [tiers]: rules: 'BJKG-Z9' is not a rule of rules.toml"]
    finally:
        tier_amounts.declaration.cache_clear()


BASE = {"example": "base claim of the tests", "levels": [5, 4], "rules": ["BJKG-A1"]}


@pytest.mark.parametrize("raw, says", [
    ({**BASE, "level": [5]}, "unknown key 'level'"),
    ({**BASE, "example": "nobody"}, "example 'nobody' is not an example"),
    ({**BASE, "levels": [5, 6]}, "levels must be distinct levels"),
    ({**BASE, "levels": [5, "ungraded"]}, "ungraded (the claim fields"),
    ({**BASE, "field": "catalog_class"}, "field and values go together"),
    ({**BASE, "field": "registered_unemployed", "values": [True]}, "values[0]: True needs a label"),
    ({**BASE, "variants": {"x": {"claim": {}}}}, "variants.x.label must be"),
    ({**BASE, "variants": {"x": {"label": "x", "claims": {}}}}, "variants.x must be a table"),
])
def test_tiers_declarations_are_checked(monkeypatch, raw, says):
    policy = get_policy("beijing-2026-key-groups")
    monkeypatch.setattr(policy, "tier_probes", lambda: raw)
    tier_amounts.declaration.cache_clear()
    try:
        with pytest.raises(tier_amounts.TiersError, match=re.escape(says)):
            tier_amounts.declaration(policy.id)
    finally:
        tier_amounts.declaration.cache_clear()


def test_every_registered_declaration_reads_and_pays_every_probe():
    """A policy's [tiers] must be readable and name claims its calculator pays at each level."""
    for pid in tier_amounts.by_level():
        tiers = tier_amounts.declaration(pid)
        for variant in [v.key for v in tiers.variants] or [None]:
            got = tier_amounts.amounts(pid, variant, "en")
            assert got.height > 0, (pid, variant)


# ---------------------------------------------------------------- no policy or city in the dashboard's code

def names_of_the_registry() -> list[tuple[str, re.Pattern]]:
    """What the dashboard's code must not name: every registered policy's id, rule prefix (as
    ``PREFIX-``), jurisdiction id and names (plug-ins that cannot load too)."""
    found: dict[str, re.Pattern] = {}
    metas = [(p.id, p.meta.rule_prefix, p.meta.city, p.meta.city_name) for p in all_policies()]
    metas += [(d.policy_id, d.rule_prefix, d.city, {}) for d in declarations()[0].values()]
    for pid, prefix, city, names in metas:
        found[pid] = re.compile(re.escape(pid))
        found[prefix + "-"] = re.compile(re.escape(prefix) + "-")
        for word in (city, names.get("en")):
            if word:
                found[word] = re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])", re.IGNORECASE)
        if names.get("zh"):
            found[names["zh"]] = re.compile(re.escape(names["zh"]))
    return list(found.items())


def named_in(source: str, needles: list[tuple[str, re.Pattern]]) -> list[tuple[int, str]]:
    """(line, name) of every string constant of ``source`` naming one of ``needles`` (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)}
    return [(node.lineno, name) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            for name, pattern in needles if pattern.search(node.value)]


def test_the_dashboard_names_no_policy_rule_or_jurisdiction():
    needles = names_of_the_registry()
    assert {"BJKG-", "shanghai", "上海"} <= {n for n, _ in needles}
    # the scan finds what it looks for, and skips docstrings
    planted = '"""About Beijing."""\ndef f():\n    """BJKG-A1"""\n    return f"{x} 上海", "beijing-2026-key-groups", "SHSU-R1"\n'
    assert sorted(named_in(planted, needles)) == [(4, name) for name in sorted(
        ["上海", "beijing-2026-key-groups", "beijing", "Beijing", "SHSU-"])]
    offenders = {f"{path.relative_to(ROOT)}:{line}: {name}" for path in sorted(ROOT.rglob("*.py"))
                 for line, name in named_in(path.read_text(encoding="utf-8"), needles)}
    assert not offenders, sorted(offenders)


# ---------------------------------------------------------------- Compare

def test_compare_shows_the_simulators_figures(summaries):
    at = page("compare")
    budget, coverage = chart(at, "cmp_chart_budget_cny"), chart(at, "cmp_chart_coverage")
    breakdown, failures = chart(at, "cmp_breakdown_chart"), chart(at, "cmp_failures_chart")
    for name, doc in summaries.items():
        pid = next(iter(doc["policies"]))
        b = budget.filter(pl.col("source") == name)
        assert b["mean"].item() == pytest.approx(doc["policies"][pid]["budget_cny"]["mean"])
        assert b["p95"].item() == pytest.approx(doc["policies"][pid]["budget_cny"]["p95"])
        assert coverage.filter(pl.col("source") == name)["mean"].item() == \
            pytest.approx(doc["policies"][pid]["coverage"]["mean"])
        # the default breakdown (group or category) adds up to the budget
        assert breakdown.filter(pl.col("source") == name)["mean"].sum() == \
            pytest.approx(doc["policies"][pid]["budget_cny"]["mean"])
        assert failures.filter(pl.col("source") == name)["mean"].sum() == \
            pytest.approx(doc["policies"][pid]["claims"] - doc["policies"][pid]["eligible_claims"])
    for header in ("区间涵盖", "分组", "未获补贴的申请"):          # the headline, breakdown and failures tables
        table_with(at, header)
    at.multiselect(key="cmp_policies").set_value(["shanghai-2025-skills-upgrade"])
    budget = charts(ok(at.run()))[0]
    assert budget["policy_id"].to_list() == ["shanghai-2025-skills-upgrade"]


def test_compare_dimension_and_sources_change_the_numbers(summaries):
    at = page("compare")
    before = chart(at, "cmp_breakdown_chart")
    at.selectbox(key="cmp_dimension").set_value("level")
    after = chart(ok(at.run()), "cmp_breakdown_chart")
    assert set(after["key"]) >= {"5", "4", "3"} and set(after["key"]) != set(before["key"])
    sh = after.filter(pl.col("source") == SH)
    assert sh["mean"].sum() == pytest.approx(summaries[SH]["policies"]["shanghai-2025-skills-upgrade"]["budget_cny"]["mean"])
    at.multiselect(key="cmp_scenarios").set_value([BJ])
    ok(at.run())
    assert set(charts(at)[0]["source"]) == {BJ}
    assert at.info[0].value in ("请至少选择两个来源。", "Pick at least two sources.")


def test_compare_reads_a_run_folder_and_reports_a_bad_one(tmp_path, summaries):
    res = runner.run(scenario.load(BJ).with_changes(size=SIZE, replications=REPS), keep_claims=False)
    report.write(res, tmp_path / "bj")
    at = page("compare")
    at.multiselect(key="cmp_scenarios").set_value([SH])
    at.text_input(key="cmp_folders").set_value(f"{tmp_path / 'bj'}, {tmp_path / 'nothing'}")
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "nothing" in at.error[0].value and "summary.json" in at.error[0].value
    budget = charts(at)[0]
    assert budget.filter(pl.col("source") == str(tmp_path / "bj"))["mean"].item() == \
        pytest.approx(summaries[BJ]["policies"]["beijing-2026-key-groups"]["budget_cny"]["mean"])


def test_compare_at_a_glance_is_the_summarys_arithmetic(summaries):
    at = page("compare", cmp_scenarios=[BJ, SH])
    bj, sh = (next(iter(summaries[n]["policies"].values())) for n in (BJ, SH))
    glance = table(at, "指标")
    assert list(glance.columns) == ["指标", "北京", "上海", "上海 − 北京", "上海 ÷ 北京"]
    rows = dict(zip(glance["指标"], glance.to_dict("records")))
    assert list(rows) == ["预算", "受益人数", "覆盖率", "人均成本"]
    for name, m in zip(rows, figures.METRICS):
        a, b = bj[m]["mean"], sh[m]["mean"]
        unit = zh(formats.money_unit, [a, b, b - a])
        assert (rows[name]["北京"], rows[name]["上海"]) == (zh(formats.figure, m, a, unit), zh(formats.figure, m, b, unit))
        assert rows[name]["上海 − 北京"] == zh(formats.figure, m, b - a, unit, sign=True)
        assert rows[name]["上海 ÷ 北京"] == zh(formats.ratio, b, a)
    # the arithmetic itself, in the download's numbers (figures.against) and written out
    assert rows["预算"]["上海 ÷ 北京"] == "×" + f"{sh['budget_cny']['mean'] / bj['budget_cny']['mean']:.2f}".rstrip("0").rstrip(".")
    assert rows["覆盖率"]["北京"].endswith("%") and rows["覆盖率"]["上海 − 北京"].endswith(" 个百分点")
    assert rows["预算"]["北京"].endswith(("万元", "亿元")) and rows["人均成本"]["北京"].endswith(" 元")
    # another reference: the differences and ratios turn round
    at.selectbox(key="cmp_reference").set_value("上海 · 沪人社规〔2025〕7号")
    glance = table(ok(at.run()), "指标")
    assert list(glance.columns) == ["指标", "北京", "上海", "北京 − 上海", "北京 ÷ 上海"]
    m = "beneficiaries"
    assert glance["北京 − 上海"].iloc[1] == zh(formats.figure, m, bj[m]["mean"] - sh[m]["mean"], sign=True)
    # the values are on the bars, in the axis's unit; the legend names the city and the document
    for m in figures.METRICS:
        bars = chart(at, f"cmp_chart_{m}")
        unit = zh(formats.money_unit, [*bars["mean"], *bars["p95"]])
        assert bars["label"].to_list() == [zh(formats.figure, m, v, unit) for v in bars["mean"]]
    assert set(chart(at, "cmp_chart_budget_cny")["series"]) == {"北京 · 京人社能发〔2026〕2号", "上海 · 沪人社规〔2025〕7号"}
    spec = next(s for s in specs(at) if s.get("description") == "cmp_chart_budget_cny")
    assert [layer["mark"]["type"] for layer in spec["layer"]][-1] == "text"


def test_breakdown_bars_sit_on_their_label():
    """Each group's bars are packed around its own label, only the series it has (an offset band
    per series left a group's one bar in its series' slot, off its label)."""
    at = page("compare")
    bars = chart(at, "cmp_breakdown_chart")
    spec = next(s for s in specs(at) if s.get("description") == "cmp_breakdown_chart")
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    names = json.loads(axis["labelExpr"].removesuffix("[datum.value]"))
    assert bars.group_by("key").len()["len"].max() > 1 and bars["key"].n_unique() > 2   # grouped, mostly one series
    at_label = {names[v]: v for v in axis["values"]}
    assert set(at_label) == set(bars["key"])
    for key, mine in bars.group_by("key"):
        assert mine["_mid"].mean() == pytest.approx(at_label[key[0]])            # the label in the middle of its bars
        assert mine["_mid"].n_unique() == mine.height == mine["series"].n_unique()
    # no bar of a group reaches into another's
    spans = bars.sort("_top").select("key", "_top", "_bottom").rows()
    assert all(a[2] <= b[1] for a, b in zip(spans, spans[1:]))


def test_jurisdictions_keep_their_colour_on_every_page():
    compare = page("compare", cmp_scenarios=[BJ, SH])
    cashflow = page("cashflow", cf_scenarios=[SH, BJ])          # another order: the same colours
    tiers = page("tiers")
    want = {"北京": labels.city_color("beijing"), "上海": labels.city_color("shanghai")}
    assert want["北京"] != want["上海"]
    for at, key in ((compare, "cmp_chart_budget_cny"), (compare, "cmp_breakdown_chart"), (cashflow, "cf_chart")):
        colours = colours_of(at, key)
        assert {s.split(" · ")[0]: c for s, c in colours.items()} == want, key
    # on Tiers a city's series are shades of its colour, one each
    by_city = {c: {colours_of(tiers, "tiers_chart")[s] for s in chart(tiers, "tiers_chart").filter(
        pl.col("city") == c)["legend"]} for c in ("beijing", "shanghai")}
    for c, shades in by_city.items():
        n = len(shades)
        assert shades == {labels.shade(labels.city_color(c), k, n) for k in range(n)}


@pytest.fixture(scope="module")
def swap_run(tmp_path_factory) -> Path:
    """The swap scenario (every jurisdiction's people under every baseline's policy), small."""
    return run_folder(scenario.load("swap"), tmp_path_factory.mktemp("swap") / "swap", 2)


def test_compare_swap_table_is_by_population(swap_run):
    """The N × N table: each jurisdiction's people (rows) under each policy (columns), as the
    swap run's summary.json holds them by population."""
    doc = summary_of(swap_run)
    at = folders_page(swap_run)
    tables = [d.value for d in at.dataframe if d.value.columns[0] == "人群"]
    assert len(tables) == 3                                  # budget, beneficiaries, coverage
    policies = doc["policies"]
    n = len(policies)
    assert n >= 2
    names = {p.meta.city: p.meta.city_name["zh"] for p in all_policies()}
    columns = {pid: f"{names[e['city']]} · {e['document']}" for pid, e in policies.items()}
    for shown, m in zip(tables, ("budget_cny", "beneficiaries", "coverage")):
        assert shown.shape == (n, n + 1)                     # N × N: each population, each policy
        unit = zh(formats.money_unit, [f[m]["mean"] for e in policies.values() for f in e["by_population"].values()])
        for _, row in shown.iterrows():
            pop = next(p for p in doc["population_sizes"] if row["人群"] == f"{names[p]}人群")   # swap: named by city
            for pid, e in policies.items():
                assert row[columns[pid]] == zh(formats.figure, m, e["by_population"][pop][m]["mean"], unit), (m, pop, pid)
    # each city's people under its own policy (the diagonal) is the population that is not moved
    assert all(pid not in doc["manifest"]["moved"][e["city"]] for pid, e in policies.items())


def test_compare_without_a_swap_names_the_scenarios_with_one(runs):
    at = folders_page(runs.point)
    assert not [d for d in at.dataframe if d.value.columns[0] == "人群"]
    (hint,) = [c.value for c in at.caption if c.value.startswith("要看各地人群在其他地区政策下的结果")]
    assert hint.endswith(": swap。")


# ---------------------------------------------------------------- Compare: what a researcher must read
# (issue 14: what each interval covers, the validation table, the budget by year of payment, the tornado)

UNC = "beijing-2026-uncertain"          # a ready scenario with uncertain assumptions
SMALL = 5_000


@dataclass(frozen=True)
class Runs:
    uncertain: Path      # UNC, 4 replications (two pairs: the interval's split), with two targets
    unsplit: Path        # UNC, 2 replications (one pair: no split)
    point: Path          # UNC at its central values: point-valued
    one_year: Path       # point, its summary cut to one year of payment per policy
    sens: Path           # skillsim sensitivity of UNC (Morris, 2 trajectories, 2,000 people)


def run_folder(scen: scenario.Scenario, folder: Path, reps: int) -> Path:
    report.write(runner.run(scen.with_changes(size=SMALL, replications=reps), keep_claims=False), folder)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    base = tmp_path_factory.mktemp("runs")
    scen = scenario.load(UNC)
    pid = scen.policy_ids[0]
    targets = ({"metric": "budget_cny", "policy": pid, "population": None, "year": None, "value": 250_000.0,
                "unit": None, "source": "a made-up figure", "grade": "C", "note": "a lead only: the test's"},
               {"metric": "beneficiaries", "policy": pid, "population": None, "year": 2026, "value": 100.0,
                "unit": None, "source": "another made-up figure", "grade": "A", "note": None})
    out = Runs(run_folder(scen.with_changes(targets=targets), base / "uncertain", 4),
               run_folder(scen, base / "unsplit", 2), run_folder(uncertainty.at(scen, {}), base / "point", 2),
               base / "one_year", base / "sens")
    shutil.copytree(out.point, out.one_year)
    doc = json.loads((out.one_year / "summary.json").read_text(encoding="utf-8"))
    for entry in doc["policies"].values():
        first = next(iter(entry["by_payment_year"]))
        entry["by_payment_year"] = {first: entry["by_payment_year"][first]}
    (out.one_year / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
    res = sensitivity.analyse(sensitivity.make_plan(scen, "morris", 2, 2_000))
    out.sens.mkdir()
    sensitivity.write(res, out.sens)
    return out


def summary_of(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def covers_zh(doc: dict, figure: dict) -> str:
    """What the page must say an interval covers (in Chinese), from summary.json alone."""
    if not doc["manifest"]["uncertain"]:
        return "仅抽样"
    share = figure["from_assumptions"]
    return "假设 + 抽样 (至少 4 次重复才能拆分)" if share is None else f"假设 + 抽样 ({share:.0%} 来自假设)"


def zh(write, *args, **kwargs) -> str:
    """What dashboard/formats.py writes in Chinese (the pages' default language); its own tests
    (tests/test_formats.py) pin what that is."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(formats, "lang", lambda: "zh")
        mp.setattr(labels, "lang", lambda: "zh")
        return write(*args, **kwargs)


def written_zh(metric: str, values: list, **kwargs) -> list[str]:
    """A column of one figure as the pages write it: budgets in the unit of the largest."""
    unit = zh(formats.money_unit, values)
    return [zh(formats.figure, metric, v, unit, **kwargs) for v in values]


def folders_app(*folders: Path, **state) -> AppTest:
    """The Compare page on these run folders (no ready scenario), not yet run."""
    at = AppTest.from_file(str(ROOT / "views" / "compare.py"), default_timeout=120)
    for k, v in {"cmp_scenarios": [], "cmp_folders": ", ".join(str(f) for f in folders), **state}.items():
        at.session_state[k] = v
    return at


def folders_page(*folders: Path, **state) -> AppTest:
    return ok(folders_app(*folders, **state).run())


def test_compare_intervals_say_what_they_cover(runs):
    folders = (runs.uncertain, runs.unsplit, runs.point)
    at = folders_page(*folders)
    want = []         # a figure at a time (each its unit), every run's policies
    for m in figures.METRICS:
        entries = [(f, s) for f in folders for s in summary_of(f)["policies"].values()]
        cells = iter(written_zh(m, [s[m][k] for _, s in entries for k in ("mean", "p05", "p95")]))
        want += [(next(cells), next(cells), next(cells), covers_zh(summary_of(f), s[m])) for f, s in entries]
    head = table_with(at, "区间涵盖")
    assert [tuple(r) for r in head[["均值", "5%分位", "95%分位", "区间涵盖"]].itertuples(index=False)] == want
    assert head["均值"].iloc[0].endswith(" 万元") and head["均值"].iloc[-1].endswith(" 元")
    # each kind of interval is there: sampling alone, both with their split, both unsplit (one pair)
    said = set(head["区间涵盖"])
    assert "仅抽样" in said and "假设 + 抽样 (至少 4 次重复才能拆分)" in said
    assert any(re.fullmatch(r"假设 \+ 抽样 \(\d+% 来自假设\)", c) for c in said)
    # the charts carry the same words (their tooltips), and the caption says what a 90 % interval is
    budget = chart(at, "cmp_chart_budget_cny")
    doc = summary_of(runs.uncertain)
    mine = budget.filter(pl.col("source") == str(runs.uncertain)).row(0, named=True)
    figure = next(iter(doc["policies"].values()))["budget_cny"]
    assert (mine["mean"], mine["p95"], mine["covers"]) == (figure["mean"], figure["p95"], covers_zh(doc, figure))
    assert any(c.value.startswith("90% 区间: 各次重复中该指标的第 5 到第 95 百分位") for c in at.caption)
    at.session_state["lang"] = "en"
    head = table_with(ok(at.run()), "Interval covers")
    share = figure["from_assumptions"]
    assert head["Interval covers"].iloc[0] == f"assumptions + sampling ({share:.0%} from assumptions)"
    assert "sampling only" in set(head["Interval covers"])
    assert head["Metric"].iloc[0] == "Budget"


def test_compare_validation_table_is_the_summarys(runs):
    at = folders_page(runs.uncertain, runs.point)
    rows = summary_of(runs.uncertain)["validation"]
    shown = table_with(at, "在区间内")
    assert len(shown) == len(rows) == 2
    for (_, got), v in zip(shown.iterrows(), rows):
        assert got["系列"] == f"北京 · 京人社能发〔2026〕2号 ({runs.uncertain})"     # two runs of one policy
        assert (got["公开数值"], got["模型均值"], got["模型 5%分位"], got["模型 95%分位"]) == \
            tuple(zh(formats.figure, v["metric"], v[k]) for k in ("target", "model_mean", "model_p05", "model_p95"))
        assert got["差距 (模型 − 公开)"] == zh(formats.figure, v["metric"], v["gap"], sign=True)
        assert got["差距 %"] == zh(formats.percent, v["gap_pct"] / 100)
        assert got["在区间内"] == {True: "是", False: "否"}[v["inside"]]
        assert got["等级"] == ("C: 仅供参考" if v["grade"] == "C" else v["grade"])
        assert got["支付年度"] == ("全部" if v["year"] is None else str(v["year"]))
        assert (got["来源"], got["指标"]) == (v["source"], {"budget_cny": "预算", "beneficiaries": "受益人数"}[v["metric"]])
    assert [r["grade"] for r in rows] == ["C", "A"]
    at.session_state["lang"] = "en"
    assert list(table_with(ok(at.run()), "Inside")["Grade"]) == ["C: lead only", "A"]
    # a run without targets: no validation table
    at = folders_page(runs.point)
    assert not [d for d in at.dataframe if "在区间内" in d.value.columns]


def test_compare_budget_by_year_of_payment(runs):
    folders = (runs.uncertain, runs.point)
    at = folders_page(*folders)
    bars = chart(at, "cmp_years_chart")
    want = {(str(f), pid, year): (y["budget_cny"]["mean"], y["budget_cny"]["p05"], y["budget_cny"]["p95"])
            for f in folders for pid, e in summary_of(f)["policies"].items()
            for year, y in e["by_payment_year"].items()}
    assert len({year for _, _, year in want}) > 1
    assert {(r["source"], r["policy_id"], r["year"]): (r["mean"], r["p05"], r["p95"])
            for r in bars.iter_rows(named=True)} == want
    shown = table_with(at, "支付年度", "均值")
    assert len(shown) == 3 * len(want)          # budget, beneficiaries and claims paid, each year
    names = {"预算": "budget_cny", "受益人数": "beneficiaries", "申请数": "claims"}
    budgets = [v for _, v in sorted(want.items())]
    unit = zh(formats.money_unit, [x for v in budgets for x in v])
    for _, r in shown.iterrows():
        source = next(str(f) for f in folders if r["系列"].endswith(f"({f})"))
        (pid,) = summary_of(Path(source))["policies"]
        y = summary_of(Path(source))["policies"][pid]["by_payment_year"][r["支付年度"]][names[r["指标"]]]
        assert (r["均值"], r["5%分位"], r["95%分位"]) == tuple(
            zh(formats.figure, names[r["指标"]], y[k], unit) for k in ("mean", "p05", "p95"))
    # the years of a policy add up to its budget
    for f in folders:
        e = next(iter(summary_of(f)["policies"].values()))
        assert bars.filter(pl.col("source") == str(f))["mean"].sum() == pytest.approx(e["budget_cny"]["mean"])
    # a run that pays in one year only: no chart, no table
    at = folders_page(runs.one_year)
    assert not has_chart(at, "cmp_years_chart")
    assert not [d for d in at.dataframe if "支付年度" in d.value.columns]     # (nor a validation table)


def test_compare_tornado_from_a_sensitivity_folder(runs):
    at = folders_page(runs.point, cmp_sens_folder=str(runs.sens))
    torn, idx = (pl.read_parquet(runs.sens / f) for f in ("tornado.parquet", "indices.parquet"))
    pid, variant = at.selectbox(key="cmp_sens_policy").value, at.selectbox(key="cmp_sens_variant").value
    assert at.selectbox(key="cmp_sens_figure").value == "budget_cny"
    for figure in ("budget_cny", "beneficiaries"):
        if figure != "budget_cny":
            at.selectbox(key="cmp_sens_figure").set_value(figure)
            ok(at.run())
        mine = (pl.col("policy_id") == pid) & (pl.col("variant") == variant) & (pl.col("figure") == figure)
        want = torn.filter(mine).sort("rank")
        want = want.with_columns(pl.col("assumption").replace({k: zh_key(k) for k in want["assumption"]}))
        bars = chart(at, "cmp_tornado_chart")
        assert bars.select(want.columns).to_dicts() == want.to_dicts()
        assert want.height == 4 and want["swing"].to_list() == sorted(want["swing"], reverse=True)  # 3 ranges + a share table
        assert (bars["to"] - bars["from"]).to_list() == pytest.approx(bars["swing"].to_list())
        spec = next(s for s in specs(at) if s.get("description") == "cmp_tornado_chart")
        bar = spec["layer"][0]["encoding"]
        assert bar["y"]["sort"] == want["assumption"].to_list()                     # ranked, widest first
        assert "source" in [tip["field"] for tip in bar["tooltip"]]
        unit = zh(formats.money_unit, [*want["at_low"], *want["at_high"], *want["central"]])   # budget: in 万元/亿元
        assert bar["x"]["axis"].get("labelExpr") == (zh(formats.label_expr, unit) if figure == "budget_cny" else None)
        shown = table_with(at, "摆幅")
        unit = zh(formats.money_unit, [x for c in ("at_low", "at_high", "swing", "central") for x in want[c]])
        assert shown[["排名", "假设", "摆幅", "低端时的指标", "高端时的指标", "来源"]].values.tolist() == \
            [[rank, a, *(zh(formats.figure, figure, x, unit) for x in xs), src]
             for rank, a, *xs, src in want.select("rank", "assumption", "swing", "at_low", "at_high", "source").rows()]
        index = table_with(at, "mu_star")
        wanted = idx.filter(mine).sort("rank")
        assert index[["排名", "假设", "mu", "mu_star", "mu_star_conf"]].values.tolist() == \
            [[r[0], zh_key(r[1]), *r[2:]] for r in wanted.select("rank", "assumption", "mu", "mu_star", "mu_star_conf").rows()]
        sigma = index["sigma"].tolist()   # none for a share table (SALib gives no sigma for a group)
        assert [None if s != s else s for s in sigma] == wanted["sigma"].to_list()
    assert "beijing · 就业状态" in want["assumption"].to_list()   # a share table is varied too (Gamma quantiles)
    assert zh_key("populations.beijing.certificate_take_up.value") == "beijing · 取证率"


def zh_key(key: str) -> str:
    """An uncertain assumption's key by its plain name in Chinese (dashboard/provenance.py)."""
    from skillsim.dashboard import names, provenance
    with pytest.MonkeyPatch.context() as mp:
        for module in (labels, names):
            mp.setattr(module, "lang", lambda: "zh")
        return provenance.key_name(key)


def test_compare_a_bad_sensitivity_folder_is_one_readable_line(runs, tmp_path):
    no_indices = tmp_path / "no_indices"
    shutil.copytree(runs.sens, no_indices)
    (no_indices / "indices.parquet").unlink()
    broken = tmp_path / "broken"
    shutil.copytree(runs.sens, broken)
    (broken / "tornado.parquet").write_bytes(b"not parquet")
    for folder, says in ((tmp_path / "nothing", "no such folder"), (no_indices, "no indices.parquet"),
                         (broken, "tornado.parquet: cannot read as parquet")):
        at = folders_app(runs.point, cmp_sens_folder=str(folder)).run()
        assert not at.exception
        (line,) = [e.value for e in at.error]
        assert says in line and "\n" not in line, line
        assert not has_chart(at, "cmp_tornado_chart") and has_chart(at, "cmp_chart_budget_cny")


def test_compare_runs_a_quick_sensitivity_analysis(runs, monkeypatch):
    monkeypatch.setenv(SIZE_ENV, str(SMALL))
    at = folders_page(runs.point)
    assert not has_chart(at, "cmp_tornado_chart")
    # offered: the ready scenarios with an assumption a sensitivity analysis varies (a range)
    varied = [n for n in scenario.ready_scenarios()
              if any(u.kind in ("uniform", "triangular") for u in scenario.load(n).uncertain)]
    assert at.selectbox(key="cmp_sens_quick").options == ["—", *varied] and UNC in varied
    at.selectbox(key="cmp_sens_quick").set_value(UNC)
    ok(at.run())
    # what `skillsim sensitivity UNC --samples 4 --size 5000` gives (one seed: the same rows)
    res = sensitivity.analyse(sensitivity.make_plan(scenario.load(UNC), "morris", dashboard_data.QUICK_SAMPLES, SMALL))
    pid = at.selectbox(key="cmp_sens_policy").value
    want = res.tornado.filter((pl.col("policy_id") == pid) & (pl.col("figure") == "budget_cny")
                              & (pl.col("variant") == "baseline")).sort("rank")
    want = want.with_columns(pl.col("assumption").replace({k: zh_key(k) for k in want["assumption"]}))
    assert chart(at, "cmp_tornado_chart").select(want.columns).to_dicts() == want.to_dicts()
    assert any(c.value.startswith(f"{UNC}: morris, 样本 {dashboard_data.QUICK_SAMPLES},") for c in at.caption)


# ---------------------------------------------------------------- Explain one person

PRESET = "bj-unemployed-care-worker"     # the worked example most policies pay (person.default_preset)


def amounts(at: AppTest) -> dict[str, int]:
    table = charts(at)[0]
    return {k.split(" · ", 1)[1]: v for k, v in zip(table["policy"], table["amount_cny"])}   # "city · document"


def test_explain_shows_every_policy_with_its_clauses():
    at = page("explain")
    assert at.selectbox(key="ex_preset").value == PRESET == next(iter(person.presets()))
    got = amounts(at)
    assert got["京人社能发〔2026〕2号"] == 1800            # examples/expected.json: tier A, level 4
    assert got["沪人社规〔2025〕7号"] == 2600               # the same person in Shanghai: class A level 4, 100 %
    assert len(got) == len(policy_ids())                   # every policy at once (plug-ins too)
    summary, *reasons = [d.value for d in at.dataframe]
    assert summary.shape[0] == len(policy_ids())
    texts = pd_concat(reasons)
    assert any("A档在B档补助基础上上浮20%" in t for t in texts)   # BJKG-A1's official text


def pd_concat(frames) -> list[str]:
    return [str(v) for f in frames for v in f.to_numpy().ravel()]


def test_explain_a_field_change_changes_the_amounts():
    at = page("explain")
    at.number_input(key=f"f:{PRESET}:cert_level").set_value(3)
    got = amounts(ok(at.run()))
    assert got["京人社能发〔2026〕2号"] == 2400 and got["沪人社规〔2025〕7号"] == 3250
    at.toggle(key="ex_relocate").set_value(False)       # a Beijing person is not Shanghai's
    got = amounts(ok(at.run()))
    assert got["京人社能发〔2026〕2号"] == 2400 and got["沪人社规〔2025〕7号"] == 0


def test_explain_presets_come_from_the_policies_without_the_examples_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(person, "EXAMPLES", tmp_path)
    got = person.presets()
    assert len(got) == sum(len(p.examples()) for p in all_policies())
    assert {name.split(" · ")[0] for name in got} == {p.id for p in all_policies() if p.examples()}
    # the first is one that the most policies pay, the person moved to each policy's city
    def paid(claim):
        return sum(r.get("status") == "eligible" for r in person.results(claim, person.home_city(claim)))
    counts = {name: paid(claim) for name, claim in got.items()}
    assert counts[next(iter(got))] == max(counts.values()) >= 2


def test_explain_shows_a_plugin_at_its_calculators_amount():
    """A plug-in's row on the Explain page, with its own claim fields from the form, is what its
    calculator pays the same person moved to its jurisdiction (Ningxia: NX25-A2, level 4 of an
    urgent-shortage occupation, 1500)."""
    plugins = plugin_policies()
    assert plugins
    at = page("explain")
    at.date_input(key=f"f:{PRESET}:cert_issue_date").set_value(dt.date(2025, 6, 1))
    at.date_input(key=f"f:{PRESET}:application_date").set_value(dt.date(2025, 6, 20))
    at.selectbox(key=f"f:{PRESET}:drawing_unemployment_benefit").set_value(True)
    at.selectbox(key=f"f:{PRESET}:urgent_shortage_occupation").set_value(True)
    got = amounts(ok(at.run()))
    claim = {**person.presets()[PRESET], "cert_issue_date": "2025-06-01", "application_date": "2025-06-20",
             "drawing_unemployment_benefit": True, "urgent_shortage_occupation": True}
    for pid in plugins:
        policy = get_policy(pid)
        here = {**claim, **{f: policy.meta.city for f in ("hukou", "cert_issuer_city") if claim.get(f) == "beijing"}}
        paid = policy.explain(here)
        assert paid["status"] == "eligible" and got[policy.meta.document] == paid["amount_cny"], (pid, paid)
    assert 1500 in [got[get_policy(pid).meta.document] for pid in plugins]


def ok_but_errors(at: AppTest) -> list[str]:
    assert not at.exception, [e.message for e in at.exception]
    return [e.value for e in at.error]


def test_explain_bad_input_is_one_readable_line():
    at = page("explain")
    at.date_input(key=f"f:{PRESET}:application_date").set_value(dt.date(2026, 1, 1))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["申请信息有误: application_date: 2026-01-01 is before cert_issue_date 2026-04-10"]
    at.date_input(key=f"f:{PRESET}:application_date").set_value(dt.date(2026, 5, 6))
    at.text_area(key=f"f:{PRESET}:prior_subsidies").set_value("[{")
    at.run()
    assert not at.exception and at.error[0].value.startswith("申请信息有误: prior_subsidies: not valid JSON")
    at.session_state["lang"] = "en"
    assert ok_but_errors(at.run())[0].startswith("Bad claim: prior_subsidies: not valid JSON")


# ---------------------------------------------------------------- Reform

UPLIFT = f"p:{BJ}:beijing-2026-key-groups:a_tier_uplift_pct"


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def test_reform_slider_changes_cost_not_coverage():
    at = page("reform", rf_scenario=BJ)
    assert at.info[0].value in ("尚未改动参数: 改革等于基线。", "No parameter changed yet: the reform equals the baseline.")
    # the baseline is replication 0 of the scenario's run (runner.draw): the same people, the same budget
    rep0 = runner.run(scenario.load(BJ).with_changes(size=SIZE, replications=1), keep_claims=False).totals
    budget, beneficiaries, coverage = rep0.select("budget_cny", "beneficiaries", "coverage").row(0)
    assert budget > 0 and beneficiaries > 0
    assert metric_values(at)[:3] == [zh(formats.figure, "budget_cny", budget),
                                     zh(formats.figure, "beneficiaries", beneficiaries),
                                     zh(formats.figure, "coverage", coverage)]
    at.slider(key=UPLIFT).set_value(50)
    ok(at.run())
    bars = charts(at)[0]
    base = bars.filter(pl.col("variant") == "基线")["budget_cny"].sum()
    budget2 = bars.filter(pl.col("variant") == "改革")["budget_cny"].sum()
    assert base == budget and budget2 > budget
    assert metric_values(at)[:3] == [zh(formats.figure, "budget_cny", budget2),
                                     zh(formats.figure, "beneficiaries", beneficiaries),
                                     zh(formats.figure, "coverage", coverage)]    # more money, the same people
    figures = table(at, "指标")
    change = dict(zip(figures.iloc[:, 0], figures.iloc[:, 3]))
    unit = zh(formats.money_unit, [budget, budget2])
    assert change["预算"] == zh(formats.figure, "budget_cny", budget2 - budget, unit, sign=True)
    assert change["受益人数"] == "0"
    uplift = get_policy("beijing-2026-key-groups").parameters.meta("a_tier_uplift_pct")
    assert table(at, "参数").iloc[0].tolist() == [uplift.label_in("zh"), "BJKG-A1 职业技能等级证书分档补助标准", "二",
                                                 "20", "50"]
    at.slider(key=UPLIFT).set_value(20)               # back to the baseline: the same numbers
    assert metric_values(ok(at.run()))[0] == zh(formats.figure, "budget_cny", budget)


def test_reform_chart_in_the_jurisdictions_colour():
    """Baseline and reform in shades of the policy's city's colour (as on every page), not altair's."""
    for scen, pid in ((BJ, "beijing-2026-key-groups"), (SH, "shanghai-2025-skills-upgrade")):
        at = page("reform", rf_scenario=scen)
        assert at.selectbox(key="rf_policy").value == pid
        colour = labels.city_color(get_policy(pid).meta.city)
        assert colours_of(at, "rf_chart") == {"基线": labels.shade(colour, 0, 2), "改革": labels.shade(colour, 1, 2)}
        spec = next(s for s in specs(at) if s.get("description") == "rf_chart")
        budgets = chart(at, "rf_chart")["budget_cny"].to_list()           # in one unit, as on Compare
        assert spec["encoding"]["y"]["title"] == f"预算 ({zh(formats.unit_word, zh(formats.money_unit, budgets))})"
    assert page("reform", rf_scenario=SH).selectbox(key="rf_population").options == ["上海"]   # not its id
    assert page("reform", rf_scenario=BJ).slider(key=UPLIFT).proto.format == "%d%%"     # a percentage says so


def test_reform_shanghai_rate_slider():
    at = page("reform", rf_scenario=SH)
    before = charts(at)[0].filter(pl.col("variant") == "改革")["budget_cny"].sum()
    at.slider(key=f"p:{SH}:shanghai-2025-skills-upgrade:rate_not_employed_reemployed_pct").set_value(150)
    after = charts(ok(at.run()))[0].filter(pl.col("variant") == "改革")["budget_cny"].sum()
    assert after > before and metric_values(at)[0] == zh(formats.figure, "budget_cny", after)


def test_reform_bad_scenario_is_one_readable_line(tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\ndescription = "x"\nseed = 1\n[[populations]]\nname = "p"\n'
                   'city = "hangzhou"\npolicies = ["beijing-2026-key-groups"]\n', encoding="utf-8")
    monkeypatch.setattr(scenario, "ready_scenarios", lambda: [str(bad)])
    at = AppTest.from_file(str(ROOT / "views" / "reform.py"), default_timeout=60).run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert message.startswith("情景有误: populations[0].city: 'hangzhou' is not one of ")
    assert set(labels.cities()) <= set(message.split("is not one of ")[1].split(", "))   # the registry's


# ---------------------------------------------------------------- Cash flow

def monthly_means(res: runner.RunResult, variant: str = "baseline") -> dict[tuple[str, str], float]:
    """(policy, month) -> the mean over replications of the month's payments summed over
    populations (0 in a replication that pays nothing that month), from the run's breakdowns."""
    paid = res.breakdowns.filter((pl.col("dimension") == "payment_month") & (pl.col("key") != "(none)"))
    reps = res.breakdowns["replication"].n_unique()
    sums = paid.filter(pl.col("variant") == variant).group_by("policy_id", "key").agg(pl.col("budget_cny").sum())
    return {(pid, month): total / reps for pid, month, total in sums.iter_rows()}


def line(flow: pl.DataFrame, **where) -> dict[tuple[str, str], float]:
    rows = flow.filter(*(pl.col(k) == v for k, v in where.items()))
    return {(r["policy_id"], r["month"].strftime("%Y-%m")): r["mean"] for r in rows.iter_rows(named=True)
            if r["mean"] != 0}


def test_cashflow_overlays_jurisdictions(results):
    at = page("cashflow", cf_scenarios=[BJ, SH])
    flow = chart(at, "cf_chart")
    assert set(flow["source"]) == {BJ, SH} and set(flow["series"]) == {"北京 · 京人社能发〔2026〕2号",
                                                                       "上海 · 沪人社规〔2025〕7号"}
    for name in (BJ, SH):
        want = monthly_means(results[name])
        assert line(flow, source=name) == pytest.approx(want)
        assert len(want) > 6
    # the table shows the same months, written in one unit
    shown = table_with(at, "系列", "月份")      # the monthly table (the basis panel's tables come first)
    assert len(shown) == flow.height
    unit = zh(formats.money_unit, [*flow["mean"], *flow["p95"]])
    assert shown["均值"].tolist() == [zh(formats.money, v, unit) for v in flow["mean"]]


REFORMED = "reform-example"      # a ready scenario with a [reform] of two policies


def test_cashflow_a_reform_against_its_baseline(monkeypatch):
    monkeypatch.setenv(SIZE_ENV, str(SMALL))
    monkeypatch.setenv(REPS_ENV, "2")
    res = runner.run(scenario.load(REFORMED).with_changes(size=SMALL, replications=2), keep_claims=False)
    at = page("cashflow", cf_scenarios=[REFORMED])
    flow = chart(at, "cf_chart")
    base, reform = monthly_means(res, "baseline"), monthly_means(res, "reform")
    assert base != reform and {pid for pid, _ in reform} == set(scenario.load(REFORMED).reform)
    assert line(flow, variant="baseline") == pytest.approx(base)
    assert line(flow, variant="reform") == pytest.approx(reform)
    spec = next(s for s in specs(at) if s.get("description") == "cf_chart")
    assert spec["layer"][1]["encoding"]["strokeDash"]["field"] == "line"       # the reform's line dashed
    # the difference, paired by replication
    at.radio(key="cf_reform_difference").set_value(True)
    flow = chart(ok(at.run()), "cf_chart")
    diff = {k: reform.get(k, 0) - base.get(k, 0) for k in {*base, *reform}}
    assert line(flow, variant="difference") == pytest.approx({k: v for k, v in diff.items() if v != 0})
    assert set(flow["variant"]) == {"baseline", "difference"}
    assert all(s.endswith(" · 差 (改革 − 基线)") for s in flow.filter(pl.col("variant") == "difference")["series"])


def test_cashflow_months_add_up_to_the_budget(summaries):
    at = page("cashflow", cf_scenarios=[SH])
    flow = charts(at)[0]
    budget = summaries[SH]["policies"]["shanghai-2025-skills-upgrade"]["budget_cny"]["mean"]
    assert flow["mean"].sum() == pytest.approx(budget)
    assert flow.height > 6 and len([d for d in at.dataframe if "月份" in d.value.columns]) == 1
    at.toggle(key="cf_cumulative").set_value(True)
    cumulative = charts(ok(at.run()))[0].sort("month")
    assert cumulative["mean"][-1] == pytest.approx(budget)
    assert cumulative["mean"].is_sorted()


# ---------------------------------------------------------------- both languages whole (issue 16, item 4)

def _official_names() -> list[str]:
    """What stays as the documents write it in both languages: policy documents and titles."""
    names = {p.meta.document for p in all_policies()} | {p.meta.title for p in all_policies()}
    return sorted(names, key=len, reverse=True)


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
CODE = re.compile(r"`[^`]*`|https?://\S+|\[\[\w+\]\]")
ID = re.compile(r"\b[a-z0-9]+(?:[-_.][a-z0-9]+)+\b|\b[A-Z][A-Z0-9]{1,7}-(?:[A-Z0-9]+|\*)")
# words a Chinese label may hold: the tool's and the methods' own names, the file format
NAMES_KEPT = {"skillsim", "CSV", "JSON", "SALib", "Morris", "Sobol", "morris", "sobol"}
# the columns whose cells are labels (translated values), by their label key; the other cells are data
VALUE_COLUMNS = ("status", "payee", "city", "metric", "figure", "covers", "inside", "grade", "rule_title",
                 "assumption", "basis_range", "series", "level", "term", "meaning", "variant", "tier")
# a line that quotes what the scenario file, the contract or a calculator wrote, after a lead-in
LEAD_INS = ("basis_description", "err_claim", "err_parameter", "err_policy", "err_unknown_policy",
            "err_scenario", "err_output", "not_run")


def _header_names(d) -> list[str]:
    """A table's headers as shown (a data editor's columns by their configured labels)."""
    config = json.loads(d.proto.columns) if d.proto.columns else {}
    return [(config.get(str(c)) or {}).get("label") or str(c) for c in d.value.columns]


def _chart_labels(spec: dict, data: pl.DataFrame) -> list[str]:
    """A chart's titles (axes, legends, tooltips) and the values of the field it colours by."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "title" and isinstance(v, str):
                    out.append(v)
                elif k == "color" and isinstance(v, dict) and v.get("field") in data.columns:
                    out.extend(str(x) for x in data[v["field"]].unique() if x is not None)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec.get("encoding", {}))
    for layer in spec.get("layer", []):
        walk(layer.get("encoding", {}))
    return out


def shown_labels(at: AppTest, lang: str) -> list[tuple[str, str]]:
    """(where, text) of everything on the page that is a label: titles, captions, texts, messages,
    widget labels and options, expanders, tabs, metrics, table headers, the cells of label
    columns, chart titles and legends. A line that quotes a file or a calculator after a lead-in
    (its description, an error): the lead-in alone."""
    texts = [(kind, e.value) for kind in ("header", "subheader", "caption", "markdown", "info", "warning", "error")
             for e in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "radio", "slider", "number_input", "text_input", "checkbox", "toggle",
                 "date_input", "text_area"):
        for w in getattr(at, kind):
            texts.append((f"{kind} label", w.label))
            texts += [(f"{kind} option", str(o)) for o in getattr(w, "options", []) or []]
    texts += [("expander", e.label) for e in at.get("expander")] + [("tab", e.label) for e in at.tabs]
    texts += [("metric", m.label) for m in at.metric]
    # in Chinese, the calculators' messages too (each policy's messages.zh.toml); in English they
    # quote the documents' terms in Chinese, as written
    columns = VALUE_COLUMNS + (("message",) if lang == "zh" else ())
    value_headers = {labels.TEXT[k][0 if lang == "zh" else 1] for k in columns}
    frames = [(_header_names(d), d.value) for d in at.dataframe]
    frames += [(list(f.columns), f) for f in (d.value.reset_index() for d in at.table)]   # static tables
    for headers, frame in frames:
        texts += [("header", h) for h in headers]
        for h, c in zip(headers, frame.columns):
            if h in value_headers:
                # NaN (v != v) is an empty cell
                texts += [(f"cell of {h}", str(v)) for v in frame[c].unique() if v is not None and v == v]
    for frame, spec in zip(charts(at), specs(at)):
        texts += [("chart", x) for x in _chart_labels(spec, frame)]
    cut = []
    for where, text in texts:
        for key in LEAD_INS:
            lead = labels.TEXT[key][0 if lang == "zh" else 1].split("{")[0]
            if text.startswith(lead) and lead.strip():
                text = lead
        cut.append((where, text))
    return cut


def other_language(texts: list[tuple[str, str]], lang: str, allowed: set[str]) -> list[tuple[str, str]]:
    """The texts holding words of the other language: in English any Chinese character outside
    the official names; in Chinese any English word outside ids, code, links and NAMES_KEPT."""
    found = []
    for where, text in texts:
        rest = CODE.sub(" ", text)
        for name in _official_names():
            rest = rest.replace(name, " ")
        if lang == "en":
            bad = CJK.findall(rest)
        else:
            rest = ID.sub(" ", rest)
            bad = [w for w in ENGLISH_WORD.findall(rest) if w not in NAMES_KEPT | allowed]
        if bad:
            found.append((where, text[:160], bad[:5]))
    return found


WALK = {"tiers": {}, "compare": {}, "explain": {}, "reform": {"rf_scenario": SH}, "cashflow": {"cf_scenarios": [SH]},
        "sweep": {}, "glossary": {}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(lang):
    """Every page in each language: no label of the other language (official names aside: the
    documents' numbers and titles; ids, code and links aside in Chinese; the names of scenarios,
    populations and jurisdictions, which are ids, too)."""
    ready = scenario.ready_scenarios()
    allowed = set(labels.cities()) | set(ready) | {p.name for n in ready for p in scenario.load(n).populations}
    offenders = {}
    for name, state in WALK.items():
        at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
        for k, v in {"lang": lang, **state}.items():
            at.session_state[k] = v
        ok(at.run())
        found = other_language(shown_labels(at, lang), lang, allowed)
        if found:
            offenders[name] = found
    assert not offenders, offenders


def test_the_language_check_finds_what_it_looks_for():
    texts = [("caption", "预算 (元)"), ("caption", "Budget"), ("chart", "beijing-2026-baseline · 京人社能发〔2026〕2号"),
             ("caption", "运行 `skillsim run --out DIR`"), ("cell", "BJKG-A1 Skill-level tier amounts")]
    assert [t for _, t, _ in other_language(texts, "en", set())] == ["预算 (元)", "运行 `skillsim run --out DIR`"]
    assert [t for _, t, _ in other_language(texts, "zh", set())] == ["Budget", "BJKG-A1 Skill-level tier amounts"]


def test_explain_in_english_translates_status_payee_and_city():
    """They were translated inside polars' threads, which read no session: Chinese in English."""
    at = page("explain", lang="en")
    claim = person.presets()[PRESET]
    rows = person.results(claim, person.home_city(claim))           # moved to each policy's city, as the page does
    want = {labels.VALUES[r.get("status", "error")][1] for r in rows}
    summary = table(at, "Policy")
    assert set(summary["Status"]) == want
    assert set(summary["City"]) == {get_policy(r["policy_id"]).meta.city_name["en"] for r in rows}
    assert set(summary["Payee"]) <= {labels.VALUES[p][1] for p in labels.VALUES} | {"—"}
    assert set(chart(at, "ex_chart")["Status"]) == want                    # the chart's legend too
    # a status has one colour whatever the language
    english, chinese = colours_of(at, "ex_chart"), colours_of(page("explain"), "ex_chart")
    assert {k: english[labels.VALUES[k][1]] for k in ("eligible", "ineligible")} == \
        {k: chinese[labels.VALUES[k][0]] for k in ("eligible", "ineligible")}
    bj = next(r for r in rows if r["policy_id"] == "beijing-2026-key-groups")
    shown = summary[summary["Policy"] == get_policy(bj["policy_id"]).meta.document]
    assert shown["Deciding rule"].iloc[0] == f"{bj['deciding_rule']} {get_policy(bj['policy_id']).rules[bj['deciding_rule']].title}"


def test_explain_in_chinese_shows_each_policys_messages_in_chinese():
    """The reasons' messages as each policy's messages.zh.toml translates them, for every policy
    (the plug-in too); in English the same templates' English sides with plain names for the
    values (no code names such as skill_level)."""
    claim = person.presets()[PRESET]
    rows = person.results(claim, person.home_city(claim))
    at = page("explain")
    shown = [d.value for d in at.dataframe if "说明" in d.value.columns and "条款" in d.value.columns]
    paid = [r for r in rows if "error" not in r]
    assert len(shown) == len(paid) and len(paid) >= 5
    for r, frame in zip(paid, shown):
        english = [x["message"] for x in r["reasons"]]
        want = [get_policy(r["policy_id"]).messages.translate(m) for m in english]
        assert None not in want and list(frame["说明"]) == want, r["policy_id"]
    at.session_state["lang"] = "en"
    shown = [d.value for d in ok(at.run()).dataframe if "Message" in d.value.columns and "Clause" in d.value.columns]
    raw = [[x["message"] for x in r["reasons"]] for r in paid]
    plain = [[get_policy(r["policy_id"]).messages.translate(m, "en") for m in ms] for r, ms in zip(paid, raw)]
    assert [list(f["Message"]) for f in shown] == plain
    codes = [c for c in CHOICE_LABELS if "_" in c]
    coded = [(m, e) for ms, es in zip(raw, plain) for m, e in zip(ms, es) if any(c in m for c in codes)]
    assert coded and not [e for _, e in coded if any(c in e for c in codes)], coded


def test_explain_writes_amounts_and_rates_as_the_other_pages_do():
    """Amounts with separators, a rate in % (not 1 for 100 %), "—" where a policy pays nothing (not None)."""
    claim = person.presets()[PRESET]
    rows = {r["policy_id"]: r for r in person.results(claim, person.home_city(claim))}
    at = page("explain")
    summary = table(at, "政策")
    by_document = {get_policy(pid).meta.document: r for pid, r in rows.items()}
    for _, shown in summary.iterrows():
        r = by_document[shown["政策"]]
        assert shown["补贴金额(元)"] == f"{r.get('amount_cny', 0):,}"
        base, rate = r.get("base_amount_cny"), r.get("rate")
        assert shown["基准金额(元)"] == ("—" if base is None else f"{base:,}")
        assert shown["比例"] == ("—" if rate is None else f"{rate * 100:g}%")
    assert "None" not in summary.to_string() and any(r.get("rate") == 1 for r in rows.values())
    # the fields a plug-in declares, under its document's name (not its id)
    from skillsim.policies.claim_schema import FIELDS
    declared = {f.group.removeprefix("declared by ") for f in FIELDS if f.group.startswith("declared by ")}
    assert declared and {f"{get_policy(pid).meta.document} 声明的字段" for pid in declared} <= {
        e.label for e in at.get("expander")}


def test_the_form_and_the_reform_widgets_show_plain_names():
    """Claim fields and parameters by their plain names in the chosen language, the code name in
    the help; a declared field without a label by its meaning."""
    from skillsim.policies.claim_schema import FIELDS
    at = page("explain")
    want = {f.name: f.label[0] for f in FIELDS if f.label}
    widget = at.selectbox(key=f"f:{PRESET}:employment")
    assert (widget.label, widget.help.endswith("代码名: employment")) == (want["employment"], True)
    assert widget.options[:3] == ["在职", "灵活就业", "未就业"]
    at.session_state["lang"] = "en"
    widget = ok(at.run()).checkbox(key=f"f:{PRESET}:xiebao")
    assert widget.label == dict((f.name, f.label[1]) for f in FIELDS if f.label)["xiebao"]
    assert widget.help.endswith("Code name: xiebao")
    missing = [f.name for f in FIELDS if not f.label]       # declared without a label: shown by their meaning
    assert not missing, f"fields without a plain name (their meaning is shown instead): {missing}"
    from skillsim.dashboard.names import field_label
    from dataclasses import replace
    bare = replace(FIELDS[0], label=None, meaning="what it holds")
    assert field_label(bare) == "what it holds"
    rf = page("reform", rf_scenario=BJ)
    uplift = rf.slider(key=UPLIFT)
    m = get_policy("beijing-2026-key-groups").parameters.meta("a_tier_uplift_pct")
    assert uplift.label == m.label[0] and "BJKG-A1" in uplift.help and "a_tier_uplift_pct" in uplift.help
    assert get_policy("beijing-2026-key-groups").rules["BJKG-A1"].title_zh in uplift.help


# ---------------------------------------------------------------- what the figures rest on (issue 16, item 2)

def basis_table(at: AppTest, key_header: str = "适用于 (人群或政策)"):
    return [d.value for d in at.dataframe if d.value.columns[0] == key_header]


def test_the_basis_panel_is_the_runs_summary(summaries):
    """Cash flow's panel: every assumption of summary.json with its source, the grade its source
    states, the range of each uncertain one; the run's changes; the validation rows."""
    from skillsim.dashboard import provenance
    doc = summaries[SH]
    at = page("cashflow", cf_scenarios=[SH])
    (shown,) = basis_table(at)
    sources = doc["assumptions"]
    assert list(shown["来源"])[:len(sources)] == list(sources.values())
    rows = dict(zip(shown["来源"], shown["等级"]))
    for source in sources.values():
        grades = sorted(set(re.findall(r"grade ([ABC])\b", source)))
        if source.startswith(("illustrative", "assumed (illustrative")):
            assert rows[source].startswith("示意"), source
        elif grades == ["C"]:
            assert rows[source] == "C: 仅供参考"
        elif grades:
            assert rows[source] == ", ".join(grades)
    ranged = shown[shown["范围 (每次重复抽取)"] != ""]
    assert len(ranged) == len(doc["manifest"]["uncertain"])
    take_up = next(u for u in doc["manifest"]["uncertain"] if u["key"].endswith("certificate_take_up.value"))
    assert f"三角分布 {take_up['low']:,.4g} 至 {take_up['high']:,.4g}, 最可能 {take_up['mode']:,.4g}" in set(ranged["范围 (每次重复抽取)"])
    captions = [c.value for c in at.caption]
    assert f"本次运行的改动: 重复次数 10 → {REPS}; 人群规模 shanghai 13,652,400 → {SIZE:,}" in captions
    assert any(c.startswith(f"{len(shown)} 项假设:") for c in captions)
    assert any(c.startswith("情景说明 (情景文件原文): " + doc["description"]) for c in captions)
    checks = [d.value for d in at.dataframe if "在区间内" in d.value.columns]
    assert [len(c) for c in checks] == [len(doc["validation"])]
    assert list(checks[0]["公开数值"]) == [provenance.validation_table(figures.with_series(figures.validation(
        [dashboard_data.Source(SH, doc, pl.DataFrame())]), "改革"))["公开数值"][i] for i in range(len(doc["validation"]))]


def test_the_basis_panel_on_reform_sweep_and_compare(tmp_path):
    """Reform: the scenario's own assumptions, one replication (no interval), the published
    figures it lists; a sweep of a ready scenario: that scenario's, else what the sweep recorded;
    Compare: a tab per run."""
    from skillsim.dashboard import provenance
    rf = page("reform", rf_scenario=SH)
    (shown,) = basis_table(rf)
    scen = scenario.load(SH)
    assert list(shown["来源"])[:len(scen.sources)] == list(scen.sources.values())
    assert "本页是第 1 次重复的单次结果, 没有区间。" in [c.value for c in rf.caption]
    (targets,) = [d.value for d in rf.dataframe if "公开数值" in d.value.columns]
    assert len(targets) == len(scen.targets) and set(targets["等级"]) == {"C: 仅供参考"}
    manifest = {"scenario": {"name": SH, "hash": scen.digest}, "seed": 1, "replications": 2,
                "population_sizes": {"shanghai": 100}, "grid": {"axes": [{"key": "x.y", "source": "a test"}]}}
    assert provenance.of_sweep(manifest, scenario.ready_scenarios()).sources == scen.sources
    other = provenance.of_sweep({**manifest, "scenario": {"name": SH, "hash": "changed"}}, scenario.ready_scenarios())
    assert (other.known, dict(other.sources)) == (False, {"sweep.x.y": "a test"})
    cmp = page("compare")
    assert [tab.label for tab in cmp.tabs][:3] == [n for n in scenario.ready_scenarios() if n.endswith("-baseline")]
    assert len(basis_table(cmp)) == 3


@pytest.mark.parametrize("source, grade", [
    ("illustrative", "示意"), ("assumed (illustrative): 1 %", "示意"),
    ("illustrative range: ... (Xinhua, grade B: a quarter)", "示意 (B)"),
    ("1,118万 ... grade B ... 1,358.0万 (grade A)", "A, B"), ("a summary, grade C", "C: 仅供参考"),
    ("SHSU-V1: the first year of the notice", "假设 (来源未分级)")])
def test_a_sources_grade_is_what_it_states(source, grade):
    from skillsim.dashboard import provenance
    assert provenance.grade(source) == grade


# ---------------------------------------------------------------- how to read this (issue 16, item 9)

def test_every_page_says_how_to_read_it_and_the_glossary_defines_its_terms():
    from skillsim.dashboard import glossary
    for name, state in WALK.items():
        if name == "glossary":
            continue
        at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
        for k, v in state.items():
            at.session_state[k] = v
        ok(at.run())
        assert "如何阅读本页" in [e.label for e in at.get("expander")], name
        text, terms = glossary.PAGES[f"page_{name}"]
        assert text[0] in [m.value for m in at.markdown], name
        assert all(f"- **{glossary.TERMS[k][0][0]}**: {glossary.TERMS[k][1][0]}" in "\n".join(m.value for m in at.markdown)
                   for k in terms), name
    at = page("glossary")
    (shown,) = [d.value.reset_index() for d in at.table]      # a static table: the definitions wrap, whole
    assert list(shown["术语"]) == [v[0][0] for v in glossary.TERMS.values()]
    assert list(shown["含义"]) == [v[1][0] for v in glossary.TERMS.values()]
    assert {"coverage", "replication", "interval", "tier_class", "payee", "take_up", "target", "grade"} <= set(glossary.TERMS)
    declared = [p for p in all_policies() if (p.tier_probes() or {}).get("values")]
    lines = [m.value for m in at.markdown if m.value.startswith("- ")][0].splitlines()
    assert len(lines) == len(declared) and all(p.meta.document in line for p, line in zip(declared, lines))
    at.session_state["lang"] = "en"
    (shown,) = [d.value.reset_index() for d in ok(at.run()).table]
    assert list(shown["Term"]) == [v[0][1] for v in glossary.TERMS.values()]
