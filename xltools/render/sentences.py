"""Generated sentences: the preamble, the contact line, 一（二） from table 三 and part 六's fee
sentence. The wording lives in Jinja2 templates (xltools/templates/*.j2); an office may supply its
own with `--templates DIR` (any file it leaves out falls back to ours).

Templates run sandboxed with StrictUndefined: a misspelt variable is an error, never a blank.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from xltools import spec
from xltools.errors import UsageError
from xltools.model import Report
from xltools.text import format_number, os_reason

_PACKAGE_DIR = Path(__file__).parent / "templates"
_NUMERAL = re.compile(r"^（[一二三四五六七]）")


def outcome_label(label: str) -> str:
    """The short name of a result group: "（二）部分公开（区分处理的…）" -> "部分公开"."""
    return _NUMERAL.sub("", label).split("（", 1)[0]


def _outcomes() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Result groups of table 三 in order, (short label, row ids): 予以公开, 部分公开, 不予公开, …"""
    groups: dict[str, list[str]] = {}
    for r in spec.REQUESTS.rows:
        if r.id in spec.REQUEST_RESULT_ROWS:
            group = r.label if r.section == spec.REQUESTS_RESULTS else r.section
            groups.setdefault(outcome_label(group), []).append(r.id)
    return tuple((label, tuple(ids)) for label, ids in groups.items())


OUTCOMES = _outcomes()


class Sentences:
    """The wording templates, ours or an office's."""

    def __init__(self, templates_dir: str | os.PathLike | None = None):
        loaders: list[jinja2.BaseLoader] = []
        if templates_dir is not None:
            d = Path(templates_dir)
            if not d.is_dir():
                raise UsageError(f"措辞模板文件夹 {d} 不存在。请给出放 .j2 措辞模板文件的文件夹。")
            loaders.append(jinja2.FileSystemLoader(str(d)))
        loaders.append(jinja2.FileSystemLoader(str(_PACKAGE_DIR)))
        self.env = SandboxedEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )

    def render(self, name: str, ctx: dict[str, Any], **extra: Any) -> str:
        """One template's sentence(s), as one paragraph: line breaks in the template are dropped."""
        file = f"{name}.j2"
        try:
            text = self.env.get_template(file).render({**ctx, **extra})
        except jinja2.TemplateSyntaxError as exc:
            raise UsageError(
                f"措辞模板 {file} 第 {exc.lineno} 行有语法错误（{{{{ }}}}、{{% %}} 的写法或配对不对）。请对照说明改正该模板。"
            ) from exc
        except jinja2.UndefinedError as exc:
            m = re.search(r"'([^']+)' (?:is undefined|has no attribute '([^']+)')", exc.message or "")
            what = (m.group(2) or m.group(1)) if m else ""
            raise UsageError(
                f"措辞模板 {file} 用到了不存在的变量{f'“{what}”' if what else ''}。请对照说明改正该模板。"
            ) from exc
        except SecurityError as exc:
            raise UsageError(
                f"措辞模板 {file} 试图访问模板不允许使用的内容，出于安全考虑已拒绝。措辞模板只能使用说明中列出的变量。"
            ) from exc
        except jinja2.TemplateNotFound as exc:
            raise UsageError(f"找不到措辞模板 {exc.name}。请检查模板文件名是否与说明一致。") from exc
        except UnicodeDecodeError as exc:
            raise UsageError(f"措辞模板 {file} 不是 UTF-8 编码。请用记事本等程序另存为 UTF-8 编码后再试。") from exc
        except OSError as exc:
            raise UsageError(f"无法读取措辞模板 {file}：{os_reason(exc)}") from exc
        except Exception as exc:  # an office's own template is code we did not write: any failure is its
            raise UsageError(f"措辞模板 {file} 运行出错（例如拿文字和数字做运算）。请对照说明改正该模板。") from exc
        return "".join(line.strip() for line in text.splitlines())

    @staticmethod
    def context(report: Report) -> dict[str, Any]:
        """What every template may use, taken from the report."""

        year = report.year or ""
        name = report.name
        title = spec.TITLE.format(name=name, year=year)

        def total(row_id: str) -> int:
            return report.values.get(f"requests.{row_id}.total") or 0

        amount = report.values.get("processing_fee.amount_yuan")
        count = report.values.get("processing_fee.count")
        return {
            "name": name,
            "we": report.text("agency.self") or "本机关",
            "year": year,
            "title": title,
            "standard": spec.PREAMBLE.format(title=title, year=year),
            "new": total("new"),
            "carried_in": total("carried_in"),
            "results_total": total("results_total"),
            "carried_over": total("carried_over"),
            "outcomes": [{"label": label, "count": sum(total(r) for r in rows)} for label, rows in OUTCOMES],
            "amount": format_number(amount) or "0",
            "count": count,
            "collected": bool(amount) or bool(count),
        }


__all__ = ["OUTCOMES", "Sentences", "outcome_label"]
