"""README's command table, drawn from the command line itself (click's commands, arguments and
options), so that it cannot fall behind: a command or option added to cli.py is in the table the
next time it is written.

    python -m xltools.cli_doc                 print the table
    python -m xltools.cli_doc --write-readme  write it into README.md between the <!-- commands --> markers

tests/test_cli_doc.py fails when README's table differs from this one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from xltools.cli import main

START = "<!-- commands: drawn from xltools/cli.py by `python -m xltools.cli_doc --write-readme`; tests/test_cli_doc.py fails when they differ -->"
END = "<!-- /commands -->"


def _value(param: click.Parameter, ctx: click.Context) -> str:
    """What an option's value is called: its metavar, its choices, or its type's Chinese name."""
    if param.metavar:
        return param.metavar
    if isinstance(param.type, click.Choice):
        return "|".join(str(c) for c in param.type.choices)
    return param.type.get_metavar(param, ctx) or param.name.upper()


def _piece(param: click.Parameter, ctx: click.Context) -> str | None:
    """One argument or option as a usage line shows it: optional ones in brackets."""
    if isinstance(param, click.Argument):
        text = param.metavar or param.name.upper()
        return text if param.required or text.startswith("[") else f"[{text}]"
    if not isinstance(param, click.Option) or param.hidden or param.name == "help":
        return None
    flag = (
        min(param.opts, key=len) if len(param.opts) > 1 and min(param.opts, key=len).startswith("-") else param.opts[0]
    )
    text = flag if param.is_flag else f"{flag} {_value(param, ctx)}"
    if param.multiple:
        text += " ..."
    return text if param.required else f"[{text}]"


def _rows(command: click.Command, path: list[str], ctx: click.Context) -> Iterator[tuple[str, str]]:
    """(usage, what it does) of a command, and of each command of a group in turn."""
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            if not sub.hidden:
                yield from _rows(sub, [*path, name], click.Context(sub, info_name=name, parent=ctx))
        return
    params = command.get_params(ctx)
    arguments = [_piece(p, ctx) for p in params if isinstance(p, click.Argument)]
    options = [_piece(p, ctx) for p in params if not isinstance(p, click.Argument)]
    yield " ".join(["xltools", *path, *(p for p in arguments + options if p)]), command.get_short_help_str(limit=1000)


def _escaped(text: str) -> str:
    """A table cell's text: its bars escaped (Markdown tables take `\\|` inside code spans too)."""
    return text.replace("|", "\\|")


def table() -> str:
    """The command table, in Markdown: every command (and every command of a group) with all its
    arguments and options, and the first sentence of its help."""
    ctx = click.Context(main, info_name="xltools")
    lines = ["| 命令 | 作用 |", "|---|---|"]
    for usage, what in _rows(main, [], ctx):
        lines.append(f"| `{_escaped(usage)}` | {_escaped(what)} |")
    return "\n".join(lines)


def readme_table(text: str) -> str | None:
    """The table README holds between the markers (None without them)."""
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return found.group(1) if found else None


def write_readme(readme: Path) -> bool:
    """Put the table between the markers; True when README changed."""
    text = readme.read_text(encoding="utf-8")
    block = re.compile(re.escape(START) + r"\n(?:.*?\n)?" + re.escape(END), re.S)
    if not block.search(text):
        raise SystemExit(f"{readme} has no {START} … {END} block")
    new = block.sub(lambda _m: f"{START}\n{table()}\n{END}", text)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-readme"]:
        changed = write_readme(Path(__file__).resolve().parent.parent / "README.md")
        print("README.md updated" if changed else "README.md already up to date")
    else:
        print(table())
