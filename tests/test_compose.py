"""compose.yaml: a real validator accepts it, and it wires the newsroom deploy as the issue asks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "compose.yaml"


def _config(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``docker-compose config`` (no daemon needed) on compose.yaml, with ``env`` set."""
    validator = shutil.which("docker-compose")
    if validator is None:
        message = "docker-compose is missing: apt-get install docker-compose"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    secret = tmp_path / "db_password.txt"
    secret.write_text("not-a-real-password")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("INTERDICTION_")
    }
    environment.update(INTERDICTION_TRACKER_DB_PASSWORD_FILE=str(secret), **env)
    return subprocess.run(
        [validator, "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


@pytest.fixture
def resolved(tmp_path: Path) -> dict:
    """The compose file as the validator resolves it."""
    run = _config(tmp_path, INTERDICTION_TRACKER_EDITOR_PASSPHRASE="editors")
    assert run.returncode == 0, run.stderr
    return yaml.safe_load(run.stdout)


def test_the_validator_accepts_the_compose_file(resolved):
    assert set(resolved["services"]) == {"db", "migrate", "app"}


def test_postgres_keeps_its_data_on_a_volume_and_has_a_health_check(resolved):
    db = resolved["services"]["db"]
    assert any(volume.startswith("pgdata:/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata" in resolved["volumes"]


def test_the_app_waits_for_a_healthy_database_and_the_migration(resolved):
    app = resolved["services"]["app"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert resolved["services"]["migrate"]["entrypoint"][-2:] == ["db", "init"]
    assert app["deploy"]["replicas"] >= 2


def test_secrets_come_from_outside_the_file(resolved):
    text = COMPOSE.read_text()
    assert "PASSWORD:" not in text.replace("PASSWORD_FILE:", "")
    app = resolved["services"]["app"]
    url = app["environment"]["INTERDICTION_TRACKER_DATABASE_URL"]
    assert "@" in url and ":" not in url.split("://", 1)[1].split("@")[0]  # no password in it
    assert app["environment"]["INTERDICTION_TRACKER_DATABASE_PASSWORD_FILE"].startswith(
        "/run/secrets/"
    )


def test_a_deploy_without_an_editor_passphrase_is_refused(tmp_path):
    run = _config(tmp_path)
    assert run.returncode != 0
    assert "editor passphrase" in run.stderr


def test_the_replicas_share_one_editors_file(resolved):
    app = resolved["services"]["app"]
    assert any(volume.startswith("appdata:/data") for volume in app["volumes"])
