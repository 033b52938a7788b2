"""Every finding any test makes carries a registered rule id and one of that rule's severities (a
strict check turns warnings into errors). Checked where findings are made, so every test guards the
registry (xltools/rules/registry.py); tests/conftest.py installs it."""

from xltools.model import Finding
from xltools.rules.registry import RULES

UNREGISTERED: list[str] = []
_finding_init = Finding.__init__


def _registered_init(self, *args, **kwargs):
    _finding_init(self, *args, **kwargs)
    rule = RULES.get(self.rule)
    if rule is None or self.severity not in (*rule.severities, "error"):
        UNREGISTERED.append(f"{self.rule} ({self.severity}): {self.message}")
        raise AssertionError(f"finding with a rule id not in xltools/rules/registry.py: {self.rule} {self.severity}")


def install() -> None:
    Finding.__init__ = _registered_init
