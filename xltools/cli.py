"""The command line: parse arguments, call the library through its one door (xltools.api), phrase
its exceptions and exit with their status (docs/format.md §6). No business logic lives here: only
the command line's own words (its options and commands, CLI_HINTS)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import sys
from pathlib import Path

import click

from xltools import api
from xltools.cli_chinese import CONTEXT, ChineseCommand, Range, options
from xltools.errors import NOT_OUR_TEMPLATE, OutputError, ReportHasErrors, UsageError, XltoolsError, exit_status
from xltools.model import FileResult


class _ChineseGroup(ChineseCommand, click.Group):
    """xltools itself: every command runs under `run_guarded`, so every failure is one of our messages."""

    command_class = ChineseCommand
    subcommand_metavar = "命令 [参数]..."

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        code = run_guarded(
            lambda: super(_ChineseGroup, self).main(args, prog_name or "xltools", complete_var, False, **extra),
            args,
        )
        if standalone_mode:
            sys.exit(code)
        return code

    def format_commands(self, ctx, formatter):
        rows = [(n, c.get_short_help_str(80)) for n, c in self.commands.items() if not c.hidden]
        if rows:
            with formatter.section("命令"):
                formatter.write_dl(rows)

    def format_options(self, ctx, formatter):
        options(self, ctx, formatter)
        self.format_commands(ctx, formatter)


@click.group(cls=_ChineseGroup, context_settings=CONTEXT)
@click.version_option(api.__version__, "-V", "--version", message="xltools %(version)s", help="显示版本号并退出。")
def main() -> None:
    """xltools：政府信息公开工作年度报告的填报模板、校验和生成工具。

    \b
    流程：
      xltools template -o 模板.xlsx        生成填报模板
      （在 WPS 或 Excel 中填写）
      xltools check 已填写.xlsx            检查错误，指出要改的单元格
      xltools build 已填写.xlsx -o 报告.docx 生成可发布的报告

    文件名以“-”开头时，在它前面加 -- 表示选项到此为止，例如 xltools check -- -甲.xlsx。
    """


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(path) -> str:
    """A file name inside a message: control characters (a newline, a tab) shown escaped as \\n,
    so that the name stays on its line and the message says exactly which file."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), api.display_path(path))


def emit(text: str, *, err: bool = False) -> None:
    """One message to the screen; a name that is not UTF-8 is shown escaped. A failing stdout is
    reported once (on stderr); a failing stderr is ignored: there is nowhere left to say it."""
    text = api.display_path(text)
    if err:
        with contextlib.suppress(OSError, ValueError):
            click.echo(text, err=True)
        return
    _echo_out(text)


def _echo_out(text: str, *, nl: bool = True) -> None:
    """Text to stdout; a stdout that is closed or cannot take it is our error, never silence."""
    if sys.stdout is None:
        raise _OutputClosed(None)
    try:
        click.echo(text, nl=nl)
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        raise _OutputClosed(exc if isinstance(exc, OSError) else None) from exc


# --- template -----------------------------------------------------------------------------------


@main.command("template")
@click.option(
    "-o",
    "--output",
    "output",
    default="年度报告模板.xlsx",
    show_default=True,
    metavar="文件",
    help="模板保存到的文件。",
)
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@click.option(
    "--previous",
    "previous",
    metavar="上年报告",
    help="用上年填好的模板（或 .json）生成下一年度的模板：预填机关信息、年度和上年结转。",
)
def template_cmd(output: str, force: bool, previous: str | None) -> None:
    """生成受保护的 Excel 填报模板。"""
    if previous:
        api.check_target(output, force=force, inputs=[previous])
        result = api.load_report(previous)
        if result.errors:
            _show_findings(previous, result)
        api.write_atomic(output, api.next_template(result), force=force, inputs=[previous])
        emit(f"已生成下一年度的模板：{shown(output)}（已预填机关信息、年度、上年结转和上年数据，请核对）")
        return
    api.write_atomic(output, api.template_bytes(), force=force)
    emit(f"已生成模板：{shown(output)}")


# --- check --------------------------------------------------------------------------------------


