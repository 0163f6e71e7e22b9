"""Certificate levels (docs/conventions.md): 5 = 初级工 … 1 = 高级技师; null = ungraded."""
LEVEL_NAMES = {5: "初级工(五级)", 4: "中级工(四级)", 3: "高级工(三级)", 2: "技师(二级)", 1: "高级技师(一级)"}
LEVELS = (5, 4, 3, 2, 1)
