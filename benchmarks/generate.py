"""Filled workbooks for the benchmark (and anyone who wants a folder of realistic units).

Each unit gets random but consistent numbers (every hard rule holds) and the texts a clerk would
type, written into the template by `template_bytes`, as a filled template is.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from xltools.spec import APPEAL_PARTS, APPEALS, APPLICANT_COLUMNS, PROACTIVE_CELLS, REQUEST_RESULT_ROWS
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


def unit_values(rng: random.Random, name: str, year: int = 2024) -> dict:
    """Input values of one unit's report: consistent numbers, filled texts."""
    values: dict = {**TEXTS, "agency.name": name, "year": year}
    for row, cols in PROACTIVE_CELLS.items():
        for col in cols:
            if col == "amount_wan":
                values[f"proactive.{row}.{col}"] = Decimal(rng.randint(0, 10**8)) / 10**6
            else:
                values[f"proactive.{row}.{col}"] = rng.randint(0, 40)
    for col in APPLICANT_COLUMNS:
        results = 0
        for row in REQUEST_RESULT_ROWS:
            n = rng.choice((0, 0, 0, 1, 2, 5))
            values[f"requests.{row}.{col}"] = n
            results += n
        carried_over = rng.randint(0, 3)
        carried_in = rng.randint(0, results + carried_over)
        values[f"requests.carried_over.{col}"] = carried_over
        values[f"requests.carried_in.{col}"] = carried_in
        values[f"requests.new.{col}"] = results + carried_over - carried_in
    for group in APPEALS.rows:
        for part in APPEAL_PARTS:
            values[f"appeals.{group.id}.{part}"] = rng.choice((0, 0, 1, 2))
    values["processing_fee.count"] = rng.randint(0, 3)
    values["processing_fee.amount_yuan"] = Decimal(rng.randint(0, 100000)) / 100
    return values


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