@main.command("check")
@click.argument("inputs", nargs=-1, required=True, metavar="文件或文件夹...")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（供其他程序读取）。")
@click.option("--strict", is_flag=True, help="把提示（警告）也当作错误。")
@click.option(
    "--summary", "summary_path", metavar="汇总.xlsx", help="另存一份汇总工作簿：每个文件一行，并列出全部问题。"
)
@click.option("--force", is_flag=True, help="汇总文件已存在时覆盖它。")
@click.option("-j", "--jobs", type=Range(1, 64), help="同时检查的进程数（默认用全部 CPU 核心）。")
@click.option(
    "--previous",
    "previous",
    metavar="上年报告",
    help="上年的报告（.xlsx 或 .json），用于核对上年结转、现行有效和文字雷同。",
)
@click.option(
    "--previous-dir",
    "previous_dir",
    metavar="文件夹",
    help="上年报告所在的文件夹：每份报告按机关全称找到自己上年的报告。",
)
def check_cmd(
    inputs: tuple[str, ...],
    as_json: bool,
    strict: bool,
    summary_path: str | None,
    force: bool,
    jobs,
    previous,
    previous_dir,
) -> None:
    """检查填好的模板（.xlsx）或报告数据（.json），列出每处错误和要改的单元格；
    也可直接检查已发布的报告（网页 .html、Word .docx、PDF、文本 .txt），错误按表格的行列名称指出。

    可以同时检查多个文件；给出文件夹时检查其中所有上述文件。
    退出码：0 全部通过，1 有报告存在错误，2 有文件无法使用。
    """
    paths = api.input_paths(inputs, outputs=[summary_path], published=True)
    if not paths:
        raise UsageError(
            f"{'、'.join(inputs)} 中没有可检查的文件（.xlsx、.json，或已发布报告 .html、.docx、.pdf、.txt）。"
            "请检查路径，或直接给出要处理的文件。"
        )
    read = [*paths, *(p for p in (previous, previous_dir) if p)]  # everything this run reads
    if summary_path:
        if not summary_path.lower().endswith(".xlsx"):
            raise UsageError(f"汇总文件应以 .xlsx 结尾（现为 {summary_path}）。")
        api.check_target(summary_path, force=force, inputs=read, probe=True)  # before a long run, not after
    pairs = api.previous_pairing(previous, previous_dir)
    with contextlib.ExitStack() as outputs:  # each file's results go out as soon as it is checked
        if as_json:
            stream = api.json_stream(lambda piece: _echo_out(piece, nl=False))
            sinks = [lambda d: stream.add(d.json)]
        else:
            sinks = [lambda d: emit(d.text)]
        if summary_path:  # a temporary file beside it, published when complete (never half a workbook)
            part = outputs.enter_context(api.atomic_path(summary_path, force=force, inputs=read))
            book = outputs.enter_context(api.summary_book(part, name=api.display_path(summary_path)))
            sinks.append(lambda d: book.add(d.row, d.problems))
        # The text lines on a terminal are the progress: a bar there would be drawn over them.
        hidden = len(paths) < 20 or (not as_json and _is_terminal(sys.stdout))
        with click.progressbar(length=len(paths), label="正在检查", file=sys.stderr, hidden=hidden) as bar:
            tally = api.check_batch(
                paths,
                strict=strict,
                jobs=jobs,
                pairing=pairs,
                json=as_json,
                text=not as_json,
                summary=bool(summary_path),
                hint=cli_hint,
                sinks=sinks,
                progress=lambda _d: bar.update(1),
            )
        if as_json:
            stream.close(tally.counts)
        elif closing := api.count_line(tally.counts):
            emit(closing)
    # The summary is finished after the results are out: one that cannot be written loses none.
    if summary_path:
        emit(f"已生成汇总：{shown(summary_path)}", err=True)
    click.get_current_context().exit(tally.exit_code)


def _is_terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed: the first line written will say so
        return False


# --- build, fill, export ------------------------------------------------------------------------


def _show_findings(path: str, result) -> None:
    """A build's findings go to stderr: stdout may be the report itself."""
    if result.findings:
        emit("\n".join(api.file_lines(FileResult(path, result), cli_hint)), err=True)


def output_format(output: str | os.PathLike | None, fmt: str | None) -> str:
    """The format asked for: --format, else OUT's extension, else text (to the screen)."""
    if output is None:
        if fmt is not None and api.OUTPUTS[fmt].binary:
            example = "年度报告" + api.OUTPUTS[fmt].suffix
            raise UsageError(f"{api.OUTPUTS[fmt].name} 文件不能输出到屏幕，请用 -o 指定文件名，例如 -o {example}。")
        return fmt or "txt"
    suffix = Path(output).suffix.lower()
    by_suffix = api.OUTPUT_SUFFIXES.get(suffix)
    if fmt is None:
        if by_suffix is None:
            known = "、".join(sorted(api.OUTPUT_SUFFIXES))
            raise UsageError(
                f"无法从输出文件名“{Path(output).name}”判断格式。请使用扩展名 {known}，或加 --format 指定格式。"
            )
        return by_suffix
    if fmt == "cms" and by_suffix in ("html", "txt"):  # the fragment is html, saved as .html or .txt
        return fmt
    if by_suffix is not None and by_suffix != fmt:
        raise UsageError(
            f"输出文件 {Path(output).name} 的扩展名是 {api.OUTPUTS[by_suffix].name}格式，却指定了 --format {fmt}。"
            "请让两者一致。"
        )
    return fmt


def _write_or_print(output: str | None, data: bytes, *, force: bool, inputs: list[str]) -> None:
    if output:
        api.write_atomic(output, data, force=force, inputs=inputs)
        emit(f"已生成：{shown(output)}", err=True)
    else:
        _echo_out(data.decode("utf-8"), nl=False)


