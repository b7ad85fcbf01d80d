"""The review queue through the real app (AppTest): decisions are appended and change the views."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from form_helpers import REVIEW_PAGE, all_text, copy_curated, has_widget, open_page
from incident_samples import draft_fields
from streamlit.testing.v1 import AppTest

from dashboard.presentation import escape_markdown
from dashboard.schema import AddedVia, Verification, validate_draft
from dashboard.store import append_incident, load_incidents, record_review, reviews_path

HOSTILE = "<img src=x onerror=alert(1)>[link](javascript:alert(2)) **Evil**"
PASSPHRASE = "review passphrase"


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the curated data with two incidents added through the form, both unverified."""
    path = copy_curated(tmp_path, monkeypatch)
    for name in ("Queued One", HOSTILE):
        draft = validate_draft(draft_fields(vessel_name=name, summary=f"Summary of {name}"))
        append_incident(draft, added_by="Form User", added_via=AddedVia.FORM, path=path)
    return path


def queued_ids(data_file: Path) -> list[str]:
    """The unverified incidents this module's fixture added (the curated file has its own)."""
    frame = load_incidents(data_file).incidents
    added = (frame["verification"] == "unverified") & (frame["added_via"] == "form")
    return list(frame.loc[added, "id"])


def decide(app: AppTest, incident_id: str, decision: str, note: str = "") -> AppTest:
    """Press "Mark <decision>" for one incident, with an optional note."""
    if note:
        app.text_input(key=f"review_note_{incident_id}").set_value(note)
    (button,) = [
        button
        for button in app.button
        if button.label == f"Mark {decision}" and (button.key or "").endswith(incident_id)
    ]
    return button.click().run()


def review_log(data_file: Path) -> list[dict[str, str]]:
    with reviews_path(data_file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_queue_lists_the_unverified_incidents_as_text(data_file: Path) -> None:
    app = open_page(REVIEW_PAGE)
    assert not app.exception
    queued = queued_ids(data_file)
    assert len(queued) == 2
    shown = all_text(app)
    for incident_id in queued:
        assert incident_id in shown
    # The hostile name is shown escaped: markdown can make no link, image or bold of it.
    assert escape_markdown(HOSTILE) in shown
    assert HOSTILE not in shown


@pytest.mark.parametrize("decision", ["verified", "rejected"])
def test_a_decision_is_appended_to_the_review_log_and_changes_verification(
    data_file: Path, decision: str
) -> None:
    incidents_before = data_file.read_bytes()
    first, second = queued_ids(data_file)
    app = open_page(REVIEW_PAGE)
    app.text_input(key="review_reviewer").set_value("Ed Itor")
    decide(app, first, decision, note="checked against two reports")
    assert not app.exception
    message = escape_markdown(f"{first} marked {decision} by Ed Itor.")
    assert any(message in success.value for success in app.success)
    (entry,) = review_log(data_file)
    assert entry["incident_id"] == first
    assert entry["decision"] == decision
    assert entry["reviewer"] == "Ed Itor"
    assert entry["note"] == "checked against two reports"
    assert entry["reviewed_at"].endswith("Z")
    # The incident file itself is never rewritten.
    assert data_file.read_bytes() == incidents_before
    frame = load_incidents(data_file).incidents.set_index("id")
    assert frame.loc[first, "verification"] == decision
    assert frame.loc[second, "verification"] == "unverified"
    # It has left the queue, and the history shows the decision.
    assert queued_ids(data_file) == [second]
    assert not has_widget(app, f"review_note_{first}")
    (history,) = app.dataframe
    assert list(history.value["incident_id"]) == [first]


def test_a_later_decision_is_appended_not_overwritten(data_file: Path) -> None:
    first, _second = queued_ids(data_file)
    app = open_page(REVIEW_PAGE)
    app.text_input(key="review_reviewer").set_value("Ed Itor")
    decide(app, first, "rejected")
    # Rejected incidents leave the queue; a later decision comes through the store as well.
    record_review(first, Verification.VERIFIED, reviewer="Second Editor", path=data_file)
    assert [row["decision"] for row in review_log(data_file)] == ["rejected", "verified"]
    assert load_incidents(data_file).incidents.set_index("id").loc[first, "verification"] == (
        "verified"
    )


def test_a_rejected_incident_leaves_the_map_unless_the_filter_asks_for_it(
    data_file: Path,
) -> None:
    first, _second = queued_ids(data_file)
    app = open_page(REVIEW_PAGE)
    app.text_input(key="review_reviewer").set_value("Ed Itor")
    decide(app, first, "rejected")
    app.switch_page("views/table.py").run()
    assert first not in list(app.dataframe[0].value["ID"])
    total = len(load_incidents(data_file).incidents)
    app.switch_page("views/map.py").run()
    assert f"{total - 1} of {total} incidents" in app.caption[0].value
    (verification,) = [box for box in app.sidebar.multiselect if box.label == "Verification"]
    verification.set_value(["rejected"]).run()
    app.switch_page("views/table.py").run()
    assert list(app.dataframe[0].value["ID"]) == [first]


def test_a_decision_needs_the_reviewers_name(data_file: Path) -> None:
    first, _second = queued_ids(data_file)
    app = open_page(REVIEW_PAGE)
    decide(app, first, "verified")
    assert any("Your name" in error.value for error in app.error)
    assert not reviews_path(data_file).exists()
    assert first in queued_ids(data_file)


def test_the_review_page_is_for_editors_when_a_passphrase_is_set(
    data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERDICTION_TRACKER_EDITOR_PASSPHRASE", PASSPHRASE)
    app = open_page(REVIEW_PAGE)
    assert not has_widget(app, "review_reviewer")
    assert not [button for button in app.button if button.label.startswith("Mark ")]
    # Not even the queue is shown.
    assert queued_ids(data_file)[0] not in all_text(app)
    app.text_input(key="editor_passphrase_input").set_value("guess")
    app.button[0].click().run()
    assert any("Wrong passphrase" in error.value for error in app.error)
    assert not has_widget(app, "review_reviewer")
    app.text_input(key="editor_passphrase_input").set_value(PASSPHRASE)
    app.button[0].click().run()
    # Unlocked; the logged-in editor's name is recorded, so there is no name box to fill.
    assert [button for button in app.button if button.label.startswith("Mark ")]
    assert not has_widget(app, "review_reviewer")
    assert PASSPHRASE not in all_text(app)
