"""The command line on each store engine: db init, seeding by import, export back to CSV."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from incident_samples import CURATED_DATA, REPO, draft_fields

from dashboard import store as csv_files
from dashboard.stores import DATABASE_URL_ENV, open_store
from dashboard.stores.postgres import PostgresStore


def _run(*args: object, env: dict[str, str], stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *map(str, args)],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def _env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERDICTION_TRACKER_")}
    env.update(changes)
    return env


@pytest.fixture
def blank_database(postgres_server) -> str:
    """A database without any table (db init has not run)."""
    name = f"blank{os.getpid()}{id(postgres_server) % 1000}"
    postgres_server.psql(f"DROP DATABASE IF EXISTS {name}")
    postgres_server.psql(f"CREATE DATABASE {name} OWNER tracker")
    return postgres_server.url.rsplit("/", 1)[0] + f"/{name}"


def test_db_init_creates_the_tables_and_a_second_run_changes_nothing(blank_database):
    env = _env(**{DATABASE_URL_ENV: blank_database})
    before = _run("export", "--format", "curated", env=env)
    assert before.returncode == 1 and "db init" in before.stderr
    for _ in range(2):
        run = _run("db", "init", env=env)
        assert run.returncode == 0, run.stderr
        assert "s3cret" not in run.stdout + run.stderr
    assert PostgresStore(blank_database).is_empty()


def test_seed_export_and_reimport_into_an_empty_csv_store_is_identical(engine_settings, tmp_path):
    if engine_settings.database_url:
        env = _env(**{DATABASE_URL_ENV: engine_settings.database_url})
    else:
        env = _env(INTERDICTION_TRACKER_DATA=str(engine_settings.data_path))
    curated = csv_files.read_stored_incidents(CURATED_DATA)
    seeded = _run("import", "--keep-ids", CURATED_DATA, env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith(
        f"restored {len(curated)} incidents: {curated[0].id} to {curated[-1].id}"
    )
    added = _run(
        "add",
        "--by",
        "desk",
        env=env,
        stdin=json.dumps(draft_fields(vessel_name="Added later", imo="", former_names="")),
    )
    assert added.returncode == 0, added.stderr
    exported = _run("export", "--format", "curated", "--output", tmp_path / "out.csv", env=env)
    assert exported.returncode == 0, exported.stderr
    dump = (tmp_path / "out.csv").read_bytes()
    dumped = csv_files.read_stored_incidents(tmp_path / "out.csv")
    assert [i.id for i in dumped] == [*(i.id for i in curated), added.stdout.strip()]

    fresh = tmp_path / "fresh" / "incidents.csv"
    again = _run(
        "import", "--keep-ids", tmp_path / "out.csv", env=_env(INTERDICTION_TRACKER_DATA=str(fresh))
    )
    assert again.returncode == 0, again.stderr
    assert fresh.read_bytes() == dump
    assert open_store(engine_settings).stored_incidents() == csv_files.read_stored_incidents(fresh)


def test_import_of_a_bad_file_into_postgres_writes_nothing(postgres_url, tmp_path):
    rows = CURATED_DATA.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(rows[:4]) + rows[4].replace(",day,", ",someday,", 1) + "".join(rows[5:]))
    run = _run("import", "--keep-ids", bad, env=_env(**{DATABASE_URL_ENV: postgres_url}))
    assert run.returncode == 1 and "line 5" in run.stderr
    assert PostgresStore(postgres_url).is_empty()


def test_keep_ids_refuses_a_store_that_already_holds_incidents(postgres_url):
    env = _env(**{DATABASE_URL_ENV: postgres_url})
    assert _run("import", "--keep-ids", CURATED_DATA, env=env).returncode == 0
    again = _run("import", "--keep-ids", CURATED_DATA, env=env)
    assert again.returncode == 1 and "already holds incidents" in again.stderr
    assert "s3cret" not in again.stderr