@main.command("build")
@click.argument("input_path", metavar="文件")
@click.option(
    "-o",
    "--output",
    metavar="输出文件",
    help="保存到的文件；格式按扩展名（.txt .md .html .docx .pdf .json）。不给则在屏幕上输出文本。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(api.OUTPUTS)),
    help="输出格式（不给则按输出文件的扩展名）。cms：粘贴到网站后台编辑器用的网页片段；pdf 需要安装 LibreOffice。",
)
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@click.option("--draft", is_flag=True, help="有错误也生成，稿子上标明“草稿（未通过校验）”，仅供审阅；退出码仍为 1。")
@click.option("--templates", "templates_dir", metavar="文件夹", help="用本机关自己的措辞模板（.j2 文件）生成句子。")
@click.option(
    "--narrative",
    metavar="文字稿.docx|.txt",
    help="各部分文字取自这份 Word/文本文字稿，数字仍取自模板；文字稿缺少的部分用模板中的文字。",
)
@click.option(
    "--previous",
    "previous",
    metavar="上年报告",
    help="上年的报告（.xlsx 或 .json），用于核对上年结转、现行有效和文字雷同。",
)
@click.option(
    "--fix-punctuation",
    is_flag=True,
    help="把各部分文字中紧挨汉字的半角标点（, ; : ? ! ( )）改为全角后生成（只改生成的报告，不改原文件）。",
)
def build_cmd(
    input_path: str,
    output: str | None,
    fmt: str | None,
    force: bool,
    draft: bool,
    templates_dir: str | None,
    narrative: str | None = None,
    previous: str | None = None,
    fix_punctuation: bool = False,
) -> None:
    """检查后生成可发布的年度报告（文本、Markdown、网页、Word、PDF 或 JSON）。

    有错误时列出错误、不生成任何文件（退出码 1）；提示（警告）显示在屏幕上，不影响生成。
    """
    read = [input_path, *(p for p in (narrative, previous, templates_dir) if p)]  # everything this run reads
    if output:  # first: "that is your input" says more than "unknown extension"
        api.check_target(output, force=force, inputs=read)
    fmt = output_format(output, fmt)
    result = api.load_for_build(input_path, previous_path=previous, narrative_path=narrative)
    _show_findings(input_path, result)
    document = api.build(result, fmt, draft=draft, templates_dir=templates_dir, fix_punctuation=fix_punctuation)
    _write_or_print(output, document.data, force=force, inputs=read)
    half = api.half_punctuation_count(result.report)
    if half and fix_punctuation:
        emit(f"已把 {half} 处半角标点改为全角（只改生成的报告，原文件未改）。", err=True)
    elif half:
        emit("加 --fix-punctuation 可在生成的报告中把这些半角标点改为全角（原文件不改）。", err=True)
    if result.errors:
        raise ReportHasErrors(
            f"报告有 {len(result.errors)} 处错误，以上生成的只是草稿，改正前不能发布。", findings=result.errors
        )


