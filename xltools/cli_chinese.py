"""click, in Chinese: its own messages, help headings, metavars and range texts (no English
ever reaches a clerk). The command line's commands use these classes; nothing else does."""

from __future__ import annotations

import re
import unicodedata

import click

# click words its own messages through gettext; these are the ones a user can meet, in Chinese, with
# the same placeholders. Anything not listed falls back to a Chinese "usage error" line (never English).
_CLICK_WORDS = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 {command} {option} 查看用法。",
    "No such command {name!r}.": "没有“{name}”这个命令。",
    "No such option {name!r}.": "没有“{name}”这个选项。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不正确：{message}",
    "Invalid value: {message}": "值不正确：{message}",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Option {name!r} does not take a value.": "选项 {name} 后面不能跟值。",
    "Option {name!r} requires an argument.": "选项 {name} 后面需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 后面需要 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值。",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值（可选：{choices}）。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围（{range}）内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是“是”或“否”。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Aborted!": "已中止。",
    "Value must be an iterable.": "值的形式不正确。",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename}：{message}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
}
_wrap = click.formatting.wrap_text
_TYPE_NAMES = {"integer": "整数", "float": "数字", "text": "文字", "integer range": "整数", "float range": "数字"}


def _zh(message: str) -> str:
    return _CLICK_WORDS.get(message, message)


def _zh_n(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


def _install_chinese() -> None:
    """Point click's gettext calls at `_zh` (click looks the name up in its modules at call time)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = _zh
        if hasattr(module, "ngettext"):
            module.ngettext = _zh_n
    for t in (click.INT, click.FLOAT, click.STRING):
        t.name = _TYPE_NAMES.get(t.name, t.name)
    click.exceptions._format_possibilities = _possibilities  # its own quotes are Python's: 'build'
    # '-j' / '--jobs' -> “-j / --jobs”; 'txt', 'md' -> “txt”、“md”
    click.core.Parameter.get_error_hint = _error_hint  # type: ignore[method-assign]
    click.types.Choice.get_invalid_choice_message = _invalid_choice  # type: ignore[method-assign]
    click.formatting.term_len = _width  # the option list's second column, aligned under Chinese metavars
    click.formatting.wrap_text = _wrap_text  # a paragraph's lines joined without a space between Chinese


_CJK_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]*\n[ \t]*(?=[\u3000-\u9fff\uff00-\uffef])")


def _joined(text: str) -> str:
    """A paragraph's lines joined as Chinese joins them: no space where a line breaks between two
    Chinese characters (click would put one)."""
    return _CJK_BREAK.sub("", text.strip())


def _wrap_text(text: str, *args, **kwargs) -> str:
    return _wrap(_joined(text) if text else text, *args, **kwargs)


def _width(text: str) -> int:
    """Columns a text takes on a terminal: a Chinese character takes two."""
    from click._compat import strip_ansi

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in strip_ansi(text))


def _error_hint(self, ctx) -> str:
    """The option or argument a message is about, in Chinese quotes (click quotes as Python does)."""
    return "“" + " / ".join(self.opts or [self.human_readable_name]) + "”"


def _invalid_choice(self, value, ctx) -> str:
    choices = "、".join(f"“{c}”" for c in self._normalized_mapping(ctx=ctx).values())
    return f"“{value}”不是可选的值（可选：{choices}）。"


def _possibilities(possibilities: list[str]) -> str:
    """The commands or options a mistyped one may have meant, quoted as Chinese text quotes."""
    names = "、".join(f"“{p}”" for p in sorted(possibilities))
    return f"是不是要用{names}？" if len(possibilities) == 1 else f"（是不是要用其中之一：{names}？）"


_install_chinese()


class Formatter(click.HelpFormatter):
    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)


class Context(click.Context):
    formatter_class = Formatter


class Range(click.IntRange):
    """An integer range shown in Chinese: 整数 in help, "1 到 64" as its bounds."""

    name = "整数"

    def get_metavar(self, param, ctx=None) -> str:
        return "整数"

    def _describe_range(self) -> str:
        return f"{self.min} 到 {self.max}"


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class ChineseCommand(click.Command):
    context_class = Context
    options_metavar = "[选项]"

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法：")

    def collect_usage_pieces(self, ctx):
        pieces = super().collect_usage_pieces(ctx)
        return ["[选项]" if p == "[OPTIONS]" else "命令 [参数]..." if p == "COMMAND [ARGS]..." else p for p in pieces]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The command's line in a list of commands: its help's first sentence, whole (click would
        cut it by words, and Chinese has no spaces between them)."""
        if self.short_help:
            return self.short_help
        text = _joined((self.help or "").split("\n\n", 1)[0])
        m = re.match(r"[^。；]*[。；]", text)
        return (m.group(0)[:-1] + "。") if m else text

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.help = "显示本帮助并退出。"
        return opt


ChineseCommand.format_options = lambda self, ctx, formatter: options(self, ctx, formatter)


def help_record(param, ctx):
    """click's help line, its [默认：…; 1 到 64] tail said the Chinese way: （默认：…；1 到 64）."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    name, text = record
    m = re.search(r"\s*\[([^\[\]]*)\]$", text)
    if m:
        text = text[: m.start()] + "（" + m.group(1).replace("; ", "；") + "）"
    return name, text


def options(cmd, ctx, formatter) -> None:
    opts = [r for r in (help_record(p, ctx) for p in cmd.get_params(ctx)) if r]
    if opts:
        with formatter.section("选项"):
            formatter.write_dl(opts)
