"""The add-incident page through the real app (AppTest): what it writes, refuses and warns about."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from form_helpers import (
    LOOKUP,
    VALID_FORM,
    all_text,
    copy_curated,
    errors_beside,
    fill,
    has_widget,
    open_page,
    submit,
    widget,
)
from incident_samples import CURATED_DATA
from streamlit.testing.v1 import AppTest

from dashboard.editors import SUBMISSION_LIMIT
from dashboard.form_fields import flag_options
from dashboard.geo import find_place
from dashboard.presentation import escape_markdown
from dashboard.schema import country_name, format_incident_id, incident_number
from dashboard.store import load_incidents, read_stored_incidents

PASSPHRASE = "correct horse battery"


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the curated data that the app under test reads and writes."""
    return copy_curated(tmp_path, monkeypatch)


@pytest.fixture
def add_page(data_file: Path) -> AppTest:
    """The add-incident page, opened fresh."""
    return open_page("views/add.py")


def stored(data_file: Path) -> dict[str, object]:
    """The last incident in the file, as the loader reads it back."""
    result = load_incidents(data_file)
    assert result.problems == ()
    return result.incidents.iloc[-1].to_dict()


def confirm_all_warnings(app: AppTest) -> AppTest:
    """Tick every confirmation box the page shows, then submit again."""
    boxes = [box for box in app.checkbox if (box.key or "").startswith("add_confirm_")]
    assert boxes, "expected at least one warning to confirm"
    for box in boxes:
        box.check()
    return submit(app)


def test_a_valid_submission_appends_exactly_one_row_with_the_values_typed(
    add_page: AppTest, data_file: Path
) -> None:
    before = data_file.read_bytes()
    count_before = len(load_incidents(data_file).incidents)
    submit(fill(add_page, VALID_FORM))
    assert not add_page.exception
    after = data_file.read_bytes()
    # The old bytes are untouched and exactly one line was added.
    assert after.startswith(before)
    assert after[len(before) :].count(b"\n") == 1
    assert len(load_incidents(data_file).incidents) == count_before + 1
    row = stored(data_file)
    assert {name: row[name] for name in EXPECTED_ROW} == EXPECTED_ROW
    assert row["date"].date() == dt.date(2026, 1, 15)
    assert pd.isna(row["end_date"])
    assert row["latitude"] == pytest.approx(12.25) and row["longitude"] == pytest.approx(-66.5)
    assert row["sources"] == [
        {
            "outlet": "Example News",
            "title": "A tanker is boarded",
            "url": "https://example.org/boarded",
            "published": dt.date(2026, 1, 16),
        },
    ]
    assert any(row["id"] in success.value for success in add_page.success)
    # The form is empty again for the next incident, but keeps who is adding.
    assert widget(add_page, "add_vessel_name").value == ""
    assert widget(add_page, "add_added_by").value == "Test Editor"


# The form's first save in a copy of the curated file takes the number after the file's last.
NEXT_ID = format_incident_id(
    max(incident_number(incident.id) or 0 for incident in read_stored_incidents(CURATED_DATA)) + 1
)
EXPECTED_ROW = {
    "id": NEXT_ID,
    "date_precision": "day",
    "event_type": "boarding",
    "vessel_name": "Form Test Tanker",
    "former_names": ("Old Form", "Older Form"),
    "imo": "1234567",
    "mmsi": "351234567",
    "vessel_type": "product_tanker",
    "flag": "PA",
    "false_flag": "no",
    "registry": "Panama",
    "linked_to": ("Iran", "China"),
    "sanctions": "none reported",
    "place": "Caribbean Sea north of Venezuela",
    "location_precision": "approximate",
    "agency": "US Coast Guard",
    "outcome": "boarded",
    "summary": "A test team boarded the tanker at dawn.",
    "notes": "Typed in a test.",
    "verification": "unverified",
    "added_by": "Test Editor",
    "added_via": "form",
}


def test_the_new_incident_shows_at_once_on_the_map_and_in_the_table(
    add_page: AppTest, data_file: Path
) -> None:
    submit(fill(add_page, VALID_FORM))
    new_id = stored(data_file)["id"]
    add_page.switch_page("views/table.py").run()
    assert new_id in list(add_page.dataframe[0].value["ID"])
    add_page.switch_page("views/map.py").run()
    total = len(load_incidents(data_file).incidents)
    assert f"{total} of {total} incidents" in add_page.caption[0].value


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        # The IMO's check digit is wrong (9304667 is right).
        ({"add_imo": "9304668"}, "add_imo", "check digit"),
        # Latitude beyond the pole, and longitude past the antimeridian (geopy would wrap it).
        ({"add_position": "95, -66.5"}, "add_position", "latitude must be between -90 and 90"),
        ({"add_position": "12.25, 190"}, "add_position", "longitude must be between -180 and 180"),
        ({"add_position": "somewhere off Aruba"}, "add_position", "cannot read"),
        # Only web links: a javascript: URL would run in the reader's browser.
        ({"add_source_0_url": "javascript:alert(1)"}, "add_source_0_url", "http:// or https://"),
        ({"add_end_date": dt.date(2026, 1, 10)}, "add_end_date", "before the start date"),
        ({"add_mmsi": "12345"}, "add_mmsi", "exactly 9 digits"),
        ({"add_vessel_name": "   "}, "add_vessel_name", "only a strike on an unnamed boat"),
        ({"add_added_by": ""}, "add_added_by", "who is adding"),
        ({"add_event_type": None}, "add_event_type", "is required"),
        # A source row with a URL but no outlet: the row is not ignored, it is incomplete.
        ({"add_source_0_outlet": ""}, "add_source_0_outlet", "is required"),
        ({"add_summary": "x" * 1001}, "add_summary", "too long"),
    ],
)
def test_an_invalid_field_is_named_beside_it_and_nothing_is_written(
    add_page: AppTest, data_file: Path, changes: dict[str, object], key: str, words: str
) -> None:
    before = data_file.read_bytes()
    submit(fill(add_page, {**VALID_FORM, **changes}))
    assert not add_page.exception
    assert data_file.read_bytes() == before
    beside = errors_beside(add_page, key)
    assert len(beside) == 1, beside
    assert escape_markdown(words) in beside[0]
    # The field's own label opens the message, so the reader knows which one it is.
    label = widget(add_page, key).label.removesuffix(" *")
    assert beside[0].startswith(f"**{escape_markdown(label)}**")
    # What was typed is still there to correct.
    for name, value in changes.items():
        assert widget(add_page, name).value == value


def test_missing_source_is_reported_beside_the_sources(add_page: AppTest, data_file: Path) -> None:
    before = data_file.read_bytes()
    no_source = {key: "" for key in VALID_FORM if key.startswith("add_source_0_")}
    submit(fill(add_page, {**VALID_FORM, **no_source, "add_source_0_published": None}))
    assert data_file.read_bytes() == before
    assert any("at least one source" in error.value for error in add_page.error)


def test_every_problem_is_shown_at_once(add_page: AppTest, data_file: Path) -> None:
    before = data_file.read_bytes()
    bad = {"add_imo": "9304668", "add_position": "95, 10", "add_source_0_url": "ftp://x"}
    submit(fill(add_page, {**VALID_FORM, **bad}))
    assert data_file.read_bytes() == before
    for key in bad:
        assert len(errors_beside(add_page, key)) == 1, key
    assert any("3 problem(s)" in error.value for error in add_page.error)


def test_an_unknown_flag_cannot_be_chosen(add_page: AppTest) -> None:
    # The flag is a select box over exactly the codes the schema accepts, so "XX" cannot reach
    # the store from this page (the schema's own refusal of "XX" is tested in test_schema.py
    # and test_form_fields.py).
    options = widget(add_page, "add_flag").options
    assert "XX" not in options and "Panama (PA)" in options
    assert len(options) == len(flag_options())
    assert all(country_name(code) for code in flag_options()[1:])


@pytest.mark.parametrize(
    "notation",
    [
        "12.25, -66.5",
        "12.25 -66.5",
        "12°15'N 66°30'W",
        "12°15'00\"N, 66°30'00\"W",
        "N12 15 W66 30",
        "12 15.0 N 66 30.0 W",
    ],
)
def test_every_notation_stores_the_same_point(
    add_page: AppTest, data_file: Path, notation: str
) -> None:
    submit(fill(add_page, {**VALID_FORM, "add_position": notation}))
    row = stored(data_file)
    assert row["id"] == NEXT_ID
    assert (row["latitude"], row["longitude"]) == pytest.approx((12.25, -66.5), abs=1e-9)


@pytest.mark.parametrize("query", ["La Guaira", "Jose", "puerto jose"])
def test_a_gazetteer_name_fills_the_position_and_is_stored(
    add_page: AppTest, data_file: Path, query: str
) -> None:
    place = find_place(query)
    assert place is not None
    add_page.text_input(key=LOOKUP).set_value(query).run()
    position = widget(add_page, "add_position").value
    assert position == f"{place.position.latitude}, {place.position.longitude}"
    assert any(place.name in success.value for success in add_page.success)
    # Where the point is, in words, computed from the gazetteer.
    assert any("nm" in info.value or "at " in info.value for info in add_page.info)
    form = {key: value for key, value in VALID_FORM.items() if key != "add_position"}
    submit(fill(add_page, form))
    # A port lies on the land outline: the page asks before storing it.
    if [box for box in add_page.checkbox if (box.key or "").startswith("add_confirm_")]:
        confirm_all_warnings(add_page)
    row = stored(data_file)
    assert row["id"] == NEXT_ID
    assert (row["latitude"], row["longitude"]) == (
        place.position.latitude,
        place.position.longitude,
    )


def test_an_unknown_place_name_is_refused_and_the_position_kept(add_page: AppTest) -> None:
    # Sent once (refused for the missing name), so the position is what the page holds.
    submit(fill(add_page, {**VALID_FORM, "add_added_by": ""}))
    add_page.text_input(key=LOOKUP).set_value("Atlantis harbour").run()
    assert any("No place called" in error.value for error in add_page.error)
    assert widget(add_page, "add_position").value == "12.25, -66.5"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        # MID 636 is Liberia's, but the flag is Panama: often exactly the story.
        ({"add_mmsi": "636012345"}, "Possible false flag"),
        # The same name (any case) as the curated Skipper, two days after its seizure.
        (
            {"add_vessel_name": "SKIPPER", "add_imo": "", "add_date": dt.date(2025, 12, 12)},
            "Possible duplicate",
        ),
        # Skipper's IMO under a new name, within three days.
        ({"add_imo": "9304667", "add_date": dt.date(2025, 12, 13)}, "Possible duplicate"),
        # Caracas is not at sea.
        ({"add_position": "10.49, -66.88"}, "lies on land"),
    ],
)
def test_a_warning_blocks_until_it_is_confirmed(
    add_page: AppTest, data_file: Path, changes: dict[str, object], words: str
) -> None:
    before = data_file.read_bytes()
    submit(fill(add_page, {**VALID_FORM, **changes}))
    assert any(escape_markdown(words) in warning.value for warning in add_page.warning)
    assert data_file.read_bytes() == before
    # Submitting again without ticking the box still writes nothing.
    submit(add_page)
    assert data_file.read_bytes() == before
    confirm_all_warnings(add_page)
    assert not add_page.exception
    row = stored(data_file)
    assert row["id"] == NEXT_ID
    assert data_file.read_bytes().startswith(before)


