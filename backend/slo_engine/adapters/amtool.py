"""Alertmanager's own check of generated configuration: `amtool check-config`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from slo_engine.application.ports import RuleCheck

# The least configuration amtool accepts around generated inhibit rules.
MINIMAL_ROUTING = {"route": {"receiver": "default"}, "receivers": [{"name": "default"}]}


class Amtool:
    """Knows how to check an Alertmanager configuration fragment with amtool."""

    def __init__(self, binary: str = "amtool", timeout_seconds: float = 60.0) -> None:
        found = shutil.which(binary)
        if found is None:
            raise FileNotFoundError(f"{binary} is not installed (Debian: apt-get install "
                                    "prometheus-alertmanager)")
        self._binary = found
        self._timeout = timeout_seconds

    def check_inhibit_rules(self, fragment: str) -> RuleCheck:
        config = {**MINIMAL_ROUTING, **(yaml.safe_load(fragment) or {})}
        with tempfile.TemporaryDirectory(prefix="slo-engine-amtool-") as directory:
            path = Path(directory) / "alertmanager.yml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            done = subprocess.run([self._binary, "check-config", str(path)],
                                  capture_output=True, text=True, timeout=self._timeout,
                                  check=False)
        return RuleCheck(done.returncode == 0, (done.stdout + done.stderr).strip())
