"""Chinese and English labels, switched in the sidebar.

Official names (policy titles, document numbers, occupations, key groups) are never
translated: they are shown as the documents write them, in both languages.
"""
from __future__ import annotations

from typing import Iterable

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
    "page_sweep": ("参数扫描", "Sweep"),
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
    # Compare: what an interval covers
    "covers": ("区间涵盖", "Interval covers"),
    "covers_sampling": ("仅抽样", "sampling only"),
    "covers_both": ("假设 + 抽样 ({share} 来自假设)", "assumptions + sampling ({share} from assumptions)"),
    "covers_unsplit": ("假设 + 抽样 (至少 4 次重复才能拆分)", "assumptions + sampling (4 replications or more split them)"),
    "interval_note": ("90% 区间: 各次重复中该指标的第 5 到第 95 百分位。“仅抽样”: 情景的假设都是定值, 区间只反映重新抽取"
                      "合成人群的随机性, 并不说明这些假设有多可靠。“假设 + 抽样”: 每次重复还从情景给出的范围中抽取不确定的"
                      "假设, 区间同时涵盖两者; 括号中是该指标方差中来自假设的份额 (由共用同一组假设的成对重复估计)。",
                      "The 90 % interval: the 5th to 95th percentile of the figure over replications. “Sampling "
                      "only”: every assumption of the scenario is a fixed value, so the interval shows only the noise "
                      "of drawing the synthetic population, not how sure those assumptions are. “Assumptions + "
                      "sampling”: each replication also draws the uncertain assumptions from the scenario's ranges, "
                      "so the interval covers both; the share in brackets is how much of the figure's variance comes "
                      "from the assumptions (estimated from pairs of replications that share one draw of them)."),
    # Compare: validation against published figures
    "validation": ("与公开数据对照", "Against published figures"),
    "validation_intro": ("情景列出的公开数据 ([[targets]]) 与模型对照: 模型均值和 90% 区间、差距 (模型 − 公开数值), "
                         "以及公开数值是否落在区间内。C 级数据仅供参考, 不是证据; 区间内只说明在模型的抽样 (及假设) "
                         "范围内, 不说明模型正确。",
                         "The published figures the scenario lists ([[targets]]) against the model: its mean and 90 % "
                         "interval, the gap (model − published) and whether the published figure lies inside the "
                         "interval. A grade C figure is a lead only, not evidence; inside means within what the "
                         "model's draws produce, not that the model is right."),
    "target": ("公开数值", "Published"),
    "grade": ("等级", "Grade"),
    "grade_c": ("C: 仅供参考", "C: lead only"),
    "model_mean": ("模型均值", "Model mean"),
    "model_p05": ("模型 5%分位", "Model p05"),
    "model_p95": ("模型 95%分位", "Model p95"),
    "gap": ("差距 (模型 − 公开)", "Gap (model − published)"),
    "gap_pct": ("差距 %", "Gap %"),
    "inside": ("在区间内", "Inside"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "reference": ("来源", "Source"),
    "note": ("备注", "Note"),
    "warning": ("提示", "Warning"),
    "whole_run": ("全部", "whole run"),
    # Compare: the budget by calendar year of payment
    "by_year": ("按支付年度", "By calendar year of payment"),
    "by_year_intro": ("按支付的日历年度 (各政策的支付月份) 划分的预算、受益人数和当年支付的申请数: 各次重复的均值和 "
                      "90% 区间。在两个年度都获支付的人在两年都计为受益人。",
                      "The budget, beneficiaries and claims paid by calendar year of payment (each policy's "
                      "payment month): mean over replications and 90 % interval. A person paid in two years is a "
                      "beneficiary in both."),
    "payment_year": ("支付年度", "Year of payment"),
    # Sweep: a `skillsim sweep` output folder
    "sweep_intro": ("读取 `skillsim sweep --out` 的输出目录: 各政策的预算和覆盖率随所扫描参数的变化, 竖线为各次重复的 "
                    "90% 区间 (第 5 至第 95 百分位)。每个点与基线在同一批抽样人口上比较 (共同随机数), "
                    "因此与基线之差的区间远窄于数值本身的区间。",
                    "Reads a `skillsim sweep --out` folder: each policy's budget and coverage against the swept "
                    "parameter, each whisker the 90 % interval over replications (5th to 95th percentile). Every "
                    "point runs on the same drawn people as the baseline (common random numbers), so a difference "
                    "from the baseline has a far narrower interval than the figure itself."),
    "sweep_folder": ("扫描输出目录", "Sweep output folder"),
    "sweep_none": ("尚未选择扫描输出目录 (由 `skillsim sweep 情景 --vary 政策.参数=取值 --out 目录` 写出)。",
                   "No sweep folder chosen (written by `skillsim sweep SCENARIO --vary POLICY.PARAMETER=VALUES "
                   "--out DIR`)."),
    "sweep_about": ("{scenario}: {points} 个点 × {reps} 次重复, 种子 {seed}, 人群规模 {people}。",
                    "{scenario}: {points} points × {reps} replications, seed {seed}, population sizes {people}."),
    "sweep_axis": ("横轴: 所扫描的参数", "On the x axis: the swept parameter"),
    "sweep_held": ("{name} 固定为", "{name} held at"),
    "sweep_baseline": ("基线取值: {values}", "The baseline's values: {values}"),
    "sweep_show": ("显示", "Show"),
    "sweep_levels": ("各点的数值", "Each point's figures"),
    "sweep_differences": ("与基线之差 (同一批人口)", "Difference from the baseline (the same people)"),
    "sweep_value": ("参数取值", "Parameter value"),
    # Compare: sensitivity (the tornado)
    "sensitivity": ("哪个假设最重要: 龙卷风图", "Which assumption matters: the tornado"),
    "sensitivity_intro": ("指向 `skillsim sensitivity --out` 的输出目录, 或在此对含不确定假设的情景做一次小规模快速分析。"
                          "龙卷风图: 每个假设单独取其第 5 和第 95 百分位、其余假设取中心值时的指标 (所有运行同一种子), "
                          "条长即摆幅, 按摆幅排序; 虚线是所有假设取中心值时的指标。下表为 SALib 的 Morris 或 Sobol 指数。",
                          "Point at a `skillsim sensitivity --out` folder, or run a small quick analysis here of a "
                          "scenario with uncertain assumptions. The tornado: the figure with each assumption alone at "
                          "its 5th and at its 95th percentile, the others central (every run on one seed); a bar's "
                          "length is its swing, ranked; the dashed line is the figure with every assumption central. "
                          "Below, SALib's Morris or Sobol indices."),
    "sens_folder": ("敏感性分析输出目录 (可选)", "Sensitivity output folder (optional)"),
    "sens_quick": ("或在此快速分析 (每个人群 {size} 人, Morris {samples} 条轨迹)",
                   "Or a quick analysis here ({size} people a population, Morris, {samples} trajectories)"),
    "sens_none": ("尚未选择敏感性分析。", "No sensitivity analysis chosen."),
    "sens_running": ("正在做敏感性分析 {name} …", "Analysing {name} …"),
    "sens_about": ("{scenario}: {method}, 样本 {samples}, 共 {runs} 次运行, 种子 {seed}, 每次模拟 {people} 人。",
                   "{scenario}: {method}, {samples} samples, {runs} runs, seed {seed}, "
                   "{people} people simulated a run."),
    "sens_held": ("未变动 (取中心份额): {names}", "Held at their central shares (not varied): {names}"),
    "figure": ("指标", "Figure"),
    "assumption": ("假设", "Assumption"),
    "assumption_low": ("假设低端 (5%)", "Assumption low (5 %)"),
    "assumption_high": ("假设高端 (95%)", "Assumption high (95 %)"),
    "at_low": ("低端时的指标", "Figure at low"),
    "at_high": ("高端时的指标", "Figure at high"),
    "central": ("中心值时的指标", "Figure, all central"),
    "swing": ("摆幅", "Swing"),
    "rank": ("排名", "Rank"),
    "rises": ("假设升高, 指标升高", "rises with the assumption"),
    "falls": ("假设升高, 指标下降", "falls as the assumption rises"),
    "indices": ("{method} 指数", "{method} indices"),
    # Explain
    "explain_intro": ("填写申请字段(默认值来自示例); 同一个人在每项政策下的结果, 含金额、比例、领取对象和每条决定规则的原文。",
                      "Fill in the claim (defaults from a worked example): the result under every policy at "
                      "once, with amount, rate, payee and every deciding rule with its clause text."),
    "preset": ("从示例开始", "Start from an example"),
    "relocate": ("把此人放到每项政策的城市(同一个人在各地)", "Move the person to each policy's city"),
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
    # Plain names and messages in both languages (issue 16, item 4)
    "code_name": ("代码名: {name}", "Code name: {name}"),
    "explain_messages": ("“说明”一栏是计算器对此人的逐条说明 (含具体数值), 由各政策的代码生成, 按各政策附带的译文译成中文; "
                         "规则名称和条款原文照文件所写。",
                         "The Message column is each calculator's own line for this person (with the figures "
                         "it used); the official text is as the documents publish it, in Chinese."),
    "err_claim": ("申请信息有误: {msg}", "Bad claim: {msg}"),
    "err_parameter": ("参数有误: {msg}", "Bad parameter: {msg}"),
    "err_policy": ("政策出错: {msg}", "Policy error: {msg}"),
    "err_unknown_policy": ("未知政策: {msg}", "Unknown policy: {msg}"),
    "err_scenario": ("情景有误: {msg}", "Bad scenario: {msg}"),
    "err_output": ("无法读取输出: {msg}", "Cannot read the output: {msg}"),
    "param_legal": ("{label}。规则 {rule} ({title}), 条款 {clause}。", "{description} Rule {rule} ({title}), clause {clause}."),
    "param_assumption": ("{label}。假设值 (条文未给出), 服务于规则 {rule} ({title})。",
                         "{description} An assumption (the text gives no value), for rule {rule} ({title}): {source}."),
    "param_bounds": ("取值范围 {lo} 至 {hi}。", "Range {lo} to {hi}."),
    "class_code": ("职业代码或项目名称", "Occupation code or item name"),
    "none_key": ("(无)", "(none)"),
    "all_people": ("全部", "all"),
    # What the figures rest on (issue 16, item 2)
    "basis": ("这些数字的依据", "What these figures rest on"),
    "basis_synthetic": ("人群是合成的: 由 skillsim 按情景的假设抽样生成, 不是真实申请人的记录。下表列出每项假设、它的来源和"
                        "等级 (A/B/C 为来源自带的等级); 标为“示意”的数值没有公开数据支持, 只是让模型能够运行。",
                        "The people are synthetic: drawn by skillsim from the scenario's assumptions, not records of "
                        "real applicants. Below, every assumption with its source and grade (A/B/C as its source "
                        "states); a value marked “illustrative” rests on no published figure and is there so that "
                        "the model can run."),
    "basis_description": ("情景说明 (情景文件原文): {text}", "The scenario: {text}"),
    "basis_run": ("{name}: 种子 {seed}, {reps} 次重复, 人群规模 {sizes}。",
                  "{name}: seed {seed}, {reps} replications, population sizes {sizes}."),
    "basis_changes": ("本次运行的改动: {notes}", "Changed for this run: {notes}"),
    "run_size": ("人群规模", "population size"),
    "run_replications": ("重复次数", "replications"),
    "run_seed": ("种子", "seed"),
    "basis_counts": ("{n} 项假设: {graded} 项来源有等级, {illustrative} 项为示意, {ranged} 项为范围 (每次重复抽取)。",
                     "{n} assumptions: {graded} with a graded source, {illustrative} illustrative, {ranged} ranges "
                     "(drawn in each replication)."),
    "basis_range": ("范围 (每次重复抽取)", "Range (drawn each replication)"),
    "basis_scope": ("适用于 (人群或政策)", "Applies to (population or policy)"),
    "basis_policy_assumptions": ("政策参数中的假设值 (条文未给出的数值)",
                                 "Assumptions among the policies' parameters (values the text leaves open)"),
    "basis_interval": ("区间的含义: {note}", "What an interval means: {note}"),
    "basis_targets": ("情景列出的公开数据 (在“比较”页与完整运行对照): {n} 项。",
                      "The published figures the scenario lists (the Compare page sets the full run against them): "
                      "{n}."),
    "basis_no_targets": ("情景没有列出可对照的公开数据。", "The scenario lists no published figure to check against."),
    "basis_validation_elsewhere": ("模型与公开数据的对照见本页“与公开数据对照”一节。",
                                   "The model against published figures: “Against published figures” on this page."),
    "basis_tornado": ("情景含 {n} 项不确定假设: 哪一项最影响结果, 见“比较”页的龙卷风图。",
                      "The scenario has {n} uncertain assumptions: which matters most, see the tornado on the Compare "
                      "page."),
    "basis_one_replication": ("本页是第 1 次重复的单次结果, 没有区间。", "This page shows replication 1 alone: no interval."),
    "basis_unknown": ("扫描所用的情景 {name} 不是现成情景 (或已改动): 无法显示其说明和全部假设; 下表是扫描记录的不确定假设"
                      "和扫描参数的来源。",
                      "The sweep's scenario {name} is not a ready scenario (or has changed since): its description and "
                      "every assumption cannot be shown; below, the uncertain assumptions and the swept parameters' "
                      "sources the sweep recorded."),
    "grade_illustrative": ("示意", "illustrative"),
    "grade_assumed": ("假设 (来源未分级)", "assumed (no grade)"),
    "range_uniform": ("均匀分布 {low} 至 {high}", "uniform {low} to {high}"),
    "range_triangular": ("三角分布 {low} 至 {high}, 最可能 {mode}", "triangular {low} to {high}, most likely {mode}"),
    "range_dirichlet": ("围绕各份额抽取 (狄利克雷, 集中度 {c})", "drawn around its shares (Dirichlet, concentration {c})"),
    "range_other": ("{kind} 分布", "{kind} distribution"),
    # How to read this (issue 16, item 9)
    "how_to_read": ("如何阅读本页", "How to read this page"),
    "terms": ("本页用到的术语", "Terms used here"),
    "page_glossary": ("术语表", "Glossary"),
    "glossary_intro": ("仪表板中各术语的含义。每页顶部的“如何阅读本页”也列出该页用到的术语。",
                       "What the dashboard's terms mean. Each page's “How to read this page” lists the terms it uses."),
    "term": ("术语", "Term"),
    "meaning": ("含义", "Meaning"),
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
    # Reform: input that is no reform, figures that are implausible (no silent zero)
    "rf_invalid": ("输入无效: {why}", "Invalid input: {why}"),
    "rf_outside": ("{name} 为 {value}, 超出其有效范围 {lo}–{hi}。", "{name} is {value}, outside its valid range {lo}–{hi}."),
    "rf_contradiction": ("{a} ({va}) 与 {b} ({vb}) 相互矛盾: 前者应{word}后者。",
                         "{a} ({va}) contradicts {b} ({vb}): the first must be {word} the second."),
    "rf_word_le": ("不大于", "at most"),
    "rf_word_le_date": ("不晚于", "on or before"),
    "rf_word_lt": ("小于", "below"),
    "rf_word_lt_date": ("早于", "before"),
    "rf_stale": ("以下结果对应上一次有效的输入, 不是上方当前的输入。",
                 "These results are for the previous input, not the one above."),
    "rf_zero": ("改革后预算为 0, 没有任何人获得补贴 (基线 {base})。", "The reform pays no one: budget 0 (baseline {base})."),
    "rf_zero_rule": ("被拒绝最多的申请止于规则 {rule}。", "Most claims are now turned down at {rule}."),
    "rf_large": ("改革后预算 {budget} 是基线 ({base}) 的 {ratio}, 超过 {limit} 倍: 请核实输入是否合理。",
                 "The reform's budget, {budget}, is {ratio} the baseline's ({base}), more than {limit} times: "
                 "check that the input is what you meant."),
    "rf_at_top": ("{name} 已达其有效范围的上限 ({hi})。", "{name} is at the top of its valid range ({hi})."),
    "rf_bad_link": ("链接中的 {param} 无法读取, 表格从基线开始。",
                    "The link's {param} cannot be read: the tables start from the baseline."),
    # work that must run, and the disk cache (dashboard/cache.py)
    "progress_start": ("{what} (首次计算, 结果随后缓存在磁盘上)", "{what} (computed once, then cached on disk)"),
    "progress": ("{what}: 已完成 {done}/{total} 次重复, 约还需 {left} 秒",
                 "{what}: {done} of {total} replications done, about {left} s left"),
    "cache_unwritable": ("无法写入缓存目录 {folder} ({why}): 结果只保存在内存中。",
                         "Cannot write the cache folder {folder} ({why}): the results are kept in memory only."),
    "stale_results": ("以下结果对应上一次有效的输入, 不是当前的输入。",
                      "These results are for the previous input, not the current one."),
    # Cash flow
    "cashflow_intro": ("所选情景每月支付的补贴, 叠加在一张图上, 颜色代表地区 (各次重复的均值, 阴影为 90% 区间); "
                       "含改革的情景: 改革 (虚线) 与基线并列, 或两者之差。",
                       "Monthly payments of the chosen scenarios on one chart, coloured by jurisdiction (mean over "
                       "replications, band = 90 % interval); a scenario with a reform: the reform (dashed) beside "
                       "its baseline, or the difference."),
    "cumulative": ("累计", "Cumulative"),
    "month": ("月份", "Month"),
    "paid_cny": ("支付金额(元)", "Paid (CNY)"),
    "no_payments": ("该选择下没有支付。", "No payments for this selection."),
    # units (dashboard/formats.py)
    "unit_yuan": ("元", "yuan"),
    "unit_wan": ("万元", "10k yuan"),
    "unit_yi": ("亿元", "100 million yuan"),
    "unit_million": ("百万元", "million yuan"),
    "unit_billion": ("十亿元", "billion yuan"),
    "unit_percent": ("{v}%", "{v} %"),
    "unit_pp": ("{v} 个百分点", "{v} pp"),
    "budget": ("预算", "Budget"),
    "cost_per_beneficiary": ("人均成本", "Cost per beneficiary"),
    # Compare at a glance
    "glance": ("一览", "At a glance"),
    "glance_intro": ("各地区的均值 (各次重复), 以及与对照基准的差 (−) 和比 (÷)。预算以万元/亿元计, 人均成本以元计, "
                     "覆盖率的差以百分点计。两个独立情景的差是均值之差, 不是配对差。",
                     "Each jurisdiction's mean over replications, with its difference (−) from the reference and "
                     "its ratio (÷) to it. Budgets in million or billion yuan, cost per beneficiary in yuan, a "
                     "difference in coverage in percentage points. Between two separate scenarios a difference "
                     "is of their means, not paired."),
    "reference_series": ("对照基准", "Reference"),
    "swap": ("各地人群 × 各地政策", "Each jurisdiction's people under each policy"),
    "swap_intro": ("{source}: 每一行是一个地区的合成人群, 每一列是一项政策; 同一批人移到该政策的地区 (户籍、发证地和学校所在地"
                   "随之变化)。均值 (各次重复); 对角线是各地人群在本地政策下的结果。",
                   "{source}: each row is one jurisdiction's synthetic people, each column a policy; the same people "
                   "moved to the policy's jurisdiction (hukou, issuing city and school city with them). Means over "
                   "replications; the diagonal is each jurisdiction's people under its own policy."),
    "swap_none": ("要看各地人群在其他地区政策下的结果, 请在上方加入一个让人群互换政策的情景: {names}。",
                  "To see each jurisdiction's people under the others' policies, add a scenario above that swaps "
                  "them: {names}."),
    "people_of": ("{city}人群", "{city}'s people"),
    # Cash flow: several scenarios, a reform against its baseline
    "cf_reform_view": ("改革的显示方式", "A reform shown as"),
    "cf_lines": ("改革与基线两条线", "its line beside the baseline's"),
    "cf_difference": ("改革 − 基线 (同一批人)", "reform − baseline (the same people)"),
    "difference": ("差 (改革 − 基线)", "difference (reform − baseline)"),
    "paid": ("支付金额", "Paid"),
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


def series_colors(pairs: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """Each series' colour, from (series, city) pairs in the order shown: its jurisdiction's
    colour (city_color; grey for none), a shade per series of that jurisdiction, darkest first."""
    per_city: dict[str | None, list[str]] = {}
    for series, c in dict.fromkeys(pairs):
        per_city.setdefault(c, []).append(series)
    return {s: shade(city_color(c) if c else "#888888", k, len(mine))
            for c, mine in per_city.items() for k, s in enumerate(mine)}


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
