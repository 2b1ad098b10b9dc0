"""Prometheus's own checks of generated rules: `promtool check rules` (syntax, types,
duplicates) and `promtool test rules` (behaviour on given series), run on files written
to a private temporary directory."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from slo_engine.application.ports import RuleCheck


class Promtool:
    """Knows how to run promtool over rule and test files held in memory."""

    def __init__(self, binary: str = "promtool", timeout_seconds: float = 120.0) -> None:
        found = shutil.which(binary)
        if found is None:
            raise FileNotFoundError(f"{binary} is not installed (Debian: apt-get install "
                                    "prometheus)")
        self._binary = found
        self._timeout = timeout_seconds

    def check_rules(self, rule_files: Mapping[str, str]) -> RuleCheck:
        return self._run(["check", "rules", *rule_files], rule_files)

    def test_rules(self, files: Mapping[str, str], test_files: list[str]) -> RuleCheck:
        """`files` holds the rule files and the test files (names relative to each other,
        as the tests' `rule_files` name them)."""
        return self._run(["test", "rules", *test_files], files)

    def _run(self, arguments: list[str], files: Mapping[str, str]) -> RuleCheck:
        with tempfile.TemporaryDirectory(prefix="slo-engine-promtool-") as directory:
            root = Path(directory).resolve()
            for name, text in files.items():
                target = root / name
                if root not in target.resolve().parents:
                    raise ValueError(f"'{name}' is not a relative file name")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            done = subprocess.run([self._binary, *arguments], cwd=root, capture_output=True,
                                  text=True, timeout=self._timeout, check=False)
        return RuleCheck(done.returncode == 0, (done.stdout + done.stderr).strip())
