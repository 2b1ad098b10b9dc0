"""The checked-in OpenAPI document is usable by a Backstage plugin: openapi-typescript
generates its types, and a typed client of the engine (clients/typescript/src) compiles
against them under `tsc --strict`. npm installs the two tools from the lock file."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.golden import REPOSITORY

CLIENT = REPOSITORY / "clients" / "typescript"


def _npm(*arguments: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to check the TypeScript client (Node.js 20 and npm are on "
                    "every machine of this kind; install them with apt-get install npm)")
    return subprocess.run([npm, *arguments], cwd=CLIENT, capture_output=True, text=True,
                          timeout=timeout_s, check=False)


def test_a_typescript_client_generated_from_the_document_type_checks() -> None:
    if not (CLIENT / "node_modules" / ".bin" / "openapi-typescript").exists():
        installed = _npm("ci", "--no-audit", "--no-fund", timeout_s=300)
        assert installed.returncode == 0, installed.stderr
    generated = _npm("run", "-s", "generate", timeout_s=120)
    assert generated.returncode == 0, generated.stderr
    types = (CLIENT / "generated" / "api.ts").read_text(encoding="utf-8")
    assert "RecommendationDocument" in types
    assert '"application/problem+json"' in types
    checked = _npm("run", "-s", "check", timeout_s=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
