"""The review card (issue 9): what the submitter overrode, who may verify, revisable decisions."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from form_helpers import REVIEW_PAGE, VALID_FORM, all_text, copy_curated, fill, open_page, submit
from incident_samples import draft_fields
from streamlit.testing.v1 import AppTest

from dashboard.presentation import escape_markdown
from dashboard.schema import AddedVia, validate_draft
from dashboard.store import append_incident, load_incidents, reviews_path


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_curated(tmp_path, monkeypatch)


def review_log(data_file: Path) -> list[dict[str, str]]:
    if not reviews_path(data_file).exists():
        return []
    with reviews_path(data_file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def press(app: AppTest, label: str, key_suffix: str) -> AppTest:
    (button,) = [b for b in app.button if b.label == label and (b.key or "").endswith(key_suffix)]
    return button.click().run()


def test_confirmed_warnings_are_recorded_at_save_and_shown_to_the_reviewer(
    data_file: Path,
) -> None:
    add = open_page("views/add.py")
    # Skipper's IMO three days after its seizure: a possible duplicate of INC-0001.
    submit(fill(add, {**VALID_FORM, "add_imo": "9304667", "add_date": dt.date(2025, 12, 13)}))
    for box in [b for b in add.checkbox if (b.key or "").startswith("add_confirm_")]:
        box.check()
    submit(add)
    assert not add.exception
    new_id = load_incidents(data_file).incidents.iloc[-1]["id"]
    # The success message links to the new incident's permalink.
    assert any(f"?incident={new_id}" in success.value for success in add.success)
    (entry,) = review_log(data_file)
    assert entry["incident_id"] == new_id and entry["decision"] == "unverified"
    assert "possible duplicate of INC-0001" in entry["note"]
    # Still in the queue, and the card says what was overridden, with the MMSI and a link.
    review = open_page(REVIEW_PAGE)
    shown = all_text(review)
    assert escape_markdown("possible duplicate of INC-0001") in shown
    assert escape_markdown(f"MMSI: {VALID_FORM['add_mmsi']}") in shown
    assert "(/?incident=INC-0001)" in shown


@pytest.fixture
def queued(data_file: Path) -> str:
    """An incident submitted by "Form User", waiting for review; returns its id."""
    draft = validate_draft(draft_fields(vessel_name="Queued"))
    return append_incident(draft, added_by="Form User", added_via=AddedVia.FORM, path=data_file).id


@pytest.mark.parametrize("reviewer", ["Form User", "  form   USER "])
def test_nobody_verifies_their_own_submission(data_file: Path, queued: str, reviewer: str) -> None:
    app = open_page(REVIEW_PAGE)
    app.text_input(key="review_reviewer").set_value(reviewer)
    press(app, "Mark verified", queued)
    assert any("another editor must verify" in error.value for error in app.error)
    assert review_log(data_file) == []


def test_a_decision_can_be_revised_and_the_card_shows_the_history(
    data_file: Path, queued: str
) -> None:
    app = open_page(REVIEW_PAGE)
    app.text_input(key="review_reviewer").set_value("Ed Itor")
    press(app, "Mark rejected", queued)
    app.selectbox(key="review_revise_choice").set_value(queued).run()
    app.text_input(key=f"revise_note_{queued}").set_value("a second report confirms it")
    press(app, "Mark verified", f"revise_verified_{queued}")
    assert [row["decision"] for row in review_log(data_file)] == ["rejected", "verified"]
    frame = load_incidents(data_file).incidents.set_index("id")
    assert frame.loc[queued, "verification"] == "verified"
    shown = all_text(app)
    assert escape_markdown("rejected by Ed Itor") in shown
    assert escape_markdown("verified by Ed Itor: a second report confirms it") in shown
