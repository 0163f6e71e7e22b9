"""How to read each page, and the glossary (issue 16, item 9): one definition of each term in
both languages, shown on the Glossary page and, for the terms a page uses, in that page's
"How to read this page" (ui.header).

The tiers and classes of the policies are listed from the registry (each policy's [tiers]
declaration), so a plug-in's appear too; no policy or jurisdiction is named here.
"""
from __future__ import annotations

import polars as pl
import streamlit as st

from skillsim.policies import all_policies

from .labels import city, lang, t
from .names import in_language

# term key -> (term, definition) in 中文 and English
TERMS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "budget": (("预算", "Budget"), (
        "一年内各政策支付的补贴总额 (元), 含付给个人、企业、承办单位和培训机构的部分; 各次重复的均值。",
        "What a policy pays in total (yuan): to people, employers, host organisations and training bodies alike; "
        "the mean over replications.")),
    "beneficiaries": (("受益人数", "Beneficiaries"), (
        "至少获得一笔补贴的不同人数 (同一人多张证书只算一次)。",
        "The number of different people paid at least once (a person with several certificates counts once).")),
    "coverage": (("覆盖率", "Coverage"), (
        "受益人数 ÷ 情景模拟的人群规模 (一年内可能取得证书的劳动者, 不只是持证人)。",
        "Beneficiaries ÷ the size of the population the scenario simulates (the workers who could take a "
        "certificate in the year, not only those who did).")),
    "cost_per_beneficiary": (("人均成本", "Cost per beneficiary"), (
        "预算 ÷ 受益人数。", "Budget ÷ beneficiaries.")),
    "synthetic": (("合成人群", "Synthetic population"), (
        "skillsim 按情景的假设 (规模、年龄、户籍、就业状态、取证率等) 随机生成的人, 不是真实申请人。每项假设的来源和"
        "等级见各页的“这些数字的依据”。",
        "People skillsim draws at random from the scenario's assumptions (size, age, hukou, employment, take-up, …), "
        "not real applicants. Each assumption's source and grade: “What these figures rest on” on each page.")),
    "replication": (("重复", "Replication"), (
        "用新的随机种子 (由情景的种子派生) 把合成人群 (以及不确定的假设) 重新抽取一遍并全部计算一次。各页的数字是各次"
        "重复的均值。",
        "One complete run on a fresh draw of the synthetic population (and of any uncertain assumption), with a "
        "seed derived from the scenario's. The pages show the mean over replications.")),
    "interval": (("90% 区间", "90 % interval"), (
        "各次重复中该数字的第 5 到第 95 百分位。“仅抽样”: 只反映重新抽取人群的随机性; “假设 + 抽样”: 还包括每次重复从"
        "范围中抽取的不确定假设。区间不说明假设本身是否正确。",
        "The 5th to the 95th percentile of the figure over replications. “Sampling only”: the noise of drawing "
        "the people alone; “assumptions + sampling”: also the uncertain assumptions each replication draws from "
        "their ranges. An interval does not say whether the assumptions themselves are right.")),
    "tier_class": (("档次与类别", "Tier and class"), (
        "都是政策目录对职业 (工种) 的分组, 决定补贴金额, 但各政策含义不同: 有的政策 A 档是在 B 档基础上上浮, 有的政策 "
        "A、B、C 类是各自独立的目录, 各有一套金额。字母只按其所属政策理解; “补贴标准”页列出各政策按等级和档次/类别的"
        "金额。",
        "Both are a policy catalog's grouping of occupations that sets the amount, but they differ between "
        "policies: in one, tier A is tier B plus an uplift; in another, classes A, B and C are separate lists, "
        "each with its own amounts. A letter means what its own policy says; the Tiers page shows every policy's "
        "amounts by level and tier or class.")),
    "level": (("等级", "Level"), (
        "职业技能等级: 5 初级工、4 中级工、3 高级工、2 技师、1 高级技师; 专项职业能力等证书不分等级。",
        "The skill level of a certificate: 5 entry, 4 intermediate, 3 senior, 2 technician, 1 senior technician; "
        "special-ability and some other certificates have none (ungraded).")),
    "payee": (("领取对象", "Payee"), (
        "补贴付给谁: 个人、用人单位 (企业)、承办单位或培训机构。预算包括付给所有领取对象的金额。",
        "Who receives the money: the person, the employer, a host organisation or a training body. The budget "
        "counts what every payee receives.")),
    "take_up": (("取证率与申领率", "Take-up"), (
        "取证率: 人群中一年内取得证书的比例; 申领率: 持证人中申请补贴的比例。两者都很少有公开数据, 多为范围假设。",
        "Certificate take-up: the share of the population who get a certificate in the year; application "
        "take-up: the share of certificate holders who apply. Few figures are published for either: most are "
        "ranges.")),
    "target": (("公开数据 (对照目标)", "Target"), (
        "情景列出的已公布数字 (如某年支付的补贴总额或人数) 及其来源和等级, 用来检验模型; “比较”页列出模型与它的差距。",
        "A published figure the scenario lists (a year's total paid, the people paid) with its source and grade, "
        "to check the model against; the Compare page shows the model's gap to it.")),
    "grade": (("等级 (A/B/C)", "Grade (A/B/C)"), (
        "来源的可靠程度: A 直接读自官方统计表或文件; B 官方媒体引述官员的数字; C 仅供参考的线索 (转述、汇总); "
        "“示意”: 没有公开数据, 为让模型运行而设定的数值。",
        "How far a source can be trusted: A an official table or document read directly; B an official paper "
        "quoting an official; C a lead only (a summary, an aggregator); “illustrative”: nothing is published, the "
        "value is set so that the model can run.")),
    "baseline_reform": (("基线与改革", "Baseline and reform"), (
        "基线: 政策按现行条文 (及情景的假设值) 计算; 改革: 改动若干参数后在同一批人上重新计算, 两者之差只来自参数的改动。",
        "Baseline: the policy as its text stands (with the scenario's assumed values); reform: the same people "
        "run again with some parameters changed, so the difference comes from those changes alone.")),
    "deciding_rule": (("决定规则", "Deciding rule"), (
        "决定一份申请结果的条款 (规则编号对应政策条文); 不符合时是第一条未满足的规则, 符合时是确定金额的规则。",
        "The rule (its id points to the clause of the text) that decided a claim: the first rule it fails, or, "
        "if paid, the rule that sets the amount.")),
}

# page key -> (how to read it, in 中文 and English; the terms it uses)
PAGES: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {
    "page_tiers": ((
        "每个柱子是一项政策在某一等级和档次/类别下付给一张典型证书的金额 (由计算器算出, 不是抄自文件)。颜色代表地区, "
        "同一地区的不同系列用同一颜色的深浅区分。下方可选一个地区, 按年份比较它的各项政策。",
        "Each bar is what a policy pays one typical certificate at a level and tier or class (computed by the "
        "calculator, not copied from the text). The colour is the jurisdiction's; its series are shades of it. "
        "Below, pick a jurisdiction to see its policies side by side by year."), ("tier_class", "level")),
    "page_compare": ((
        "先看“一览”: 各地区的均值和它们之间的差与比。柱子是各次重复的均值, 黑线是 90% 区间。数字来自合成人群, 依据见"
        "“这些数字的依据”; 有公开数据时, 对照表给出模型与它的差距。分项和不符合原因说明预算从哪里来、申请为何被拒。",
        "Start with “At a glance”: each jurisdiction's mean and the differences and ratios between them. A bar is "
        "the mean over replications, its black line the 90 % interval. The figures come from synthetic people: "
        "what they rest on is under “What these figures rest on”; where published figures exist, the validation "
        "table gives the model's gap to them. The breakdowns and the reasons claims fail say where the budget "
        "goes and why claims are turned down."),
        ("budget", "beneficiaries", "coverage", "cost_per_beneficiary", "replication", "interval", "synthetic",
         "target", "grade", "payee", "deciding_rule")),
    "page_explain": ((
        "填写一个人的情况 (默认取自一个示例), 上方立即显示此人在每项政策下的结果: 是否符合、金额、比例、领取对象和"
        "决定规则。展开各政策可看每条规则的说明和条款原文。默认把此人移到每项政策所在的地区, 以便比较同一个人。",
        "Fill in one person (the defaults come from a worked example): the result under every policy shows at once "
        "above — eligible or not, amount, rate, payee and the deciding rule. Open a policy to see every rule that "
        "decided, with the clause it encodes. By default the person is moved to each policy's jurisdiction, so "
        "the same person is compared."), ("deciding_rule", "payee", "tier_class", "level")),
    "page_reform": ((
        "改动一项政策的参数 (滑块、数字或表格), 政策在同一批合成人群上重新计算; 上方数字是改革后的值, 小字是与基线之差。"
        "人群是情景第 1 次重复的抽样, 所以这里没有区间。",
        "Change a policy's parameters (sliders, numbers, tables): the policy runs again on the same synthetic "
        "people; the figures above are the reform's, the small print the change from the baseline. The people are "
        "replication 1 of the scenario's run, so there is no interval here."),
        ("baseline_reform", "budget", "beneficiaries", "coverage", "synthetic", "tier_class")),
    "page_cashflow": ((
        "每月支付的补贴 (按各政策的支付时间推算): 线是各次重复的均值, 阴影是 90% 区间; 可切换为累计。",
        "Payments by month (each policy's payment timing): the line is the mean over replications, the band the "
        "90 % interval; switch to cumulative to see the total build up."),
        ("budget", "replication", "interval", "synthetic", "baseline_reform")),
    "page_sweep": ((
        "横轴是所扫描的参数, 每个点在同一批人上计算 (共同随机数), 竖线为各次重复的 90% 区间。选“与基线之差”可看改动"
        "参数带来的变化, 其区间远窄于数值本身的区间。",
        "The x axis is the swept parameter; every point runs on the same people (common random numbers), each "
        "whisker the 90 % interval over replications. Choose “difference from the baseline” to see what the "
        "change does: its interval is far narrower than the figure's own."),
        ("baseline_reform", "budget", "coverage", "replication", "interval")),
    "page_glossary": (("", ""), ()),
}



