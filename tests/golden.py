"""Golden files: whole-output equality against checked-in files. `pytest --update-golden`
rewrites them from what the code produces now (then review the diff)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
GOLDEN = REPOSITORY / "tests" / "golden"


class Golden:
    def __init__(self, update: bool) -> None:
        self.update = update

    def check_json(self, path: Path, value: Any) -> None:
        """`path` relative to tests/golden unless absolute."""
        self.check_text(path, json.dumps(value, indent=2, sort_keys=True,
                                         ensure_ascii=False) + "\n")

    def check_text(self, path: Path, text: str) -> None:
        """`path` relative to tests/golden unless absolute."""
        target = path if path.is_absolute() else GOLDEN / path
        if self.update:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            return
        assert target.exists(), f"{target} is missing: run pytest --update-golden"
        expected = target.read_text(encoding="utf-8")
        assert text == expected, (f"{target.relative_to(REPOSITORY)} differs from what the code "
                                  "produces: review, then run pytest --update-golden")