@main.command("fill")
@click.argument("input_path", metavar="报告.json")
@click.option("-o", "--output", required=True, metavar="文件.xlsx", help="填好的模板保存到的文件。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
def fill_cmd(input_path: str, output: str, force: bool) -> None:
    """把 JSON 报告数据写入新模板，得到一份填好的 .xlsx（只写填写项，总计仍由公式计算）。"""
    if not output.lower().endswith(".xlsx"):
        raise UsageError(f"输出文件应以 .xlsx 结尾（现为 {output}）。")
    api.check_target(output, force=force, inputs=[input_path])
    result = api.load_report(input_path)
    _show_findings(input_path, result)
    _write_or_print(output, api.fill_bytes(result), force=force, inputs=[input_path])


@main.command("export")
@click.argument("input_path", metavar="文件")
@click.option("-o", "--output", metavar="文件.json", help="保存到的文件（不给则在屏幕上输出）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
def export_cmd(input_path: str, output: str | None, force: bool) -> None:
    """输出填好的模板中的报告数据（JSON 格式 xltools.report/1）。"""
    if output:
        api.check_target(output, force=force, inputs=[input_path])
    result = api.load_report(input_path)
    _show_findings(input_path, result)
    _write_or_print(output, api.export_json(result).encode("utf-8"), force=force, inputs=[input_path])


@main.command("import")
@click.argument("input_path", metavar="报告.docx|.html|.pdf|.txt")
@click.option("-o", "--output", metavar="文件.json", help="报告数据保存到的文件（不给则在屏幕上输出）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
def import_cmd(input_path: str, output: str | None, force: bool) -> None:
    """读取已发布的年度报告（Word、网页、PDF 或文本），得到报告数据（JSON），总计按原报告所印。

    可用 xltools check 检查导入的数据，或作为下一年的 --previous 上年数据。
    退出码：0 导入成功；1 已导入，但数据有错误（原报告中的问题）；2 文件无法使用。
    """
    if output:
        api.check_target(output, force=force, inputs=[input_path])
    imported = api.import_report(input_path)
    if imported.notes:
        emit(f"{input_path}：导入时请核对以下 {len(imported.notes)} 处：", err=True)
        emit("\n".join(api.finding_line(f) for f in imported.notes), err=True)
    _write_or_print(output, api.dumps(imported.to_json()).encode("utf-8"), force=force, inputs=[input_path])
    errors = imported.check().errors
    if errors:
        raise ReportHasErrors(
            f"导入的数据有 {len(errors)} 处错误（原报告中的问题，如总计与各项之和不符，或未能读出的内容），数据已照原样导出。"
            f"运行 xltools check {output or '导入的 .json 文件'} 查看详情。",
            findings=errors,
        )


# --- merge --------------------------------------------------------------------------------------


@main.command("merge")
@click.argument("inputs", nargs=-1, required=True, metavar="文件或文件夹...")
@click.option("-o", "--output", "output", metavar="汇总.json|汇总.xlsx", help="汇总报告保存到的文件（必填）。")
@click.option("--name", "name", metavar="机关全称", help="汇总报告的机关全称（给出 --parent 时默认取上级报告的）。")
@click.option("--self", "self_unit", metavar="单位", help="本级单位：机关全称或文件名。按本级取数的表从它的报告中取。")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="表=本级|汇总",
    help="改变某表或行组的口径，如 --scope 二（一）=汇总。可多次使用。",
)
@click.option("--parent", "parent", metavar="上级报告", help="上级机关自己的报告：逐格与下级合计核对。")
@click.option("--roster", "roster", metavar="名单.txt", help="应报单位名单（每行一个机关全称）：列出缺少的单位。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@click.option("-j", "--jobs", type=Range(1, 64), help="同时读取的进程数（默认用全部 CPU 核心）。")
def merge_cmd(inputs, output, name, self_unit, scopes, parent, roster, force, jobs) -> None:
    """把各单位的报告汇总成一份报告的表格数字（文字部分留给汇总单位填写）。

    默认口径：表二（一）规章、规范性文件取本级单位（--self）的数字，其余各表各单位相加。
    所用口径会打印出来，并记录在输出文件中。
    """
    if not output:
        raise UsageError("请用 -o 指定汇总报告保存到的文件，例如 -o 汇总.xlsx 或 -o 汇总.json。")
    suffix = Path(output).suffix.lower()
    if suffix not in (".json", ".xlsx"):
        raise UsageError(f"输出文件应以 .json 或 .xlsx 结尾（现为 {output}）。")
    scope = api.merge_scope(scopes)
    paths = api.input_paths(inputs, outputs=[output, parent])
    if not paths:
        raise UsageError(f"{'、'.join(inputs)} 中没有 .xlsx 或 .json 文件。请检查路径，或直接给出要处理的文件。")
    sources = [*paths, *(p for p in (parent, roster) if p)]  # everything this run reads
    api.check_target(output, force=force, inputs=sources, probe=True)  # before reading every unit
    with click.progressbar(length=len(paths), label="正在读取", file=sys.stderr, hidden=len(paths) < 20) as bar:
        result = api.merge_reports(
            paths,
            name=name,
            self_key=self_unit,
            scope=scope,
            parent=parent,
            roster=roster,
            jobs=jobs,
            progress=lambda _r: bar.update(1),
        )
    api.write_atomic(output, api.merge_bytes(result, suffix), force=force, inputs=sources)
    described, reconciled = api.merge_lines(result)
    emit("\n".join([*described, f"已生成：{shown(output)}（文字部分请汇总单位填写）", *reconciled]))


# --- schema -------------------------------------------------------------------------------------


@main.command("schema")
def schema_cmd() -> None:
    """输出报告数据 JSON 格式（xltools.report/1）的 JSON Schema，供其他系统校验。"""
    emit(api.dumps(api.json_schema()).rstrip("\n"))


# --- rules --------------------------------------------------------------------------------------


@main.command("rules")
@click.argument("rule_ids", nargs=-1, metavar="[规则…]")
def rules_cmd(rule_ids: tuple[str, ...]) -> None:
    """列出全部检查规则（编号、级别、名称、检查什么、适用于）；给出编号（如 R3.3）则只列这几条。"""
    for r in api.rules(rule_ids):
        emit(f"{r.id}  {r.level}  {r.title}\n    {r.description}\n    适用于：{r.applies}")


# --- serve --------------------------------------------------------------------------------------

WEB_MODULES = ("fastapi", "starlette", "uvicorn", "multipart", "python_multipart", "anyio", "jinja2")


@main.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="地址",
    help="监听地址。默认只有本机能访问；其他地址见 README。",
)
@click.option("--port", default=8765, show_default=True, metavar="端口", type=Range(1, 65535), help="端口。")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="名称",
    help="另外接受的本机名称或 IP 地址（可重复）。默认只接受 127.0.0.1、localhost 和监听地址；用 0.0.0.0 监听时，其他电脑访问所用的地址要在这里加上。",
)
@click.option("--open", "open_browser", is_flag=True, help="启动后在浏览器中打开页面。")
@click.option(
    "--data",
    "data_folder",
    metavar="文件夹",
    type=click.Path(file_okay=False, path_type=Path),
    help="作为年度收集服务运行，数据保存在这个文件夹（见 README“年度收集”）。不加时网页版不保存任何文件。",
)
def serve_cmd(host: str, port: int, allow_hosts: tuple[str, ...], open_browser: bool, data_folder: Path | None) -> None:
    """启动网页版：在浏览器中上传表格，查看错误，预览和下载报告；加 --data 时作为年度收集服务。"""
    try:
        from xltools.web.server import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in WEB_MODULES:
            raise
        raise UsageError("网页版需要另外安装几个组件，请运行：pip install 'xltools[web]'") from exc
    if data_folder is not None:
        _first_password(data_folder)
    serve(
        host,
        port,
        allow_hosts=allow_hosts,
        open_browser=open_browser,
        echo=emit,
        told=lambda name: emit(
            f"已拒绝以“{name}”为地址的访问（不是本服务的地址）。如果这是本机的名称或地址，请在启动时加上 --allow-host {name}。"
        ),
        other_machines="其他电脑用本机的 IP 地址或名称访问时，请用 --allow-host 加上这个地址（可重复），例如 --allow-host 192.168.1.10；其他地址的访问会被拒绝。",
        data_folder=data_folder,
    )


def _first_password(data_folder: Path) -> None:
    """On the first start of a collection service, the office's password: asked on a terminal,
    else generated and printed this once (only its hash is stored)."""
    with api.open_round_service(str(data_folder)) as service:
        if service.has_password():
            return
        if not sys.stdin.isatty():
            password = api.new_office_password()
            service.set_password(password)
            emit(f"第一次启动，已生成政务公开办的登录密码（只显示这一次，请记下）：{password}")
            return
        emit("第一次启动：请设置政务公开办的登录密码（输入时不显示）。")
        while True:
            password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次", err=True)
            try:
                service.set_password(password)
            except XltoolsError as exc:
                emit(exc.message, err=True)
                continue
            emit("密码已设置。")
            return


# --- the collection round (docs/format.md §10) ------------------------------------------------------

DATA_HELP = "数据文件夹：收集的全部数据（数据库和上传的文件）保存在这里。"
DEFAULT_BASE_URL = "http://127.0.0.1:8765"


@main.group("round", cls=_ChineseGroup)
def round_group() -> None:
    """年度收集：建立一轮收集、发放各单位的填报链接、查看进度、导出和备份（网页版用 xltools serve --data）。"""


def _data_option(f):
    return click.option("--data", "data", required=True, metavar="文件夹", help=DATA_HELP)(f)


def _year_option(f):
    return click.option("--year", type=int, metavar="年度", help="哪一年度的收集（默认最近的一轮）。")(f)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} 的日期“{value}”看不懂，请写成 2026-01-31 这样。") from None


