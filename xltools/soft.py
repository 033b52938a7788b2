"""Soft rules that read the narrative (T1, T2, C1–C5, X3): warnings a reviewer would raise."""

from __future__ import annotations

from .model import Finding, Report


def soft_findings(report: Report, previous: Report | None = None) -> list[Finding]:
    return []
