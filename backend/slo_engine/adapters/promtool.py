"""Prometheus's own checks of generated rules: `promtool check rules` (syntax, types,
duplicates) and `promtool test rules` (behaviour on given series), run on files written
to a private temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from slo_engine.application.ports import RuleCheck


def _shares(names: list[str], sizes: Mapping[str, int], parts: int) -> list[list[str]]:
    """The files split into `parts` shares of about equal bytes, largest first."""
    shares: list[list[str]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for name in sorted(names, key=lambda n: -sizes[n]):
        least = loads.index(min(loads))
        shares[least].append(name)
        loads[least] += sizes[name]
    return [share for share in shares if share]


class Promtool:
    """Knows how to run promtool over rule and test files held in memory."""

    def __init__(self, binary: str = "promtool", timeout_seconds: float = 120.0,
                 processes: int | None = None) -> None:
        found = shutil.which(binary)
        if found is None:
            raise FileNotFoundError(f"{binary} is not installed (Debian: apt-get install "
                                    "prometheus)")
        self._binary = found
        self._timeout = timeout_seconds
        # promtool checks its files one after another: a fleet's are shared among processes.
        self._processes = processes or os.cpu_count() or 1

    def check_rules(self, rule_files: Mapping[str, str]) -> RuleCheck:
        sizes = {name: len(text) for name, text in rule_files.items()}
        shares = _shares(list(rule_files), sizes, min(self._processes, len(rule_files)))
        return self._run([["check", "rules", *share] for share in shares], rule_files)

    def test_rules(self, files: Mapping[str, str], test_files: list[str]) -> RuleCheck:
        """`files` holds the rule files and the test files (names relative to each other,
        as the tests' `rule_files` name them)."""
        return self._run([["test", "rules", *test_files]], files)

    def _run(self, invocations: list[list[str]], files: Mapping[str, str]) -> RuleCheck:
        with tempfile.TemporaryDirectory(prefix="slo-engine-promtool-") as directory:
            root = Path(directory).resolve()
            for name, text in files.items():
                target = root / name
                if root not in target.resolve().parents:
                    raise ValueError(f"'{name}' is not a relative file name")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            running = [subprocess.Popen([self._binary, *arguments], cwd=root, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                       for arguments in invocations]
            outputs, passed = [], True
            for process in running:
                try:
                    output, _ = process.communicate(timeout=self._timeout)
                except subprocess.TimeoutExpired:
                    for other in running:
                        other.kill()
                        other.wait()
                    raise
                outputs.append(output.strip())
                passed = passed and process.returncode == 0
        return RuleCheck(passed, "\n".join(o for o in outputs if o))
