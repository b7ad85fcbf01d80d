"""The add-incident form as plain data: built from the schema, checked as a whole."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.form_fields import (
    ADDED_BY,
    COORDINATE_FIELDS,
    POSITION,
    SOURCE_PARTS,
    SOURCE_ROWS,
    SOURCES,
    Submission,
    WidgetKind,
    check_submission,
    field_label,
    flag_options,
    form_layout,
    source_field,
    widget_kind,
)
from dashboard.schema import REQUIRED_DRAFT_FIELDS, IncidentDraft, Source

VALUES: dict[str, object] = {
    "date": dt.date(2026, 1, 15),
    "date_precision": "day",
    "event_type": "boarding",
    "outcome": "boarded",
    "agency": "US Coast Guard",
    "summary": "Boarded at dawn.",
    "vessel_name": "Form Test Tanker",
    "vessel_type": "product_tanker",
    "flag": "PA",
    "false_flag": "no",
    "place": "Caribbean Sea",
    "location_precision": "approximate",
}
SOURCE = {"outlet": "Example News", "url": "https://example.org/a"}


def submission(position: str = "12.25, -66.5", sources=None, added_by="Editor", **values):
    """A form submission: valid unless changed."""
    rows = [SOURCE] if sources is None else sources
    return Submission({**VALUES, **values}, position, rows, added_by)


def problems(checked) -> list[tuple[str, str]]:
    return [(problem.field, problem.reason) for problem in checked.problems]


def test_the_form_has_every_draft_field_exactly_once() -> None:
    placed = [name for _title, names in form_layout() for name in names]
    assert len(placed) == len(set(placed))
    covered = set(placed) - {POSITION, ADDED_BY} | set(COORDINATE_FIELDS)
    assert covered == set(IncidentDraft.model_fields)


def test_required_fields_are_marked_from_the_schema() -> None:
    for name in IncidentDraft.model_fields:
        if name in COORDINATE_FIELDS:
            continue
        assert field_label(name).endswith(" *") == (name in REQUIRED_DRAFT_FIELDS), name
    assert field_label(POSITION).endswith(" *")
    assert field_label(ADDED_BY).endswith(" *")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("date", WidgetKind.DATE),
        ("end_date", WidgetKind.DATE),
        ("event_type", WidgetKind.CHOICE),
        ("false_flag", WidgetKind.CHOICE),
        ("flag", WidgetKind.FLAG),
        ("former_names", WidgetKind.LIST),
        ("summary", WidgetKind.LONG_TEXT),
        ("imo", WidgetKind.TEXT),
        (SOURCES, WidgetKind.SOURCES),
        (POSITION, WidgetKind.POSITION),
    ],
)
def test_widgets_follow_the_schema_types(name, kind) -> None:
    assert widget_kind(name) is kind


def test_flag_options_are_no_flag_and_every_iso_code() -> None:
    options = flag_options()
    assert options[0] == ""
    assert {"PA", "GY", "LR", "RU", "VE"} <= set(options)
    assert "XX" not in options and len(options) == len(set(options))


def test_a_valid_submission_gives_a_draft_and_the_editor() -> None:
    checked = check_submission(submission())
    assert checked.is_valid, problems(checked)
    assert (checked.draft.latitude, checked.draft.longitude) == (12.25, -66.5)
    assert checked.added_by == "Editor"
    assert checked.draft.sources == (Source(**SOURCE),)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # A flag that is not an ISO code (the page's select box cannot send one).
        ({"flag": "XX"}, [("flag", "'XX' is not an ISO 3166-1 two-letter country code")]),
        ({"position": ""}, [(POSITION, "is required")]),
        ({"position": "95, 10"}, [(POSITION, "latitude must be between -90 and 90")]),
        ({"added_by": "  "}, [(ADDED_BY, "is required")]),
        ({"sources": []}, [(SOURCES, "at least one source")]),
        # Empty rows are ignored, and a problem is named after the row it was typed in.
        (
            {"sources": [{}, {}, {"outlet": "X", "url": "javascript:alert(1)"}]},
            [(source_field(2, "url"), "must start with http:// or https://")],
        ),
        (
            {"sources": [SOURCE, {"url": "https://example.org/b"}]},
            [(source_field(1, "outlet"), "is required")],
        ),
    ],
)
def test_problems_are_named_by_the_form_field_they_belong_beside(changes, expected) -> None:
    checked = check_submission(submission(**changes))
    assert not checked.is_valid and checked.draft is None
    found = problems(checked)
    assert [field for field, _reason in found] == [field for field, _words in expected]
    for (_field, reason), (_field2, words) in zip(found, expected, strict=True):
        assert words in reason


def test_every_problem_is_reported_in_form_order() -> None:
    checked = check_submission(
        submission(position="north", added_by="", sources=[], imo="9304668", date=None)
    )
    assert [problem.field for problem in checked.problems] == [
        "date",
        "imo",
        POSITION,
        SOURCES,
        ADDED_BY,
    ]


def test_source_rows_have_a_widget_for_each_schema_part() -> None:
    assert tuple(Source.model_fields) == SOURCE_PARTS
    assert SOURCE_ROWS >= 3
