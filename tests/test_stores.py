"""Every store engine keeps the same contract: CSV file and PostgreSQL, each test on both."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from incident_samples import CURATED_DATA, draft_fields

from dashboard import store as csv_files
from dashboard.schema import AddedVia, Verification, validate_draft
from dashboard.stores import (
    IncidentStore,
    Settings,
    StoreUnavailableError,
    open_store,
    redact_url,
)
from dashboard.stores.base import RateLimit
from dashboard.stores.csv_store import CsvStore

WORKER = Path(__file__).with_name("store_worker.py")
DEADLINE_SECONDS = 180


def _draft(**changes: object):
    return validate_draft(draft_fields(**changes))


def _add(store: IncidentStore, **changes: object):
    return store.append(_draft(**changes), added_by="tests", added_via=AddedVia.CLI)


def _seeded(store: IncidentStore) -> IncidentStore:
    store.restore(csv_files.read_stored_incidents(CURATED_DATA))
    return store


def test_an_empty_store_loads_as_no_incidents(empty_store):
    snapshot = empty_store.load()
    assert len(snapshot.result.incidents) == 0
    assert snapshot.result.problems == ()


def test_appends_get_increasing_ids_and_load_back_equal(empty_store):
    first = _add(empty_store, vessel_name="First")
    second = _add(empty_store, vessel_name="Second", killed=3, disputed_fields="flag;killed")
    assert (first.id, second.id) == ("INC-0001", "INC-0002")
    frame = empty_store.load().result.incidents
    assert list(frame["id"]) == ["INC-0001", "INC-0002"]
    assert empty_store.stored_incidents() == [first, second]


def test_restore_keeps_every_curated_record_whole(empty_store):
    _seeded(empty_store)
    assert empty_store.stored_incidents() == csv_files.read_stored_incidents(CURATED_DATA)
    # The next id continues after the highest restored one.
    highest = max(i.id for i in csv_files.read_stored_incidents(CURATED_DATA))
    assert _add(empty_store).id > highest


def test_export_reimported_into_an_empty_csv_store_is_identical(empty_store, tmp_path):
    _seeded(empty_store)
    _add(empty_store, vessel_name="Added after the seed")
    exported = csv_files.curated_csv_bytes(empty_store.stored_incidents())
    other = CsvStore(tmp_path / "again" / "incidents.csv")
    other.restore(empty_store.stored_incidents())
    assert other.path.read_bytes() == exported
    assert csv_files.curated_csv_bytes(other.stored_incidents()) == exported


def test_a_second_replica_sees_an_append_reading_only_the_new_rows(engine_settings):
    replica_a, replica_b = open_store(engine_settings), open_store(engine_settings)
    _seeded(replica_a)
    before = replica_b.refresh()
    added = _add(replica_a, vessel_name="Seen elsewhere")
    changes = replica_b.changes_since(before.cursor)
    assert changes is not None and list(changes.incidents["id"]) == [added.id]
    after = replica_b.refresh()
    assert list(after.result.incidents["id"])[-1] == added.id
    assert len(after.result.incidents) == len(before.result.incidents) + 1
    # The incremental result equals a full load.
    full = replica_b.load().result.incidents
    assert after.result.incidents.astype(str).equals(full.astype(str))


def test_a_review_reaches_the_other_replica_and_the_log_only_grows(engine_settings):
    replica_a, replica_b = open_store(engine_settings), open_store(engine_settings)
    added = _add(replica_a)
    assert replica_b.refresh().result.incidents["verification"].tolist() == ["unverified"]
    replica_a.record_review(added.id, Verification.VERIFIED, reviewer="ed")
    replica_a.record_review(added.id, Verification.REJECTED, reviewer="ed", note="wrong ship")
    assert replica_b.refresh().result.incidents["verification"].tolist() == ["rejected"]
    assert [r.decision for r in replica_b.reviews()] == ["verified", "rejected"]


def test_same_vessel_twice_is_refused_until_the_duplicate_is_confirmed(empty_store):
    first = empty_store.add_incident(_draft(), added_by="a", added_via=AddedVia.FORM)
    assert first.is_saved
    second = empty_store.add_incident(_draft(), added_by="b", added_via=AddedVia.FORM)
    assert not second.is_saved and list(second.duplicates["id"]) == [first.incident.id]
    confirmed = empty_store.add_incident(
        _draft(), added_by="b", added_via=AddedVia.FORM, confirmed_duplicates=[first.incident.id]
    )
    assert confirmed.is_saved


def test_same_vessel_at_the_same_moment_is_saved_once(engine_settings):
    # Two replicas (threads here, processes below), one vessel, released together.
    stores = [open_store(engine_settings) for _ in range(8)]
    start = threading.Barrier(len(stores))
    results = []

    def submit(store):
        start.wait()
        results.append(store.add_incident(_draft(), added_by="x", added_via=AddedVia.FORM))

    threads = [threading.Thread(target=submit, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS)
    assert sum(result.is_saved for result in results) == 1
    assert all(result.duplicates is not None for result in results if not result.is_saved)


def test_the_write_rate_limit_holds_across_replicas(engine_settings):
    replica_a, replica_b = open_store(engine_settings), open_store(engine_settings)
    limit = RateLimit(limit=3, window_seconds=600)
    for number, replica in enumerate([replica_a, replica_b, replica_a]):
        result = replica.add_incident(
            _draft(vessel_name=f"V{number}", imo="", former_names=""),
            added_by="busy editor",
            added_via=AddedVia.FORM,
            rate_limit=limit,
        )
        assert result.is_saved
    refused = replica_b.add_incident(
        _draft(vessel_name="V4", imo="", former_names=""),
        added_by="busy editor",
        added_via=AddedVia.FORM,
        rate_limit=limit,
    )
    assert not refused.is_saved and refused.retry_after and refused.retry_after > 0
    # Reviews count too, and another editor is not held back.
    wait = replica_a.record_review(
        "INC-0001", Verification.VERIFIED, reviewer="busy editor", rate_limit=limit
    )
    assert isinstance(wait, float)
    other = replica_b.add_incident(
        _draft(vessel_name="V5", imo="", former_names=""),
        added_by="calm editor",
        added_via=AddedVia.FORM,
        rate_limit=limit,
    )
    assert other.is_saved


def test_import_many_stores_all_with_consecutive_ids(empty_store):
    _add(empty_store)
    stored = empty_store.import_many(
        [_draft(vessel_name=f"Imported {n}") for n in range(3)], added_by="desk"
    )
    assert [i.id for i in stored] == ["INC-0002", "INC-0003", "INC-0004"]
    assert {i.added_via for i in stored} == {AddedVia.IMPORT}


def test_restore_into_a_store_with_incidents_is_refused_and_changes_nothing(empty_store):
    _add(empty_store)
    with pytest.raises(Exception, match="already holds incidents"):
        _seeded(empty_store)
    assert len(empty_store.load().result.incidents) == 1


# --- many processes at once ---------------------------------------------------------------------


def _target(settings: Settings) -> str:
    return settings.database_url or str(settings.data_path)


def _run_workers(target: str, count: int, each: int, mode: str = "append") -> list[str]:
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), target, f"w{n}", str(each), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    try:
        for worker in workers:
            line = worker.stdout.readline()
            assert line.strip() == "ready", worker.stderr.read()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = []
        for worker in workers:
            out, err = worker.communicate(timeout=DEADLINE_SECONDS)
            assert worker.returncode == 0, err
            outputs.append(out)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
    return outputs


def test_parallel_processes_all_land_once_with_unique_ids(engine_settings):
    store = open_store(engine_settings)
    _seeded(store)
    # The load for the shared database; the file keeps its own test's 16 writers.
    processes, each = (32, 50) if engine_settings.database_url else (16, 50)
    outputs = _run_workers(_target(engine_settings), processes, each)
    printed = dict(
        line.split(" ", 1) for out in outputs for line in out.splitlines() if line.startswith("INC")
    )
    frame = store.load().result.incidents
    assert frame["id"].is_unique
    assert len(printed) == processes * each
    stored = dict(zip(frame["id"], frame["vessel_name"], strict=True))
    assert {i: n for i, n in printed.items() if stored.get(i) != n} == {}
    assert len(frame) == len(csv_files.read_stored_incidents(CURATED_DATA)) + processes * each


def test_same_vessel_from_many_processes_is_saved_once(engine_settings):
    open_store(engine_settings).version()  # creates nothing, but connects once
    outputs = _run_workers(_target(engine_settings), 6, 1, mode="same")
    answers = Counter(out.split()[0] for out in outputs)
    assert answers["DUPLICATE"] == 5 and sum(answers.values()) == 6


def test_writers_killed_mid_append_never_lose_a_returned_row(engine_settings):
    import os
    import random
    import signal
    import time

    store = open_store(engine_settings)
    _seeded(store)
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    returned: dict[str, str] = {}
    for round_number in range(8):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), _target(engine_settings), f"k{round_number}", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
            worker.stdin.write("go\n")
            worker.stdin.flush()
            for _ in range(rng.randint(1, 10)):
                line = worker.stdout.readline()
                assert line.startswith("INC-"), worker.stderr.read()
                incident_id, name = line.split(" ", 1)
                returned[incident_id] = name.strip()
            time.sleep(rng.uniform(0, 0.004))
            os.kill(worker.pid, signal.SIGKILL)
            out, _ = worker.communicate(timeout=DEADLINE_SECONDS)
            # Only whole lines: the kill may cut the last one mid-write ("INC-0123" alone).
            for line in out.split("\n")[:-1]:
                if line.startswith("INC-"):
                    incident_id, name = line.split(" ", 1)
                    returned[incident_id] = name.strip()
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
    frame = store.refresh().result.incidents
    stored = dict(zip(frame["id"], frame["vessel_name"], strict=True))
    context = f"seed {seed}"
    assert {i: n for i, n in returned.items() if stored.get(i) != n} == {}, context
    assert frame["id"].is_unique, context


@pytest.mark.parametrize(
    "edit",
    [
        # Saved as a new file over the old one, as editors, git and sed -i do.
        "replace",
        # Changed in place near the end (the last record's own bytes).
        "tail",
        # Cut short, then appended to again.
        "truncate",
    ],
)
def test_a_csv_file_changed_other_than_by_appends_is_read_again_in_full(tmp_path, edit):
    import os

    path = tmp_path / "incidents.csv"
    replica = CsvStore(path)
    replica.create_schema()
    _add(replica, vessel_name="Kept")
    _add(replica, vessel_name="Before the edit", summary="Short.", notes="")
    replica.refresh()
    data = path.read_bytes()
    if edit == "replace":
        edited = tmp_path / "edited.csv"
        edited.write_bytes(data.replace(b"Before the edit", b"Edited by hand!"))
        os.replace(edited, path)
        expected = ["Kept", "Edited by hand!", "After the edit"]
    elif edit == "tail":
        path.write_bytes(data.replace(b"Short.", b"Other"))
        expected = ["Kept", "Before the edit", "After the edit"]
    else:
        path.write_bytes(data[: data.index(b"\nINC-0002") + 1])
        expected = ["Kept", "After the edit"]
    _add(replica, vessel_name="After the edit")
    refreshed = replica.refresh().result.incidents
    assert refreshed["vessel_name"].tolist() == expected
    if edit == "tail":
        assert refreshed["summary"].tolist()[1] == "Other"


# --- faults --------------------------------------------------------------------------------------


def test_an_unreachable_database_says_so_without_its_password(caplog):
    secret = "hunter2-not-to-be-seen"
    url = f"postgresql+psycopg://tracker:{secret}@127.0.0.1:9/tracker"
    store = open_store(Settings(database_url=url))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreUnavailableError) as raised:
        store.refresh()
    assert str(raised.value) == "the incident database is not reachable; retrying"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    for shown in (
        str(raised.value),
        repr(store),
        store.location,
        caplog.text,
        repr(Settings(database_url=url)),
    ):
        assert secret not in shown
    assert redact_url(f"see {url} now") == f"see {url.replace(secret, '***')} now"


def test_a_restart_during_appends_loses_no_returned_row_and_the_store_recovers(
    postgres_server, postgres_url
):
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), postgres_url, f"r{n}", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    returned: dict[str, str] = {}
    unavailable = 0

    def read_until_saved(worker, count):
        """Read the worker's lines until ``count`` more appends have returned."""
        nonlocal unavailable
        saved = 0
        while saved < count:
            line = worker.stdout.readline()
            assert line, worker.stderr.read()
            if line.startswith("UNAVAILABLE"):
                unavailable += 1
            elif line.startswith("INC-"):
                incident_id, name = line.split(" ", 1)
                returned[incident_id] = name.strip()
                saved += 1

    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            read_until_saved(worker, 10)
        postgres_server.restart()
        for worker in workers:
            read_until_saved(worker, 10)  # each worker appends again once the server is back
    finally:
        for worker in workers:
            worker.kill()
            out, _ = worker.communicate()
            for line in out.splitlines():
                if line.startswith("INC-"):
                    incident_id, name = line.split(" ", 1)
                    returned[incident_id] = name.strip()
    store = open_store(Settings(database_url=postgres_url))
    frame = store.refresh().result.incidents
    stored = dict(zip(frame["id"], frame["vessel_name"], strict=True))
    assert {i: n for i, n in returned.items() if stored.get(i) != n} == {}
    assert frame["id"].is_unique
    assert len(returned) >= 4 * 20


@pytest.mark.parametrize(
    ("environ", "engine"),
    [
        # Nothing configured: the CSV file, the embedded default.
        ({}, "CsvStore"),
        # A database URL picks PostgreSQL; a bare postgresql:// URL gets the psycopg 3 driver.
        ({"INTERDICTION_TRACKER_DATABASE_URL": "postgresql://u@db/tracker"}, "PostgresStore"),
    ],
)
def test_open_store_picks_the_engine_from_the_configuration(environ, engine):
    store = open_store(Settings.from_environment(environ))
    assert type(store).__name__ == engine


def test_the_database_password_may_come_from_a_secret_file(tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("from-a-secret\n")
    settings = Settings.from_environment(
        {
            "INTERDICTION_TRACKER_DATABASE_URL": "postgresql+psycopg://tracker@db/tracker",
            "INTERDICTION_TRACKER_DATABASE_PASSWORD_FILE": str(secret),
        }
    )
    store = open_store(settings)
    assert store.url.password == "from-a-secret"
    assert "from-a-secret" not in store.location + repr(store) + repr(settings)


def test_both_engines_give_the_same_frame_and_the_same_exports(postgres_url, tmp_path):
    from dashboard.exports.csv_file import to_csv_bytes
    from dashboard.exports.geojson import to_geojson_bytes
    from dashboard.filters import IncidentFilter, filter_incidents

    engines = [
        CsvStore(tmp_path / "same" / "incidents.csv"),
        open_store(Settings(database_url=postgres_url)),
    ]
    frames = []
    for engine in engines:
        engine.create_schema()
        _seeded(engine)
        added = _add(engine, vessel_name="On both", killed=2)
        engine.record_review(added.id, Verification.VERIFIED, reviewer="ed")
        frames.append(engine.refresh().result.incidents)
    # The added incident was stamped on each engine at its own moment; all else is the same.
    csv_frame, pg_frame = frames
    pg_frame = pg_frame.assign(added_at=csv_frame["added_at"])
    assert list(csv_frame.dtypes) == list(pg_frame.dtypes)
    assert csv_frame.astype(str).equals(pg_frame.astype(str))
    flagged = IncidentFilter(flags=("PA",))
    for export in (to_csv_bytes, to_geojson_bytes):
        assert export(filter_incidents(csv_frame, flagged)) == export(
            filter_incidents(pg_frame, flagged)
        )
