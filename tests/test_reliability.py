"""Issue 10: ids that never repeat, fields the loader can always read back, imports that keep
the file's link, mode and owner and skip duplicates, and command-line failures in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from incident_samples import draft_fields

from dashboard import store
from dashboard.schema import AddedVia, validate_draft


@pytest.fixture(autouse=True)
def _no_default_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default data path into tmp_path, so no test can touch the curated file."""
    monkeypatch.setenv(store.DATA_PATH_ENV, str(tmp_path / "default" / "incidents.csv"))


def _append(path: Path, **changes: object) -> str:
    draft = validate_draft(draft_fields(**changes))
    return store.append_incident(draft, added_by="tests", added_via=AddedVia.CLI, path=path).id


# --- ids ---------------------------------------------------------------------------------------


def test_ids_never_repeat_when_the_last_record_is_longer_than_the_first_read(
    tmp_path, monkeypatch
):
    # The first read of the file's end is shorter than any record here: the id must still be
    # found (before, a record longer than 64 KB made the next two appends reuse INC-0001/2).
    monkeypatch.setattr(store, "TAIL_BYTES", 16)
    path = tmp_path / "incidents.csv"
    ids = [_append(path, summary="x" * 900) for _ in range(4)]
    assert ids == ["INC-0001", "INC-0002", "INC-0003", "INC-0004"]
    result = store.load_incidents(path)
    assert result.problems == ()
    assert list(result.incidents["id"]) == ids


def test_a_record_ending_mid_window_is_not_mistaken_for_a_line_start(tmp_path, monkeypatch):
    # A cell holding "INC-9999," that the first window happens to cut at is not an id.
    monkeypatch.setattr(store, "TAIL_BYTES", 64)
    path = tmp_path / "incidents.csv"
    _append(path)
    _append(path, notes="see INC-9999, the earlier one " + "y" * 40)
    assert _append(path) == "INC-0003"
