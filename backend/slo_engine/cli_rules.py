"""`slo-engine rules`: the fleet's SLO-as-code files written as a GitOps repository holds
them, every rule file checked by promtool before anything is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from slo_engine.domain.errors import ArtifactInvalid


def rules(
    out: Annotated[Path, typer.Option("--out", help="The directory to write into (a GitOps "
                                                    "repository's root, say)")],
    team: Annotated[str | None, typer.Option(help="Only this team's SLOs")] = None,
    tests: Annotated[bool, typer.Option(help="Also write promtool unit tests per team")] = True,
    settings_file: Annotated[Path | None, typer.Option(
        "--settings-file", envvar="SLO_ENGINE_SETTINGS_FILE",
        help="A KEY=value file of settings; environment variables win over it.")] = None,
) -> None:
    """Write prometheus/rules/{recording,alerting}/<team>.yaml, prometheus/tests/,
    alertmanager/inhibit_rules.yaml, grafana/dashboards/ and sloth/ for the active SLOs."""
    from slo_engine.runtime.bootstrap import gitops_files
    from slo_engine.runtime.settings import load_settings

    with gitops_files(load_settings(settings_file)) as layout:
        try:
            laid_out = layout.lay_out(team, with_tests=tests)
        except ArtifactInvalid as error:
            typer.echo(f"{error}\n{error.output}", err=True)
            raise typer.Exit(1) from error
    for relative, text in laid_out.files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    typer.echo(json.dumps({"written": sorted(laid_out.files), "warnings": laid_out.warnings,
                           "promtool_checked": laid_out.checked}, indent=2))
