"""``sportello check --deploy`` passes, without a warning, on the production settings that
docs/deployment.md documents."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
SPORTELLO = Path(sys.executable).with_name("sportello")


def documented_environment() -> dict[str, str]:
    text = DOC.read_text()
    block = re.search(
        r"<!-- production-env:start -->\s*```sh\n(.*?)```\s*<!-- production-env:end -->",
        text,
        re.DOTALL,
    )
    assert block, "docs/deployment.md lost its production environment block"
    values = {}
    for line in block.group(1).splitlines():
        name, _sep, value = line.partition("=")
        values[name.strip()] = value.strip()
    return values


def _check(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **environment}
    return subprocess.run(
        [str(SPORTELLO), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_on_the_documented_production_settings(tmp_path: Path) -> None:
    environment = documented_environment()
    assert environment["SPORTELLO_SECRET_KEY"].startswith("replace-with")
    environment["SPORTELLO_SECRET_KEY"] = secrets.token_urlsafe(50)
    environment["SPORTELLO_HOME"] = str(tmp_path / "home")
    environment["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    result = _check(environment, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_tls(tmp_path: Path) -> None:
    environment = documented_environment()
    environment.update(
        SPORTELLO_SECRET_KEY=secrets.token_urlsafe(50),
        SPORTELLO_HOME=str(tmp_path / "home"),
        SPORTELLO_TLS="0",
    )
    result = _check(environment, tmp_path)
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout
