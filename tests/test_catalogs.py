"""Catalog transcriptions: counts, tiers, unique codes, a source on every row."""
import re

import polars as pl

from skillsim.policies import get_policy


def test_beijing_2026_catalog_transcription():
    cat = get_policy("beijing-2026-key-groups").catalog
    occ = cat.filter(pl.col("kind") == "skill_level")
    items = cat.filter(pl.col("kind") == "special_ability")
    assert occ.height == 91 and items.height == 7                               # BJKG-C3: 91 + 7
    assert occ["seq"].to_list() == list(range(1, 92)) and items["seq"].to_list() == list(range(1, 8))
    assert occ["code"].n_unique() == 91 and occ["name"].n_unique() == 91
    assert all(re.fullmatch(r"\d-\d\d-\d\d-\d\d", c) for c in occ["code"])
    assert set(cat["tier"]) == {"A", "B"}
    assert occ["tier"].value_counts().sort("tier").rows() == [("A", 24), ("B", 67)]
    assert items["tier"].to_list() == ["A", "A", "A", "A", "B", "B", "B"]
    assert cat["source"].str.contains("京人社能发〔2026〕2号").all()
    # spot checks against the text
    row = dict(occ.select("code", "tier").iter_rows())
    assert row["4-10-01-05"] == "A" and row["6-31-07-03"] == "B" and row["3-01-01-02"] == "B"


def test_shanghai_catalogs():
    sh = get_policy("shanghai-2025-skills-upgrade")
    tp = sh.tech_post_match
    assert tp.height == 13 and tp["code"].n_unique() == 13                      # SHSU-R6: 13 occupations
    assert "4-12-02-01" in tp["code"].to_list() and "美甲师" in tp["name"].to_list()
    cat = sh.catalog
    assert set(cat["class"]) <= {"A", "B", "C"} and cat["source"].str.len_chars().min() > 10
    items = dict(cat.filter(pl.col("kind") == "special_ability").select("name", "class").iter_rows())
    assert items == {"人工智能数据标注": "A", "人工智能模型运用": "A"}              # SHSU-K1
