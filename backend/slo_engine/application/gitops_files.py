"""The fleet's SLO-as-code files laid out as a GitOps repository holds them, one rule file
per team, every rule file checked by promtool before anything is handed out:

    prometheus/rules/recording/<team>.yaml   prometheus/rules/alerting/<team>.yaml
    prometheus/tests/<team>.test.yaml        alertmanager/inhibit_rules.yaml
    grafana/dashboards/<uid>.json            sloth/<uid>.yaml
    openslo/<uid>.yaml                       runbooks/<uid>/<alert>.{md,yaml}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slo_engine.application.inhibit_rules import InhibitRules
from slo_engine.application.ports import SloLedger
from slo_engine.application.runbook_context import RunbookContexts
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.domain.errors import ArtifactInvalid
from slo_engine.generators.grafana_dashboards import dashboard_uid, fleet_dashboard, slo_dashboard
from slo_engine.generators.openslo import openslo_export
from slo_engine.generators.promtool_tests import promtool_test_file
from slo_engine.generators.rule_formats import kubernetes_name, sloth_spec, split_by_kind
from slo_engine.generators.rule_model import rule_file_text, yaml_text
from slo_engine.generators.rule_pipeline import (
    InvalidSloSpec,
    check_specs,
    generate_rules,
    rule_file_header,
)
from slo_engine.generators.runbooks import runbooks
from slo_engine.generators.slo_spec import SloSpec

UNOWNED = "unowned"


@dataclass(frozen=True)
class LaidOutFiles:
    files: dict[str, str]  # relative path -> content
    warnings: list[str] = field(default_factory=list)
    checked: bool = True  # False: promtool was not available


def _json(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


class GitOpsFiles:
    """Knows how to lay out every active SLO's files, or one team's."""

    def __init__(self, rule_files: SloRuleFiles, ledger: SloLedger, inhibit: InhibitRules,
                 contexts: RunbookContexts) -> None:
        self._rule_files = rule_files
        self._ledger = ledger
        self._inhibit = inhibit
        self._contexts = contexts

    def lay_out(self, team: str | None = None, with_tests: bool = True) -> LaidOutFiles:
        by_team, warnings = self._specs_by_team(team)
        files: dict[str, str] = {}
        for name, specs in sorted(by_team.items()):
            files.update(self._team_files(name, specs, with_tests))
        every = [s for specs in by_team.values() for s in specs]
        active = self._ledger.all_active_slos()
        for service_specs in _by_service(every).values():
            files.update(self._service_files(service_specs, active))
        if every:
            files["grafana/dashboards/slo-fleet.json"] = _json(fleet_dashboard(every))
            files["alertmanager/inhibit_rules.yaml"] = self._inhibit.render()
        return LaidOutFiles(files, warnings, self._check(files))

    def _service_files(self, specs: list[SloSpec], active: Mapping[str, Mapping[str, Any]]
                       ) -> dict[str, str]:
        windows, options = self._rule_files.windows, self._rule_files.options
        uid = dashboard_uid(specs[0].service_id)
        files = {f"grafana/dashboards/{uid}.json": _json(slo_dashboard(specs, windows)),
                 f"sloth/{uid}.yaml": sloth_spec(specs),
                 f"openslo/{uid}.yaml": openslo_export(specs, windows, options.alerts).text}
        context = self._contexts.of(specs[0].service_id, active)
        for spec in specs:
            for book in runbooks(spec, windows[spec.period_days], context, options.alerts):
                files[f"runbooks/{uid}/{book.key}.md"] = book.markdown
                files[f"runbooks/{uid}/{book.key}.yaml"] = book.yaml
        return files

    def _specs_by_team(self, team: str | None) -> tuple[dict[str, list[SloSpec]], list[str]]:
        owners = self._inhibit.snapshots.current().services
        by_team: dict[str, list[SloSpec]] = {}
        warnings = []
        for service_id, slo in sorted(self._ledger.all_active_slos().items()):
            owner = (owners.get(service_id) or {}).get("team")
            if team is not None and owner != team:
                continue
            specs = self._rule_files.specs_of(slo, owner)
            try:  # one SLO no rule can express must not hold back the fleet's files
                check_specs(specs, self._rule_files.windows, self._rule_files.options)
            except InvalidSloSpec as error:
                warnings.append(f"{service_id} skipped: {error}")
                continue
            by_team.setdefault(kubernetes_name(owner or UNOWNED), []).extend(specs)
        return by_team, warnings

    def _team_files(self, team: str, specs: list[SloSpec], with_tests: bool
                    ) -> dict[str, str]:
        windows, options = self._rule_files.windows, self._rule_files.options
        generated = generate_rules(specs, windows, options)
        recording, alerting = split_by_kind(generated.groups)
        header = "\n".join([rule_file_header(specs),
                            *(f"warning: {w}" for w in generated.warnings)])
        paths = (f"prometheus/rules/recording/{team}.yaml",
                 f"prometheus/rules/alerting/{team}.yaml")
        files = {paths[0]: rule_file_text(recording, header),
                 paths[1]: rule_file_text(alerting, header)}
        if with_tests:
            tests = promtool_test_file([(s, windows[s.period_days]) for s in specs],
                                       [f"../../{p}" for p in paths], options)
            files[f"prometheus/tests/{team}.test.yaml"] = yaml_text(tests)
        return files

    def _check(self, files: Mapping[str, str]) -> bool:
        checker = self._rule_files.checker
        if checker is None:
            return False
        rules = {p: t for p, t in files.items() if p.startswith("prometheus/rules/")}
        if rules:
            verdict = checker.check_rules(rules)
            if not verdict.passed:
                raise ArtifactInvalid("A generated rule file failed promtool check rules; "
                                      "nothing was written.", verdict.output)
        return True


def _by_service(specs: list[SloSpec]) -> dict[str, list[SloSpec]]:
    grouped: dict[str, list[SloSpec]] = {}
    for spec in specs:
        grouped.setdefault(spec.service_id, []).append(spec)
    return grouped
