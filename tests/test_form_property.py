"""Random text through the real add-incident page: it never raises and never writes a bad row."""

from __future__ import annotations

from pathlib import Path

import pytest
from form_helpers import ADD_PAGE, LOOKUP, VALID_FORM, copy_curated, fill, open_page, submit
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dashboard.schema import validate_draft
from dashboard.store import load_incidents

# What people paste: markup, formulas, CSV and JSON syntax, coordinates, control characters.
NASTY = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x")',
    '"; DROP TABLE incidents; --',
    '[{"outlet": "x", "url": "javascript:alert(1)"}]',
    'a,b,"c"\n,d',
    "10°30'N 66°55'W",
    "N10 30.5 W66 55",
    "95, 190",
    "nan, inf",
    "${alert(1)}`",
    "\u2028\u0000\t",
    "IMO 9304667",
    "9304668",
    "636012345",
    ";;;",
    " ",
]
TEXT = st.one_of(st.text(max_size=60), st.sampled_from(NASTY))
# Text that survives cleaning, so that required fields are filled and rows do get written.
FILLED_TEXT = TEXT.filter(
    lambda text: any(char.isprintable() and not char.isspace() for char in text)
)
# Text boxes whose content the schema takes as it is (cleaned of line breaks), required or not.
FREE_TEXT_KEYS = (
    "add_vessel_name",
    "add_registry",
    "add_sanctions",
    "add_place",
    "add_agency",
    "add_summary",
    "add_notes",
    "add_source_0_outlet",
    "add_source_0_title",
    "add_added_by",
)
REQUIRED_KEYS = frozenset(
    {"add_vessel_name", "add_place", "add_agency", "add_summary", "add_source_0_outlet"}
    | {"add_added_by"}
)
# No IMO or former names shared between examples, so earlier rows raise no duplicate warning.
NO_IDENTITY_FORM = {**VALID_FORM, "add_imo": "", "add_mmsi": "", "add_former_names": ""}
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    # One page and one data file on purpose: the property holds however many came before.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_curated(tmp_path, monkeypatch)


def text_keys(app) -> list[str]:
    """Every text box of the add page, the place search included."""
    boxes = [*app.text_input, *app.text_area]
    return [box.key for box in boxes if (box.key or "").startswith("add_")]


@SETTINGS
@given(data=st.data())
def test_random_text_in_every_field_never_raises_or_writes_a_bad_row(
    data_file: Path, data: st.DataObject
) -> None:
    original = data_file.read_bytes()
    app = open_page(ADD_PAGE)
    keys = text_keys(app)
    assert LOOKUP in keys and "add_position" in keys and "add_imo" in keys
    typed = data.draw(st.fixed_dictionaries({key: TEXT for key in keys}))
    submit(fill(app, {**VALID_FORM, **typed}))
    assert not app.exception, [error.value for error in app.exception]
    result = load_incidents(data_file)
    assert result.problems == ()
    assert data_file.read_bytes().startswith(original)


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_any_free_text_that_is_written_reads_back_as_the_schema_cleaned_it(
    data_file: Path, data: st.DataObject
) -> None:
    app = open_page(ADD_PAGE)
    typed = data.draw(
        st.fixed_dictionaries(
            {key: FILLED_TEXT if key in REQUIRED_KEYS else TEXT for key in FREE_TEXT_KEYS}
        )
    )
    count = len(load_incidents(data_file).incidents)
    submit(fill(app, {**NO_IDENTITY_FORM, **typed}))
    assert not app.exception, [error.value for error in app.exception]
    result = load_incidents(data_file)
    assert result.problems == ()
    if len(result.incidents) == count:
        event("refused")  # an empty required field, say: nothing written, which is fine
        return
    event("written")
    row = result.incidents.iloc[-1]
    # What the schema makes of the same text is exactly what the file gives back.
    cleaned = validate_draft(
        {
            **{name: row[name] for name in ("date", "date_precision", "event_type")},
            "vessel_name": typed["add_vessel_name"],
            "vessel_type": "unknown",
            "false_flag": "unknown",
            "latitude": 0,
            "longitude": 0,
            "place": typed["add_place"],
            "location_precision": "exact",
            "agency": typed["add_agency"],
            "outcome": "unknown",
            "summary": typed["add_summary"],
            "notes": typed["add_notes"],
            "sources": [{"outlet": typed["add_source_0_outlet"], "url": "https://example.org"}],
        }
    )
    assert row["vessel_name"] == cleaned.vessel_name
    assert row["summary"] == cleaned.summary
    assert row["place"] == cleaned.place
    assert row["sources"][0]["outlet"] == cleaned.sources[0].outlet
