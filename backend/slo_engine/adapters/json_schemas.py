"""Generated documents checked against the JSON schema of their kind (shipped beside the
generators, each citing the specification it was written from)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jsonschema

from slo_engine.application.ports import RuleCheck

SCHEMA_FILES = {"grafana_dashboard": "grafana-dashboard-v1.schema.json",
                "openslo": "openslo-v1.schema.json", "runbook": "runbook.schema.json"}
MAX_REPORTED = 20


class JsonSchemaValidator:
    """Knows how to check documents against the schema of their kind."""

    def __init__(self) -> None:
        folder = resources.files("slo_engine.generators").joinpath("schemas")
        self._validators = {
            kind: jsonschema.Draft202012Validator(json.loads(folder.joinpath(name).read_text()))
            for kind, name in SCHEMA_FILES.items()}

    def check(self, kind: str, documents: Sequence[Any]) -> RuleCheck:
        validator = self._validators[kind]
        problems = [f"document {k}: /{'/'.join(str(p) for p in error.absolute_path)}: "
                    f"{error.message}"
                    for k, document in enumerate(documents)
                    for error in validator.iter_errors(document)]
        if problems:
            return RuleCheck(False, "\n".join(problems[:MAX_REPORTED]))
        return RuleCheck(True, f"{len(documents)} document(s) valid against {SCHEMA_FILES[kind]}")
