"""Atom feeds: read back with feedparser and checked against the record, hostile text as text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import pandas as pd
import pytest
from incident_samples import draft_fields
from streamlit.testing.v1 import AppTest

from dashboard import app_state, store
from dashboard.exports.feed import (
    ALL_FEED_NAME,
    FEEDS_DIR_NAME,
    LATEST_ENTRIES,
    FeedScope,
    build_feed,
    flag_feed_path,
    incident_permalink,
    latest_verified,
    write_feeds,
)
from dashboard.map_view import escape_for_map
from dashboard.schema import AddedVia, Verification, validate_draft

BASE_URL = "https://tracker.example.org"
HOSTILE = "<script>alert(1)</script>"


def _parse(payload: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(payload)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _feed(frame: pd.DataFrame, scope: FeedScope | None = None) -> feedparser.FeedParserDict:
    scope = scope or FeedScope.whole_record()
    return _parse(build_feed(frame, scope, base_url=BASE_URL).atom_str(pretty=True))


def test_feed_lists_the_latest_verified_incidents_newest_first(curated: pd.DataFrame) -> None:
    parsed = _feed(curated)
    expected = latest_verified(curated)
    assert len(parsed.entries) == min(LATEST_ENTRIES, len(expected)) > 0
    links = [entry.link for entry in parsed.entries]
    assert links == [incident_permalink(i, base_url=BASE_URL) for i in expected["id"]]
    published = [dt.date(*entry.published_parsed[:3]) for entry in parsed.entries]
    assert published == sorted(published, reverse=True)


def test_each_entry_says_what_where_when_and_links_its_sources(curated: pd.DataFrame) -> None:
    parsed = _feed(curated)
    incidents = curated.set_index("id")
    for entry in parsed.entries:
        incident = incidents.loc[entry.link.rsplit("=", 1)[1]]
        assert entry.summary == incident["summary"]
        assert str(incident["date"].date()) in entry.title
        content = entry.content[0].value
        # The map popup's wording: the place, escaped as the popup escapes it.
        assert escape_for_map(incident["place"]) in content
        related = [link.href for link in entry.links if link.rel == "related"]
        assert related == [source["url"] for source in incident["sources"]]
        assert entry.id.startswith("urn:uuid:")


def test_entry_ids_stay_when_the_dashboard_moves(curated: pd.DataFrame) -> None:
    here = [e.id for e in _feed(curated).entries]
    there = _parse(
        build_feed(curated, FeedScope.whole_record(), base_url="http://other").atom_str()
    )
    assert [e.id for e in there.entries] == here


def test_unverified_and_rejected_incidents_stay_out(curated: pd.DataFrame) -> None:
    frame = curated.copy()
    frame["verification"] = frame["verification"].astype(str)
    frame.loc[frame.index[:3], "verification"] = ["unverified", "rejected", "unverified"]
    left_out = set(frame["id"].iloc[:3])
    links = {entry.link for entry in _feed(frame).entries}
    assert not {incident_permalink(i, base_url=BASE_URL) for i in left_out} & links


def test_hostile_text_reaches_the_reader_as_text(curated: pd.DataFrame) -> None:
    frame = curated.head(2).copy()
    frame["vessel_name"] = HOSTILE
    frame["summary"] = HOSTILE
    payload = build_feed(frame, FeedScope.whole_record(), base_url=BASE_URL).atom_str()
    assert b"<script>" not in payload
    parsed = _parse(payload)
    for entry in parsed.entries:
        # Title and summary are text: the reader shows the characters, runs nothing.
        assert HOSTILE in entry.title
        assert entry.summary == HOSTILE
        assert entry.title_detail.type == "text/plain"
        # The content is HTML in which the payload is escaped data, not markup.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entry.content[0].value


def test_write_feeds_writes_one_file_per_flag_holding_only_that_flag(
    curated: pd.DataFrame, tmp_path: Path
) -> None:
    written = write_feeds(curated, tmp_path, base_url=BASE_URL)
    feeds_dir = tmp_path / FEEDS_DIR_NAME
    flags = sorted(set(latest_verified(curated, limit=len(curated))["flag"].dropna()))
    assert written == [
        feeds_dir / ALL_FEED_NAME,
        *(feeds_dir / flag_feed_path(flag) for flag in flags),
    ]
    panama = _parse((feeds_dir / flag_feed_path("PA")).read_bytes())
    expected = latest_verified(curated[curated["flag"] == "PA"])["id"]
    assert [e.link for e in panama.entries] == [
        incident_permalink(i, base_url=BASE_URL) for i in expected
    ]
    assert "Panama (PA)" in panama.feed.title


def test_rewriting_an_unchanged_record_gives_the_same_bytes_and_drops_stale_flags(
    curated: pd.DataFrame, tmp_path: Path
) -> None:
    write_feeds(curated, tmp_path, base_url=BASE_URL)
    first = (tmp_path / FEEDS_DIR_NAME / ALL_FEED_NAME).read_bytes()
    without_panama = curated[curated["flag"] != "PA"]
    write_feeds(without_panama, tmp_path, base_url=BASE_URL)
    assert not (tmp_path / FEEDS_DIR_NAME / flag_feed_path("PA")).exists()
    write_feeds(curated, tmp_path, base_url=BASE_URL)
    assert (tmp_path / FEEDS_DIR_NAME / ALL_FEED_NAME).read_bytes() == first


@pytest.mark.parametrize("flag", ["PA", "pa"])
def test_flag_scope_normalises_the_code(flag: str) -> None:
    assert FeedScope.for_flag(flag).file == "flag/PA.atom"


def test_the_app_rewrites_the_feed_when_the_record_changes(
    app_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_state, "STATIC_DIR", tmp_path)
    monkeypatch.setenv("INTERDICTION_TRACKER_PUBLIC_URL", BASE_URL)
    feed_file = tmp_path / FEEDS_DIR_NAME / ALL_FEED_NAME
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py"))
    app.run(timeout=60)
    before = [entry.link for entry in _parse(feed_file.read_bytes()).entries]
    # A new incident enters the feed once an editor verifies it (form rows start unverified).
    draft = validate_draft(draft_fields(date=dt.date.today().isoformat(), vessel_name=HOSTILE))
    added = store.append_incident(draft, added_by="tests", added_via=AddedVia.FORM, path=app_data)
    app.run(timeout=60)
    assert [entry.link for entry in _parse(feed_file.read_bytes()).entries] == before
    store.record_review(added.id, Verification.VERIFIED, reviewer="editor", path=app_data)
    app.run(timeout=60)
    after = _parse(feed_file.read_bytes()).entries
    assert after[0].link == incident_permalink(added.id, base_url=BASE_URL)
    assert HOSTILE in after[0].title
    assert [entry.link for entry in after[1:]] == before[: LATEST_ENTRIES - 1]
