"""mypy as a gate whose baseline only goes down.

    python .ci/mypy_gate.py            run mypy (settings in pyproject.toml), compare with the baseline
    python .ci/mypy_gate.py --update   after fixing errors: lower the baseline to today's counts

The baseline (.ci/mypy-baseline.json) holds the number of mypy errors per file that still has some.
The gate fails when a file has more errors than its baseline entry; a file that is not in it (a new
module, or a module that moved) is allowed none; the core packages (CORE) are allowed none at all
and may never enter the baseline. --update only ever lowers counts or removes entries.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline.json"
# The layers everything else stands on, and the library's one door: at zero, always.
CORE = (
    "xltools/spec.py",
    "xltools/model.py",
    "xltools/errors.py",
    "xltools/text.py",
    "xltools/normalize.py",
    "xltools/files.py",
    "xltools/jsonform.py",
    "xltools/rules/",
    "xltools/verdict.py",
    "xltools/load.py",
    "xltools/api.py",
)
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: ")


def is_core(path: str) -> bool:
    return any(path == c or (c.endswith("/") and path.startswith(c)) for c in CORE)


def run_mypy() -> Counter[str]:
    """Errors per file, as mypy reports them with the project's settings."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--show-error-codes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1) or done.stderr.strip():
        raise SystemExit(f"mypy did not run (exit {done.returncode}):\n{done.stderr}{done.stdout}")
    counts: Counter[str] = Counter()
    for line in done.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            counts[match["path"]] += 1
    if done.returncode == 1 and not counts:
        raise SystemExit(f"mypy failed without a readable error:\n{done.stdout}")
    return counts


def compare(counts: Counter[str], baseline: dict[str, int]) -> tuple[list[str], list[str]]:
    """(problems that fail the gate, files whose count went down)."""
    problems = [f"{path}: a core module may not be in the baseline" for path in baseline if is_core(path)]
    lower = []
    for path in sorted(set(counts) | set(baseline)):
        now, allowed = counts.get(path, 0), baseline.get(path, 0)
        if now > allowed:
            why = "a core module must have none" if is_core(path) else f"the baseline allows {allowed}"
            problems.append(f"{path}: {now} mypy errors, {why}")
        elif now < allowed:
            lower.append(f"{path}: {allowed} -> {now}")
    return problems, lower


def main(argv: list[str]) -> int:
    baseline: dict[str, int] = json.loads(BASELINE.read_text(encoding="utf-8"))
    counts = run_mypy()
    problems, lower = compare(counts, baseline)
    total = sum(counts.values())
    if "--update" in argv:
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print("the baseline only goes down: fix these first", file=sys.stderr)
            return 1
        kept = {path: counts[path] for path in sorted(baseline) if counts.get(path)}
        BASELINE.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"baseline lowered: {sum(baseline.values())} -> {total} errors in {len(kept)} files")
        return 0
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print("mypy gate failed: run mypy on these files and fix what it reports", file=sys.stderr)
        return 1
    print(f"mypy gate passed: {total} errors in {len(counts)} files (baseline {sum(baseline.values())})")
    if lower:
        print("fewer errors than the baseline; lower it with `python .ci/mypy_gate.py --update`:")
        print("\n".join(f"  {line}" for line in lower))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
