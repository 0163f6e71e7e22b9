"""dashboard/formats.py: how the dashboard writes money, shares, counts and ratios, in both languages."""
from __future__ import annotations

import pytest

from skillsim.dashboard import formats, labels


@pytest.fixture(params=["zh", "en"])
def language(request, monkeypatch):
    monkeypatch.setattr(labels, "lang", lambda: request.param)
    monkeypatch.setattr(formats, "lang", lambda: request.param)
    return request.param


def both(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def test_money_takes_the_largest_unit_it_holds_one_of(language):
    assert formats.money(9_999) == both(language, "9,999 元", "9,999 yuan")
    assert formats.money(85_469_810) == both(language, "8,547.0 万元", "85.47 million yuan")
    assert formats.money(721_300_000) == both(language, "7.21 亿元", "721.30 million yuan")
    assert formats.money(2_500_000_000) == both(language, "25.00 亿元", "2.50 billion yuan")
    assert formats.money(10_000) == both(language, "1.0 万元", "10,000 yuan")
    assert formats.money(1_000_000) == both(language, "100.0 万元", "1.00 million yuan")
    assert formats.money(0) == both(language, "0 元", "0 yuan")
    assert formats.money(1444.8233) == both(language, "1,445 元", "1,445 yuan")   # whole yuan


def test_a_column_of_money_reads_in_one_unit(language):
    column = [85_469_810, 721_300_000, None]
    unit = formats.money_unit(column)
    assert unit == both(language, "yi", "million")
    assert [formats.money(v, unit) for v in column] == both(
        language, ["0.85 亿元", "7.21 亿元", "—"], ["85.47 million yuan", "721.30 million yuan", "—"])
    assert formats.money_unit([]) == formats.money_unit([None, float("nan")]) == "yuan"
    assert formats.money_unit([-3e8]) == both(language, "yi", "million")          # by size
    assert formats.titled("Budget", unit) == both(language, "Budget (亿元)", "Budget (million yuan)")


def test_differences_are_signed(language):
    assert formats.money(12_000_000, "yuan", sign=True) == both(language, "+12,000,000 元", "+12,000,000 yuan")
    assert formats.money(-12_000_000, sign=True) == both(language, "−1,200.0 万元", "−12.00 million yuan")
    assert formats.money(-1, "million", sign=True) == formats.money(-1, "million") == both(
        language, "−1 元", "0.00 million yuan")         # shown as zero: no sign (Chinese has no million: yuan)
    assert formats.pp(0.0296 - 0.0118) == both(language, "+1.8 个百分点", "+1.8 pp")
    assert formats.pp(-0.004) == both(language, "−0.4 个百分点", "−0.4 pp")
    assert formats.count(-59155.7, sign=True) == "−59,156"
    assert formats.count(0.2, sign=True) == "0"


def test_shares_counts_and_ratios(language):
    assert formats.percent(0.0296) == both(language, "3.0%", "3.0 %")
    assert formats.percent(0.031) == both(language, "3.1%", "3.1 %")
    assert formats.percent(1) == both(language, "100.0%", "100.0 %")
    assert formats.count(59155.7) == "59,156"
    assert formats.count(3) == "3"
    assert formats.ratio(721_300_000, 400_000_000) == "×1.8"
    assert formats.ratio(2, 3) == "×0.67"
    assert formats.ratio(5, 1) == "×5"
    assert formats.ratio(1, 0) == formats.ratio(None, 1) == "—"


@pytest.mark.parametrize("nothing", [None, float("nan")])
def test_nothing_is_a_dash_never_none(language, nothing):
    for write in (formats.money, formats.yuan, formats.percent, formats.pp, formats.count, formats.text):
        assert write(nothing) == "—"
    for metric in formats.KINDS:
        assert formats.figure(metric, nothing) == "—"
    assert formats.text("x") == "x" and formats.text(0) == "0"


def test_figures_are_written_by_their_kind(language):
    assert formats.figure("budget_cny", 85_469_810) == formats.money(85_469_810)
    assert formats.figure("budget_cny", 85_469_810, "yuan") == formats.yuan(85_469_810)
    assert formats.figure("cost_per_beneficiary_cny", 1_444_823.3) == formats.yuan(1_444_823.3)
    assert formats.figure("coverage", 0.0296) == formats.percent(0.0296)
    assert formats.figure("coverage", 0.01, sign=True) == formats.pp(0.01)
    assert formats.figure("beneficiaries", 59155.7) == "59,156"


def test_axis_labels_scale_the_raw_yuan(language):
    unit = formats.money_unit([4e8])
    expr = formats.label_expr(unit)
    yuan_in = 10**8 if language == "zh" else 10**6
    assert expr == f"format(datum.value / {yuan_in}, ',.2~f')"
    assert formats.label_expr("yuan") == "format(datum.value / 1, ',.0~f')"


def test_every_unit_word_is_in_both_languages():
    for units in formats.UNITS.values():
        for key, _, _ in units:
            zh, en = labels.TEXT[f"unit_{key}"]
            assert zh and en and zh != en
    # a unit of the other language (a column's unit picked before a switch) falls back to yuan
    assert formats.scaled(3e8, "yi") == (3.0 if formats.lang() == "zh" else 3e8)