def _base_url(service, given: str | None) -> str:
    """The address units reach the service at: given (and remembered), else the remembered one."""
    if given:
        return service.set_base_url(given)
    return service.base_url() or DEFAULT_BASE_URL


def _print_links(links, year: int, base_url: str, as_json: bool, output: str | None, force: bool, title: str) -> None:
    if output:
        api.write_atomic(output, api.round_links_bytes(links, base_url, Path(output).suffix, title=title), force=force)
    if as_json:
        emit(api.dumps(api.round_links_json(year, [(link.unit, link.url(base_url)) for link in links])).rstrip("\n"))
        return
    emit(title)
    for i, link in enumerate(links, 1):
        emit(f"{i}. {link.unit.name}\t{link.url(base_url)}")
    emit(
        "链接只在此时显示一次（数据文件夹中只保存它们的校验值）：请现在保存或发给各单位。"
        + (f"已保存到 {output}。" if output else "")
    )


def _round_of(service, year: int | None):
    return service.round(year)


def _existing(data: str):
    """The service over a data folder that already holds a store (a typo must not start a new one)."""
    if not (Path(data) / "store.sqlite3").is_file():
        raise UsageError(f"数据文件夹 {data} 中没有收集数据。请检查 --data，或先用 xltools round new 建立一轮收集。")
    return api.open_round_service(data)


@round_group.command("new")
@_data_option
@click.option("--year", required=True, type=int, metavar="年度", help="报告年度，例如 2025。")
@click.option("--name", "office", required=True, metavar="机关全称", help="本级机关全称（组织这轮收集的机关）。")
@click.option(
    "--roster",
    required=True,
    metavar="名单.txt|.xlsx",
    help="填报单位名单：每行一个机关全称（可用制表符或逗号再写层级、上级）。",
)
@click.option("--deadline", metavar="日期", help="截止日期，例如 2026-01-31；过期未通过的单位标为逾期。")
@click.option("--base-url", metavar="网址", help=f"各单位访问本服务的地址（默认 {DEFAULT_BASE_URL}；记住供以后使用）。")
@click.option("-o", "--output", metavar="链接.xlsx|.txt", help="把链接清单另存为文件（.xlsx 表格或可打印的文本）。")
@click.option("--force", is_flag=True, help="链接清单文件已存在时覆盖它。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各单位的链接（供其他程序读取）。")
def round_new_cmd(data, year, office, roster, deadline, base_url, output, force, as_json) -> None:
    """建立一轮收集，并显示每个单位的填报链接。"""
    when = _date(deadline, "--deadline")
    entries = api.roster_from_file(roster)
    if output:
        api.check_target(output, force=force, inputs=[roster])
    with api.open_round_service(data) as service:
        url = _base_url(service, base_url)
        issued = service.create_round(year, office, entries, when)
        title = f"已建立 {year} 年度的收集（{issued.round.office}），共 {len(issued.links)} 个单位" + (
            f"，截止日期 {when}。" if when else "。"
        )
        _print_links(issued.links, issued.round.year, url, as_json, output, force, title)


@round_group.command("next")
@_data_option
@click.option("--year", type=int, metavar="年度", help="以哪一年度的收集为基础（默认最近的一轮）；新一轮为其下一年度。")
@click.option("--roster", metavar="名单.txt|.xlsx", help="新的单位名单（默认沿用上一轮的）。")
@click.option("--deadline", metavar="日期", help="新一轮的截止日期，例如 2027-01-31。")
@click.option("--base-url", metavar="网址", help="各单位访问本服务的地址（默认用上次记住的）。")
@click.option("-o", "--output", metavar="链接.xlsx|.txt", help="把链接清单另存为文件。")
@click.option("--force", is_flag=True, help="链接清单文件已存在时覆盖它。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各单位的链接。")
def round_next_cmd(data, year, roster, deadline, base_url, output, force, as_json) -> None:
    """从一轮收集开始下一年度的收集：沿用名单，发新链接，各单位的模板带上上年确认过的数字。"""
    when = _date(deadline, "--deadline")
    entries = api.roster_from_file(roster) if roster else None
    if output:
        api.check_target(output, force=force, inputs=[roster] if roster else [])
    with _existing(data) as service:
        url = _base_url(service, base_url)
        source = _round_of(service, year)
        issued = service.next_round(source.id, entries, when)
        carried = sum(1 for link in issued.links if link.unit.carried_sha256)
        title = (
            f"已建立 {issued.round.year} 年度的收集，共 {len(issued.links)} 个单位，"
            f"其中 {carried} 个单位的模板带有 {source.year} 年度的数字。"
        )
        _print_links(issued.links, issued.round.year, url, as_json, output, force, title)


