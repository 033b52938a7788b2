"""Domain exceptions. The CLI and the web page map them to messages and exit codes (docs/format.md §6)."""

from __future__ import annotations

from xltools.text import display_path


class XltoolsError(Exception):
    """Base of every failure we report to a user; `message` is Chinese and says what to do."""

    exit_code = 2
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, path: str | None = None, **data):
        super().__init__(message)
        self.message = message
        self.path = path
        self.data = data  # what an interface needs to phrase its own hint (an option name, a group)
        if code:
            self.code = code

    def __str__(self) -> str:
        return f"{display_path(self.path)}：{self.message}" if self.path else self.message


# Codes of an input that is not (or no longer) this tool's template: an interface says where the blank
# template is (the command line names its command, the web page its download button).
NOT_OUR_TEMPLATE = frozenset({"foreign", "format_2019", "old_version", "xls", "not_xlsx"})


class UnusableInput(XltoolsError):
    """An input that cannot be used at all: missing, unreadable, foreign, hostile (exit 2)."""

    code = "unusable"


class UsageError(XltoolsError):
    """Arguments that do not fit together (exit 2)."""

    code = "usage"


class OutputError(XltoolsError):
    """An output that may not or cannot be written (exists, is the input, is a folder, …)."""

    code = "output"


class ReportHasErrors(XltoolsError):
    """A report has hard-rule errors and the asked-for output needs a clean one (exit 1)."""

    exit_code = 1
    code = "report_errors"

    def __init__(self, message: str, findings=(), **kw):
        super().__init__(message, **kw)
        self.findings = list(findings)
