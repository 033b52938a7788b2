"""Filled workbooks for the benchmark (and anyone who wants a folder of realistic units).

Each unit gets random but consistent numbers (every hard rule holds) and the texts a clerk would
type, written into the template by `template_bytes`, as a filled template is.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from xltools.spec import APPEAL_PARTS, APPEALS, APPLICANT_COLUMNS, CARRIES, PROACTIVE_CELLS, REQUEST_RESULT_ROWS
from xltools.workbook.template import template_bytes

TEXTS = {
    "agency.self": "本机关",
    "agency.level": "department",
    "overview.summary": "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，政府信息公开工作有序推进。",
    "overview.proactive": "坚持以公开为常态、不公开为例外，全年主动公开政府信息。",
    "overview.management": "严格落实信息发布审核制度，做好公开前保密审查。",
    "overview.platform": "持续完善政府网站信息公开专栏，依托政务新媒体发布信息。",
    "overview.oversight": "明确专人负责政府信息公开工作，年度考核、社会评议和责任追究结果均纳入监督。",
    "problems": "主要问题是公开内容不够全面，解读形式较为单一。下一步将拓展公开渠道，提升解读质量，加强队伍培训。",
}


def unit_values(rng: random.Random, name: str, year: int = 2024, carried_over: dict | None = None) -> dict:
    """Input values of one unit's report: consistent numbers (现行有效 never below what the year's
    issued and repealed documents allow), filled texts; `carried_over`: 结转下年度 by column, as
    last year's report of a unit must have (see `previous_values`)."""
    values: dict = {**TEXTS, "agency.name": name, "year": year}
    for row, cols in PROACTIVE_CELLS.items():
        for col in cols:
            if col == "amount_wan":
                values[f"proactive.{row}.{col}"] = Decimal(rng.randint(0, 10**8)) / 10**6
            elif col == "in_force":  # at least last year's 0 + issued − repealed
                floor = values[f"proactive.{row}.issued"] - values[f"proactive.{row}.repealed"]
                values[f"proactive.{row}.{col}"] = max(0, floor) + rng.randint(0, 40)
            else:
                values[f"proactive.{row}.{col}"] = rng.randint(0, 40)
    for col in APPLICANT_COLUMNS:
        results = 0
        for row in REQUEST_RESULT_ROWS:
            n = rng.choice((0, 0, 0, 1, 2, 5))
            values[f"requests.{row}.{col}"] = n
            results += n
        over = rng.randint(0, 3) if carried_over is None else carried_over[col]
        carried_in = rng.randint(0, results + over)
        values[f"requests.carried_over.{col}"] = over
        values[f"requests.carried_in.{col}"] = carried_in
        values[f"requests.new.{col}"] = results + over - carried_in
    for group in APPEALS.rows:
        for part in APPEAL_PARTS:
            values[f"appeals.{group.id}.{part}"] = rng.choice((0, 0, 1, 2))
    values["processing_fee.count"] = count = rng.randint(0, 3)
    values["processing_fee.amount_yuan"] = Decimal(rng.randint(1, 100000)) / 100 if count else Decimal(0)
    return values


# Last year's texts: other words, as a unit that writes its report anew each year has them.
LAST_TEXTS = {
    "overview.summary": "上一年度，本机关以制度建设为抓手，把政务公开纳入年度重点任务统筹安排。",
    "overview.proactive": "围绕重点领域及时发布政策文件和工作动态，做好政策解读和回应关切。",
    "overview.management": "开展历年文件集中清理，对不再适宜公开的信息及时调整公开属性。",
    "overview.platform": "对门户网站栏目进行整合优化，提升检索功能和移动端浏览体验。",
    "overview.oversight": "将政务公开纳入绩效考核，组织专题培训两次，接受社会各界监督。",
    "problems": "存在的不足是基层单位公开意识有待提高。改进措施：建立定期检查通报机制，督促整改落实到位。",
}


def previous_values(this: dict) -> dict:
    """Last year's report of the same unit, consistent with this year's as a real one is: its
    结转下年度 is this year's 上年结转 (X1 holds), its 现行有效 what this year's started from (X2
    holds), its other figures this year's (no X3 for every unit), its texts its own (no C3)."""
    last = {**this, **LAST_TEXTS, "year": this["year"] - 1}
    for col in APPLICANT_COLUMNS:
        over = this[f"requests.carried_in.{col}"]
        last[f"requests.carried_over.{col}"] = last[f"requests.carried_in.{col}"] = over
        last[f"requests.new.{col}"] = sum(this[f"requests.{row}.{col}"] for row in REQUEST_RESULT_ROWS)
    for carry in CARRIES:
        if carry.plus or carry.minus:
            last[carry.last] = this[carry.this] - sum(this[p] for p in carry.plus) + sum(this[p] for p in carry.minus)
    return last


def generate(folder: Path, n: int, *, seed: int = 2024, year: int = 2024) -> list[Path]:
    """n filled workbooks in `folder`, named unit-0001.xlsx …"""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(1, n + 1):
        path = folder / f"unit-{i:04d}.xlsx"
        path.write_bytes(template_bytes(unit_values(rng, f"测试市第{i}单位", year)))
        paths.append(path)
    return paths