@round_group.command("status")
@_data_option
@_year_option
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供其他程序读取）。")
def round_status_cmd(data, year, as_json) -> None:
    """各单位的状态：未提交、有错误、有提示待核实、通过、已确认。"""
    with _existing(data) as service:
        rnd = _round_of(service, year)
        board = service.board(rnd.id)
    if as_json:
        emit(api.dumps(api.round_status_json(rnd.year, board)).rstrip("\n"))
        return
    state = "进行中" if rnd.open else "已结束"
    emit(f"{rnd.year} 年度收集（{rnd.office}，{state}" + (f"，截止 {rnd.deadline}）" if rnd.deadline else "）"))
    for i, s in enumerate(board, 1):
        when = api.round_time(s.last.uploaded) if s.last else "—"
        extra = "  逾期" if s.overdue else ""
        if s.returned and s.review is not None:
            extra += f"  已退回：{s.review.comment}"
        emit(f"{i:>3}. {s.status.chinese:<6} 上传 {s.uploads} 次  {when:<16}  {s.unit.name}{extra}")
    counts = {st: sum(1 for s in board if s.status is st) for st in api.Status}
    overdue = sum(1 for s in board if s.overdue)
    emit(
        f"共 {len(board)} 个单位："
        + "，".join(f"{st.chinese} {n} 个" for st, n in counts.items())
        + (f"；逾期 {overdue} 个" if overdue else "")
        + "。"
    )


@round_group.command("upload")
@_data_option
@_year_option
@click.option("--unit", required=True, metavar="机关全称", help="替哪个单位上传（名单中的机关全称）。")
@click.argument("input_path", metavar="文件")
@click.option(
    "--json", "as_json", is_flag=True, help="以 JSON 输出检查结果（其中的检查结论与 check --json 的一项相同）。"
)
def round_upload_cmd(data, year, unit, input_path, as_json) -> int:
    """由政务公开办替一个单位上传报告（记入日志），并显示检查结果。"""
    with open(input_path, "rb") as fh:
        content = fh.read(api.ROUND_MAX_UPLOAD + 1)
    with _existing(data) as service:
        rnd = _round_of(service, year)
        target = service.unit_named(rnd.id, unit)
        up = service.upload(target.id, content, Path(input_path).name)
        status = service.unit_state(target.id).status
    if as_json:
        emit(api.dumps(api.round_upload_json(target, up, status)).rstrip("\n"))
    else:
        emit(f"已替“{target.name}”上传 {up.filename}：{status.chinese}")
        if "error" in up.verdict:
            emit(f"  无法使用 —— {up.verdict['error']['message']}")
        for f in up.verdict.get("findings", []):
            mark = "×" if f["severity"] == "error" else "!"
            where = f.get("cell") or f.get("where") or ""
            emit(f"    {mark} [{f['rule']}] {where + ' ' if where else ''}{f['message']}")
    return 1 if up.errors else 0


@round_group.command("review")
@_data_option
@_year_option
@click.option("--unit", required=True, metavar="机关全称", help="审核哪个单位的最新报告。")
@click.option("--confirm", "confirm", is_flag=True, help="确认（已确认）。有错误的报告不能确认。")
@click.option("--return", "comment", metavar="说明", help="退回，并写明原因（单位会看到）。")
def round_review_cmd(data, year, unit, confirm, comment) -> None:
    """审核一个单位的最新报告：确认，或退回并写明原因。"""
    if confirm == (comment is not None):
        raise UsageError("请给出 --confirm（确认）或 --return 说明（退回）中的一个。")
    with _existing(data) as service:
        target = service.unit_named(_round_of(service, year).id, unit)
        if confirm:
            service.confirm(target.id)
            emit(f"已确认“{target.name}”的最新报告。")
        else:
            service.send_back(target.id, comment or "")
            emit(f"已退回“{target.name}”的最新报告：{comment}")


@round_group.command("close")
@_data_option
@_year_option
@click.option("--reopen", is_flag=True, help="重新开放已结束的收集。")
def round_close_cmd(data, year, reopen) -> None:
    """结束一轮收集（不再接收上传，仍可查看和导出）；加 --reopen 重新开放。"""
    with _existing(data) as service:
        rnd = _round_of(service, year)
        rnd = service.reopen_round(rnd.id) if reopen else service.close_round(rnd.id)
    emit(f"{rnd.year} 年度的收集{'已重新开放' if rnd.open else '已结束'}。")


@round_group.command("links")
@_data_option
@_year_option
@click.option(
    "--unit", "units", multiple=True, metavar="机关全称", help="重新发放这个单位的链接（可多次给出）；旧链接立即失效。"
)
@click.option("--revoke", is_flag=True, help="停用 --unit 所给单位的链接，不发新的。")
@click.option("--missing", is_flag=True, help="给所有没有链接的单位发放链接（例如导入之后）。")
@click.option("--all", "everyone", is_flag=True, help="重新发放所有单位的链接（旧链接全部失效）。")
@click.option("--base-url", metavar="网址", help="各单位访问本服务的地址（默认用上次记住的）。")
@click.option("-o", "--output", metavar="链接.xlsx|.txt", help="把新链接的清单另存为文件。")
@click.option("--force", is_flag=True, help="链接清单文件已存在时覆盖它。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出新链接。")
def round_links_cmd(data, year, units, revoke, missing, everyone, base_url, output, force, as_json) -> None:
    """重新发放或停用单位的链接。链接只在发放时显示一次。"""
    if sum(map(bool, (units, missing, everyone))) != 1:
        raise UsageError("请给出 --unit 机关全称、--missing 或 --all 中的一种。")
    if revoke and not units:
        raise UsageError("--revoke 需要和 --unit 一起使用。")
    if output:
        api.check_target(output, force=force)
    with _existing(data) as service:
        url = _base_url(service, base_url)
        rnd = _round_of(service, year)
        if units:
            targets = [service.unit_named(rnd.id, u) for u in units]
            if revoke:
                for t in targets:
                    service.revoke_link(t.id)
                    emit(f"已停用“{t.name}”的链接。")
                return
            links = [service.reissue_link(t.id) for t in targets]
        elif missing:
            links = service.issue_missing_links(rnd.id)
        else:
            links = [service.reissue_link(u.id) for u in service.units(rnd.id)]
        _print_links(links, rnd.year, url, as_json, output, force, f"已发放 {len(links)} 个新链接（{rnd.year} 年度）：")


