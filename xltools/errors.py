"""Domain exceptions. Each says once what it means to a caller: its exit status (the command line,
docs/format.md §6) and its HTTP status (the web page); the interfaces only phrase its message."""

from __future__ import annotations

from xltools.text import display_path


class XltoolsError(Exception):
    """Base of every failure we report to a user; `message` is Chinese and says what to do."""

    exit_code = 2
    http_status = 422  # the request was understood, but this input cannot be used or fails the rules
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


# HTTP statuses that follow from an error's code rather than its class: a file over a size limit,
# a file type no reader takes, a bug caught on the way.
HTTP_STATUS_BY_CODE = {"too_large": 413, "unsupported": 415, "internal": 500}


def http_status(exc: XltoolsError) -> int:
    """The HTTP status of a request that failed with `exc` (the web page answers with it)."""
    return HTTP_STATUS_BY_CODE.get(exc.code, exc.http_status)


def exit_status(exc: XltoolsError) -> int:
    """The exit status of a command that failed with `exc` (0 never: it failed)."""
    return exc.exit_code


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
    target: str | None = None  # the output as shown (an existing one): an interface words its own hint


class ReportHasErrors(XltoolsError):
    """A report has hard-rule errors and the asked-for output needs a clean one (exit 1)."""

    exit_code = 1
    code = "report_errors"

    def __init__(self, message: str, findings=(), **kw):
        super().__init__(message, **kw)
        self.findings = list(findings)
