"""Chinese and English labels, switched in the sidebar.

Official names (policy titles, document numbers, occupations, key groups) are never
translated: they are shown as the documents write them, in both languages.
"""
from __future__ import annotations

import streamlit as st

from skillsim.policies import all_policies
from skillsim.policies.levels import LEVEL_NAMES

LANGS = {"zh": "中文", "en": "English"}

# key -> (中文, English)
TEXT: dict[str, tuple[str, str]] = {
    # navigation and shared words
    "app_title": ("skillsim 职业技能补贴仪表板", "skillsim: skills-subsidy dashboard"),
    "language": ("语言", "Language"),
    "page_tiers": ("补贴标准", "Tiers"),
    "page_compare": ("比较", "Compare"),
    "page_explain": ("逐人解释", "Explain one person"),
    "page_reform": ("改革模拟", "Reform"),
    "page_cashflow": ("资金流", "Cash flow"),
    "download": ("下载 CSV", "Download CSV"),
    "policy": ("政策", "Policy"),
    "policies": ("政策", "Policies"),
    "city": ("城市", "City"),
    "other_city": ("其他地区", "elsewhere"),
    "declared_fields": ("{policy} 声明的字段", "Fields declared by {policy}"),
    "scenario": ("情景", "Scenario"),
    "scenarios": ("情景", "Scenarios"),
    "population": ("人群", "Population"),
    "variant": ("方案", "Variant"),
    "baseline": ("基线", "baseline"),
    "reform": ("改革", "reform"),
    "level": ("等级", "Level"),
    "tier": ("档次/类别", "Tier or class"),
    "amount_cny": ("补贴金额(元)", "Amount (CNY)"),
    "series": ("系列", "Series"),
    "metric": ("指标", "Metric"),
    "mean": ("均值", "mean"),
    "p05": ("5%分位", "p05"),
    "p95": ("95%分位", "p95"),
    "key": ("分组", "Key"),
    "claims": ("申请数", "Claims"),
    "eligible_claims": ("符合条件的申请", "Eligible claims"),
    "budget_cny": ("预算(元)", "Budget (CNY)"),
    "beneficiaries": ("受益人数", "Beneficiaries"),
    "coverage": ("覆盖率", "Coverage"),
    "cost_per_beneficiary_cny": ("人均成本(元)", "Cost per beneficiary (CNY)"),
    "size_note": ("人群规模 {size}; 重复次数 {reps}。", "Population size {size}; replications {reps}."),
    "running": ("正在模拟 {name} …", "Simulating {name} …"),
    "ungraded": ("不分等级", "ungraded"),
    # Tiers
    "tiers_intro": ("各政策按等级(五级→一级)和档次/类别的补贴标准, 由各计算器对该政策声明的典型符合条件的申请计算得出。",
                    "Every policy's amount by level (5 → 1) and tier or class, computed by each calculator "
                    "on the typical eligible claim the policy declares."),
    "tiers_view": ("金额口径", "Amount view"),
    "all_variants": ("全部口径", "all views"),
    "tiers_other": ("不按等级计算的政策: {names}", "Not by level: {names}"),
    "amount_rules": ("这些金额出自哪些条款", "Where these amounts come from"),
    "over_time": ("同一地区的各项政策", "One jurisdiction over time"),
    "over_time_intro": ("所选地区按等级计算的各项政策, 按年份并列。", "The jurisdiction's by-level policies side by side, by year."),
    "jurisdiction": ("地区", "Jurisdiction"),
    # Compare
    "compare_intro": ("选择两个或更多情景(或 `skillsim run --out` 的输出目录), 并排比较预算、受益人数、覆盖率和人均成本; 误差线为 90% 区间。",
                      "Pick two or more scenarios (or `skillsim run --out` folders): budget, beneficiaries, "
                      "coverage and cost per beneficiary side by side; error bars are 90 % intervals."),
    "run_folders": ("输出目录(逗号分隔, 可选)", "Output folders (comma-separated, optional)"),
    "pick_two": ("请至少选择两个来源。", "Pick at least two sources."),
    "headline": ("主要指标", "Headline figures"),
    "breakdown": ("分项", "Breakdown"),
    "dimension": ("维度", "Dimension"),
    "dim_category": ("群体/类别", "Group or category"),
    "dim_level": ("等级", "Level"),
    "dim_tier": ("档次/类别", "Tier or class"),
    "dim_occupation": ("职业(前15)", "Occupation (top 15)"),
    "dim_payee": ("领取对象", "Payee"),
    "dim_district": ("区级分担", "District share"),
    "dim_cert_kind": ("证书类型", "Certificate kind"),
    "failures": ("申请为何不符合: 按决定规则", "Why claims fail, by rule id"),
    "failed_claims": ("未获补贴的申请", "Claims turned down"),
    "rule": ("规则", "Rule"),
    "rule_title": ("规则名称", "Rule title"),
    # Explain
    "explain_intro": ("填写申请字段(默认值来自示例); 同一个人在每项政策下的结果, 含金额、比例、领取对象和每条决定规则的原文。",
                      "Fill in the claim (defaults from a worked example): the result under every policy at "
                      "once, with amount, rate, payee and every deciding rule with its clause text."),
    "preset": ("从示例开始", "Start from an example"),
    "relocate": ("把此人放到每项政策的城市(同一个人在各地)", "Move the person to each policy's city (the same person in each jurisdiction)"),
    "home_city": ("此人所在城市", "The person's city"),
    "person_fields": ("个人", "Person"),
    "cert_fields": ("证书与申请", "Certificate and application"),
    "training_fields": ("培训类字段", "Training-side fields"),
    "prior_json": ("已享受的补贴 (JSON 列表)", "Subsidies already paid (JSON list)"),
    "status": ("结果", "Status"),
    "base_amount_cny": ("基准金额(元)", "Base amount (CNY)"),
    "rate": ("比例", "Rate"),
    "payee": ("领取对象", "Payee"),
    "deciding_rule": ("决定规则", "Deciding rule"),
    "clause": ("条款", "Clause"),
    "message": ("说明", "Message"),
    "text": ("原文", "Official text"),
    "not_run": ("无法计算: {msg}", "Cannot run: {msg}"),
    # Reform
    "reform_intro": ("调整一项政策的参数, 在当前人群上重新计算, 与基线比较成本和覆盖率。",
                     "Change a policy's parameters, re-run on the current population, and see the change in "
                     "cost and coverage against the baseline."),
    "more_parameters": ("更多参数", "More parameters"),
    "class_overrides": ("职业/项目类别调整 (代码或名称 → A/B/C)", "Occupation or item class changes (code or name → A/B/C)"),
    "changes": ("改动的参数", "Changed parameters"),
    "no_changes": ("尚未改动参数: 改革等于基线。", "No parameter changed yet: the reform equals the baseline."),
    "parameter": ("参数", "Parameter"),
    "change": ("变化", "Change"),
    "reform_timing": ("重新计算用时 {s:.2f} 秒 ({n:,} 条申请)。", "Re-run took {s:.2f} s ({n:,} claims)."),
    "drawn_note": ("人群为情景 {name} 运行的第 1 次重复抽样 (种子 {seed}), 与“比较”页相同; 基线和改革使用同一人群。",
                   "The population is replication 1 of scenario {name}'s run (seed {seed}), as on the Compare "
                   "page; baseline and reform run on the same people."),
    "no_people": ("该情景的人群是培训任务队列, 不是个人; 请选择其他情景。",
                  "This scenario's populations are cohorts of training places, not people: pick another scenario."),
    # Cash flow
    "cashflow_intro": ("一个情景下每月支付的补贴(各次重复的均值, 阴影为 90% 区间)。",
                       "Monthly payments of a scenario (mean over replications, band = 90 % interval)."),
    "cumulative": ("累计", "Cumulative"),
    "month": ("月份", "Month"),
    "paid_cny": ("支付金额(元)", "Paid (CNY)"),
    "no_payments": ("该选择下没有支付。", "No payments for this selection."),
}