@round_group.command("export")
@_data_option
@_year_option
@click.option("-o", "--output", required=True, metavar="文件.zip", help="导出到的文件。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
def round_export_cmd(data, year, output, force) -> None:
    """导出一轮收集的全部内容：每个单位每次上传的原文件、日志和索引（index.json，含每个文件的 sha256）。"""
    api.check_target(output, force=force)
    with _existing(data) as service:
        rnd = _round_of(service, year)
        index = api.round_export(service, rnd, output, force=force)
    files = sum(len(u["uploads"]) for u in index["units"])
    emit(
        f"已导出 {rnd.year} 年度的收集到 {output}：{len(index['units'])} 个单位，{files} 个上传的文件，{len(index['events'])} 条日志。"
    )


@round_group.command("download")
@_data_option
@_year_option
@click.option("--summary", "summary", metavar="汇总.xlsx", help="检查汇总表（与 check --summary 相同）保存到的文件。")
@click.option(
    "--merged",
    "merged",
    metavar="合计.xlsx|.json",
    help="各单位报告的合计（与 merge 相同；名单中缺少的单位列出）保存到的文件。",
)
@click.option("--word", "word", metavar="报告.zip", help="全部单位的 Word 报告（一个压缩包）保存到的文件。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
def round_download_cmd(data, year, summary, merged, word, force) -> None:
    """下载一轮收集的汇总：检查汇总表、各单位合计、全部单位的 Word 报告。"""
    if not (summary or merged or word):
        raise UsageError("请至少给出 --summary、--merged、--word 中的一个。")
    if merged and Path(merged).suffix.lower() not in (".xlsx", ".json"):
        raise UsageError("--merged 的文件应以 .xlsx 或 .json 结尾。")
    for target in (summary, merged, word):
        if target:
            api.check_target(target, force=force)
    with _existing(data) as service:
        rnd = _round_of(service, year)
        if summary:
            api.write_atomic(summary, api.round_summary_bytes(service, rnd.id), force=force)
            emit(f"已保存检查汇总表：{summary}")
        if merged:
            result = api.round_merged(service, rnd.id, Path(merged).suffix.lower())
            api.write_atomic(merged, result.data, force=force)
            for line in result.lines:
                emit(line)
            emit(f"已保存各单位合计：{merged}")
        if word:
            with api.atomic_path(word, force=force) as tmp, open(tmp, "wb") as fh:
                done = api.round_write_word_zip(service, rnd.id, fh)
            emit(f"已保存 {done} 份 Word 报告：{word}")


@round_group.command("import")
@_data_option
@click.argument("input_path", metavar="导出的文件.zip")
def round_import_cmd(data, input_path) -> None:
    """把 round export 导出的一轮收集导入数据文件夹（该年度不能已有收集）；导入后为已结束状态，链接需重新发放。"""
    with api.open_round_service(data) as service:
        rnd = api.round_import(service, input_path)
        n = len(service.units(rnd.id))
    emit(
        f"已导入 {rnd.year} 年度的收集（{rnd.office}，{n} 个单位）。如需继续收集，请重新开放并用 round links --missing 发放链接。"
    )


@round_group.command("backup")
@_data_option
@click.option("-o", "--output", required=True, metavar="备份文件", help="备份保存到的文件（.zip）。")
@click.option("--force", is_flag=True, help="备份文件已存在时覆盖它。")
def round_backup_cmd(data, output, force) -> None:
    """备份数据文件夹：服务运行时也可以做，得到同一时刻的完整副本。"""
    api.check_target(output, force=force)
    with _existing(data) as service:
        manifest = api.round_backup(service, output, force=force)
    emit(f"已备份到 {output}（数据版本 {manifest['schema_version']}，{manifest['blobs']} 个文件）。")


@round_group.command("restore")
@_data_option
@click.option("--from", "source", required=True, metavar="备份文件", help="round backup 做的备份文件。")
@click.option("--force", is_flag=True, help="数据文件夹中已有数据时替换它（请先停止服务）。")
def round_restore_cmd(data, source, force) -> None:
    """从备份恢复数据文件夹。恢复前会完整核对备份（数据库和每个文件的校验值）。"""
    manifest = api.round_restore(source, data, force=force)
    emit(f"已从 {source} 恢复到 {data}（{manifest['blobs']} 个文件）。")


@round_group.command("password")
@_data_option
@click.option("--stdin", "from_stdin", is_flag=True, help="从标准输入读取新密码（一行），供脚本使用。")
@click.option("--generate", is_flag=True, help="生成一个随机密码并显示一次。")
def round_password_cmd(data, from_stdin, generate) -> None:
    """设置或重设政务公开办的登录密码（只保存其散列值）；已登录的会话全部失效。"""
    if from_stdin and generate:
        raise UsageError("--stdin 和 --generate 只能用一个。")
    if generate:
        password = api.new_office_password()
    elif from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次")
    with api.open_round_service(data) as service:
        service.set_password(password)
    emit(f"已设置新密码：{password}" if generate else "已设置新密码。")


# --- entry point --------------------------------------------------------------------------------


def _safe_streams() -> None:
    """Never fail on a console that cannot show a character (a Chinese Windows console is GBK)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")


class _OutputClosed(Exception):
    """Standard output cannot take the results (closed, a full disk, /dev/full, a closed pipe)."""

    def __init__(self, exc: OSError | None):
        super().__init__()
        self.exc = exc


def _quiet_stdout() -> None:
    """After stdout failed, point it at nothing, so the exit does not fail on it once more."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _phrase_usage(exc: click.ClickException, args: list[str]) -> str:
    """A click usage error in Chinese, with the help line for the command that was meant."""
    ctx = getattr(exc, "ctx", None)
    where = " ".join(["xltools", *ctx.command_path.split()[1:]]) if ctx is not None else "xltools"
    if isinstance(exc, click.exceptions.MissingParameter) and exc.param is not None:
        param = exc.param
        if isinstance(param, click.Argument):
            text = f"缺少参数“{param.metavar or param.name}”。"
        else:
            text = f"缺少选项 {' / '.join(param.opts)}，它是必填的。"
    else:
        text = exc.format_message().strip()
        text = re.sub(r"\.$", "。", text).replace("。 ", "。")
    if isinstance(exc, click.exceptions.NoSuchOption):
        dash = next((a for a in args if a.startswith(exc.option_name) and ("." in a or os.path.exists(a))), None)
        if dash:
            text += f"文件名以“-”开头时，请在文件名前加 -- 表示选项到此为止，例如 {where} -- {dash}"
    return f"错误：{text}\n运行 {where} --help 查看用法。"


# The command line's own words after a library message: which option does what (the library and the
# web page name no option; errors carry a code and the data a hint needs).
CLI_HINTS = {
    "output_is_dir": "请在 -o 后面写文件名。",
    "is_dir": "检查整个文件夹时可直接写文件夹：xltools check 文件夹。",
    "build_errors": "如只需给领导审阅，可加 --draft 生成带“草稿”标记的稿子。",
    "previous_dir": "--previous-dir 后面应是上年报告所在的文件夹。",
    "previous_both": "--previous 和 --previous-dir 只能用一个。",
    "scope": "用法：--scope 二（一）=汇总，可多次使用。",
    "needs_self": "请用 --self 指明本级单位，或加 --scope {group}=汇总。",
    "needs_name": "请用 --name 写明。",
    "port": "端口用 --port 指定。",
    "newer_version": "升级：pip install -U xltools",
    "malformed": "报告数据可用 xltools export 文件 -o 报告.json 导出。",
    "not_report": "报告数据可用 xltools export 文件 -o 报告.json 导出。",
}
CLI_HINTS["restore_exists"] = "确认替换时加上 --force。"
# A file that is not (or no longer) our template: where the blank template comes from.
CLI_HINTS.update(dict.fromkeys(NOT_OUR_TEMPLATE, "空白模板用 xltools template -o 模板.xlsx 生成。"))


# Hints about the JSON form: said only of a .json input (a published report that is not a report,
# or a page nested too deep, is not helped by `export`).
_JSON_ONLY = frozenset({"malformed", "not_report"})


def cli_hint(exc: XltoolsError) -> str:
    """What the command line adds to a library message: the option or command that helps."""
    if exc.code in _JSON_ONLY and exc.path and not str(exc.path).lower().endswith(".json"):
        return ""
    return CLI_HINTS.get(exc.code, "").format(**exc.data)


def _phrase(exc: XltoolsError) -> str:
    """The library's message, with the command-line words only the command line knows."""
    if isinstance(exc, OutputError) and exc.code == "exists":
        return f"错误：{shown(getattr(exc, 'target', None) or exc.data.get('target') or exc.path or '')} 已存在。如需覆盖，请加 --force；或换一个输出文件名。"
    return f"错误：{exc}" + cli_hint(exc)


def run_guarded(invoke, args: list[str] | None = None) -> int:
    """Run `invoke()` and turn every failure into one of our messages and an exit status."""
    _safe_streams()
    args = list(sys.argv[1:] if args is None else args)
    try:
        rv = invoke()
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        emit("已中断。", err=True)
        return 143 if _terminated else 130
    except click.ClickException as exc:
        emit(_phrase_usage(exc, args), err=True)
        return 2
    except XltoolsError as exc:
        emit(_phrase(exc), err=True)
        return exit_status(exc)
    except _OutputClosed as exc:
        _quiet_stdout()
        why = api.os_reason(exc.exc) if exc.exc is not None else "标准输出已关闭。"
        emit(f"错误：无法在屏幕（标准输出）上输出结果：{why}请用 -o 把结果保存到文件。", err=True)
        return 2
    except OSError as exc:
        name = f" {api.display_path(exc.filename)}" if exc.filename else ""
        emit(f"错误：无法读写文件{name}：{api.os_reason(exc)}", err=True)
        return 2
    except Exception as exc:  # the last line of defence: no traceback for a clerk
        emit(f"错误：程序内部错误（{type(exc).__name__}）。请把所用命令和文件反馈给维护人员。", err=True)
        return 2


_terminated = False  # SIGTERM received


def _on_sigterm(signum, frame) -> None:
    """SIGTERM is handled as Ctrl-C is: unwinds the run (workers stopped, temporary and scratch
    files removed), says 已中断, exits 143. A second one is ignored while that cleanup runs."""
    global _terminated
    _terminated = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def entry() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.exit(main.main(prog_name="xltools"))