def test_a_duplicate_warning_shows_the_incident_it_may_repeat(
    add_page: AppTest, data_file: Path
) -> None:
    changes = {"add_vessel_name": "skipper", "add_imo": "", "add_date": dt.date(2025, 12, 11)}
    submit(fill(add_page, {**VALID_FORM, **changes}))
    shown = [table.value for table in add_page.dataframe]
    assert any("INC-0001" in list(table["ID"]) for table in shown)


def test_an_already_marked_false_flag_needs_no_confirmation(
    add_page: AppTest, data_file: Path
) -> None:
    submit(fill(add_page, {**VALID_FORM, "add_mmsi": "636012345", "add_false_flag": "yes"}))
    assert stored(data_file)["mmsi"] == "636012345"


def test_the_passphrase_gate_refuses_a_wrong_one_and_accepts_the_right_one(
    data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERDICTION_TRACKER_EDITOR_PASSPHRASE", PASSPHRASE)
    app = open_page("views/add.py")
    assert not has_widget(app, "add_vessel_name")
    app.text_input(key="editor_passphrase_input").set_value("wrong horse")
    app.button[0].click().run()
    assert any("Wrong passphrase" in error.value for error in app.error)
    assert not has_widget(app, "add_vessel_name")
    app.text_input(key="editor_passphrase_input").set_value(PASSPHRASE)
    app.button[0].click().run()
    assert has_widget(app, "add_vessel_name")
    # Never echoed, nor kept in the box.
    assert PASSPHRASE not in all_text(app)
    assert app.session_state["editor_passphrase_input"] == ""
    # Remembered for the session: the review page opens too.
    app.switch_page("views/review.py").run()
    assert not has_widget(app, "editor_passphrase_input")
    assert any("Logged in as editor" in caption.value for caption in app.caption)


def test_the_passphrase_can_come_from_streamlit_secrets(data_file: Path) -> None:
    app = open_page("views/add.py", secrets={"editor_passphrase": PASSPHRASE})
    assert not has_widget(app, "add_vessel_name")
    assert has_widget(app, "editor_passphrase_input")


def test_without_a_passphrase_the_page_says_it_is_in_open_local_mode(add_page: AppTest) -> None:
    assert any("Open local mode" in info.value for info in add_page.info)
    assert has_widget(add_page, "add_vessel_name")


BURST_FORM = {**VALID_FORM, "add_imo": "", "add_mmsi": "", "add_former_names": ""}


def test_the_21st_submission_in_a_minute_is_refused(add_page: AppTest, data_file: Path) -> None:
    count = len(load_incidents(data_file).incidents)
    for attempt in range(SUBMISSION_LIMIT):
        # A new vessel each time, so no duplicate warning stops the burst.
        form = {**BURST_FORM, "add_vessel_name": f"Burst {attempt}"}
        submit(fill(add_page, form))
        assert add_page.success, attempt
    assert len(load_incidents(data_file).incidents) == count + SUBMISSION_LIMIT
    before = data_file.read_bytes()
    submit(fill(add_page, {**BURST_FORM, "add_vessel_name": "One too many"}))
    assert data_file.read_bytes() == before
    assert any("Refused" in error.value for error in add_page.error)
    # What was typed stays, to be sent again once the minute has passed.
    assert widget(add_page, "add_vessel_name").value == "One too many"


def test_hostile_text_is_stored_as_typed_and_shown_escaped(
    add_page: AppTest, data_file: Path
) -> None:
    hostile = "<script>alert(1)</script>[x](javascript:alert(2)) **bold**"
    submit(fill(add_page, {**VALID_FORM, "add_vessel_name": hostile}))
    assert stored(data_file)["vessel_name"] == hostile
    (message,) = [success.value for success in add_page.success]
    assert escape_markdown(hostile) in message
    raw = json.dumps(message)
    assert "<script>" not in raw