def term(key: str) -> str:
    return in_language(TERMS[key][0])


def definition(key: str) -> str:
    return in_language(TERMS[key][1])


def tiers_of_the_policies() -> list[str]:
    """One line per policy that declares tiers or classes (its [tiers]): jurisdiction, document
    and its values' names, in the chosen language."""
    out = []
    for policy in all_policies():
        try:
            tiers = policy.tier_probes()
        except Exception:   # a declaration the Tiers page reports itself
            continue
        if not tiers or not tiers.get("values"):
            continue
        names = [v if isinstance(v, str) else (v.get("label") or {}).get(lang(), str(v.get("value")))
                 for v in tiers["values"]]
        out.append(f"{city(policy.meta.city)} · {policy.meta.document}: {', '.join(names)}")
    return out


def table(keys: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The glossary (or the terms ``keys``) as a two-column table: term, meaning."""
    keys = tuple(TERMS) if keys is None else keys
    return pl.DataFrame({t("term"): [term(k) for k in keys], t("meaning"): [definition(k) for k in keys]})


def how_to_read(page_key: str) -> None:
    """The page's "How to read this page": what it shows and the terms it uses, defined."""
    text, keys = PAGES[page_key]
    with st.expander(t("how_to_read")):
        st.markdown(in_language(text))
        if keys:
            st.markdown(f"**{t('terms')}**")
            st.markdown("\n".join(f"- **{term(k)}**: {definition(k)}" for k in keys))
            if "tier_class" in keys:
                st.markdown("\n".join(f"  - {line}" for line in tiers_of_the_policies()))