# claim statuses and payees are shown translated (the values stay in the downloads)
VALUES: dict[str, tuple[str, str]] = {
    "eligible": ("符合", "eligible"), "ineligible": ("不符合", "ineligible"),
    "needs_info": ("需补充信息", "needs info"), "out_of_scope": ("不适用", "out of scope"),
    "error": ("无法计算", "cannot run"),
    "individual": ("个人", "individual"), "employer": ("企业", "employer"), "host": ("承办单位", "host"),
    "training_body": ("培训机构", "training body"), "several": ("多种", "several"),
}


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(key: str, **fmt) -> str:
    zh, en = TEXT[key]
    text = zh if lang() == "zh" else en
    return text.format(**fmt) if fmt else text


def cities() -> list[str]:
    """The jurisdictions of the registered policies (built-in and plug-in), in registry order."""
    return list(dict.fromkeys(p.meta.city for p in all_policies()))


def city(c: str | None) -> str:
    """A jurisdiction's name in the current language, as its policies declare it (city_name)."""
    if c is None:
        return "—"
    if c == "other":
        return t("other_city")
    names = next((p.meta.city_name for p in all_policies() if p.meta.city == c), None)
    return c if names is None else names[lang()]


# Colours of jurisdictions: a fixed palette (Tableau 10) dealt out by sorted city id, so a city keeps its
# colour on every page and in every run; its policies' series are shades of it.
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#ff9da6",
           "#9d755d", "#bab0ac")


def city_color(c: str) -> str:
    known = sorted(cities())
    return PALETTE[known.index(c) % len(PALETTE)] if c in known else "#888888"


def shade(color: str, k: int, n: int) -> str:
    """The k-th of n shades of a colour (from darker to lighter; the colour itself when n = 1)."""
    f = 0.0 if n <= 1 else -0.35 + 0.8 * k / (n - 1)     # < 0: towards black, > 0: towards white
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(x + (255 - x) * f) if f > 0 else round(x * (1 + f)) for x in rgb]
    return "#" + "".join(f"{x:02x}" for x in mixed)


def value(v: str | None) -> str:
    """A status or payee in the current language (other values unchanged)."""
    if v is None:
        return "—"
    pair = VALUES.get(v)
    return v if pair is None else pair[0 if lang() == "zh" else 1]


def level_name(level: int | None) -> str:
    if level is None:
        return t("ungraded")
    return LEVEL_NAMES[level] if lang() == "zh" else f"level {level}"
